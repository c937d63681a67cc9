/**
 * A partner's webhook receiver for tests: a real HTTP server on 127.0.0.1 that keeps every
 * request it gets (the exact bytes, the headers, when it came) and answers each as the test
 * says: a status, or "hold" (no answer until the test releases it or the connection ends).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Delivery {
  /** ms since the epoch, when the whole body had come. */
  at: number;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** The body parsed (an EPCISQueryDocument). */
  document: any;
  /** What the receiver answered ("hold": nothing yet, or never). */
  answer: number | "hold";
}

export type Answer = (index: number, delivery: Omit<Delivery, "answer">) => number | "hold";

export interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** How the next requests are answered. */
  answerWith(answer: Answer): void;
  /** The events of the deliveries answered 2xx, in the order they came. */
  acknowledgedEvents(): any[];
  /** Answers the held requests with `status`. */
  release(status?: number): void;
  stop(): Promise<void>;
}

export async function startReceiver(answer: Answer = () => 200): Promise<Receiver> {
  let current = answer;
  const deliveries: Delivery[] = [];
  const held: Array<{ res: ServerResponse; delivery: Delivery }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      let document: unknown;
      try {
        document = JSON.parse(raw.toString("utf8"));
      } catch {
        document = undefined;
      }
      const received = { at: Date.now(), headers: req.headers, raw, document };
      const reply = current(deliveries.length, received);
      const delivery: Delivery = { ...received, answer: reply };
      deliveries.push(delivery);
      if (reply === "hold") {
        held.push({ res, delivery });
        return;
      }
      res.writeHead(reply, { "content-type": "text/plain" }).end(reply < 300 ? "ok" : "not now");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/epcis-callback`,
    deliveries,
    answerWith(next) {
      current = next;
    },
    acknowledgedEvents() {
      return deliveries
        .filter((d) => typeof d.answer === "number" && d.answer >= 200 && d.answer < 300)
        .flatMap((d) => d.document.epcisBody.queryResults.resultsBody.eventList);
    },
    release(status = 200) {
      for (const { res, delivery } of held.splice(0)) {
        if (res.destroyed) continue; // the sender gave up on it: never answered
        delivery.answer = status;
        res.writeHead(status).end();
      }
    },
    async stop() {
      for (const { res } of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Whether a delivery's GS1-Signature is the base64 HMAC-SHA256 of its exact bytes under `token`. */
export function signatureHolds(delivery: Pick<Delivery, "headers" | "raw">, token: string): boolean {
  const header = delivery.headers["gs1-signature"];
  if (typeof header !== "string") return false;
  const expected = createHmac("sha256", Buffer.from(token, "utf8")).update(delivery.raw).digest();
  const given = Buffer.from(header, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
