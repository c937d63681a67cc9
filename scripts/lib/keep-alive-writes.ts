/**
 * A steady write load as busy clients make it: a few clients, each on its own kept-alive
 * connection, recording harvests one after another with an Idempotency-Key, and going on
 * whatever the gateway answers (a refused or closed connection is tried again shortly). Each
 * write's lot is unique, so its batch id — computed here from the GTIN and the lot, not taken
 * from the gateway — names the one EventRecorded log the chain must end up holding for it.
 */
import { Agent, request } from "node:http";
import * as payload from "./payloads";

export interface WriteOutcome {
  lot: string;
  batchId: string;
  /** When the request was sent and when its answer (or error) came, ms since the epoch. */
  sentAt: number;
  answeredAt: number;
  /** The HTTP status, or the socket error's code when there was no answer. */
  status: number | string;
  retryAfter?: string;
  /** The answer's Connection header. */
  connection?: string;
}

export interface WriteLoad {
  outcomes: WriteOutcome[];
  /** The clients finish the write in hand and stop. */
  stop(): Promise<void>;
}

export function keepAliveWrites(options: { base: string; apiKey: string; clients: number; lotPrefix: string }): WriteLoad {
  const url = new URL("/api/v1/batches", options.base);
  const outcomes: WriteOutcome[] = [];
  let stopped = false;
  let counter = 0;

  const post = (agent: Agent, lot: string): Promise<WriteOutcome> => {
    const body = JSON.stringify(payload.harvest(lot));
    const sentAt = Date.now();
    const outcome = { lot, batchId: payload.harvestedBatchId(lot), sentAt };
    return new Promise((resolve) => {
      const req = request(
        url,
        {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            authorization: `Bearer ${options.apiKey}`,
            "idempotency-key": lot,
          },
        },
        (res) => {
          res.resume();
          res.on("end", () =>
            resolve({
              ...outcome,
              answeredAt: Date.now(),
              status: res.statusCode ?? 0,
              retryAfter: res.headers["retry-after"],
              connection: res.headers.connection,
            }),
          );
          res.on("error", (error: NodeJS.ErrnoException) => resolve({ ...outcome, answeredAt: Date.now(), status: error.code ?? "error" }));
        },
      );
      req.on("error", (error: NodeJS.ErrnoException) => resolve({ ...outcome, answeredAt: Date.now(), status: error.code ?? "error" }));
      req.end(body);
    });
  };

  const client = async (n: number) => {
    // One connection per client, kept alive between its writes.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    while (!stopped) {
      const lot = `${options.lotPrefix}-${n}-${counter++}`;
      const outcome = await post(agent, lot);
      outcomes.push(outcome);
      if (typeof outcome.status !== "number" || outcome.status >= 500) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    agent.destroy();
  };
  const running = Promise.all(Array.from({ length: options.clients }, (_, n) => client(n)));
  return {
    outcomes,
    async stop() {
      stopped = true;
      await running;
    },
  };
}
