/**
 * The rules of an EPCIS 2.0 webhook delivery, apart from the sending: which receivers a
 * subscription may name, how a delivery is signed, how long a failed one waits before the next
 * try, and how a signatureToken is kept at rest.
 *
 * Signature: GS1's REST binding (openapi.yaml, the subscription callback) puts it in the
 * `GS1-Signature` request header and leaves its form to the implementation, naming HMAC-SHA256
 * as one. Here it is the HMAC-SHA256 of the request body's exact bytes, keyed with the UTF-8
 * bytes of the subscriber's signatureToken, in standard base64 — the form FasTnT's EPCIS 2.0
 * repository sends, so a receiver written for one checks the other. A receiver recomputes it over
 * the bytes it read, before parsing them, and compares in constant time.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { queryDocument } from "./epcis-documents";

export const SIGNATURE_HEADER = "GS1-Signature";

/** Events per delivery at most: one EPCISQueryDocument each. */
export const EVENTS_PER_DELIVERY = 100;

/** The longest `dest` a subscription may name. */
export const MAX_DEST_LENGTH = 2000;

/** Hosts a subscription may reach over plain http: this machine only. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** The signature of a delivery's body (the GS1-Signature header's value). */
export function signBody(signatureToken: string, body: Buffer | string): string {
  return createHmac("sha256", Buffer.from(signatureToken, "utf8")).update(body).digest("base64");
}

/** A delivery's body: an EPCISQueryDocument of the simple event query's results for the subscription. */
export function deliveryBody(events: ReadonlyArray<{ event: string }>, subscriptionID: string): Buffer {
  return Buffer.from(JSON.stringify(queryDocument(events, { subscriptionID })), "utf8");
}

/**
 * Why `dest` may not receive deliveries, or undefined when it may: an absolute https URL, or http
 * to a loopback host (a receiver on this machine), without credentials in it, of at most
 * MAX_DEST_LENGTH characters.
 */
export function destProblem(dest: string): string | undefined {
  if (dest.length > MAX_DEST_LENGTH) return `must be at most ${MAX_DEST_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(dest);
  } catch {
    return "must be an absolute URL (https://…)";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an https URL";
  if (url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname.toLowerCase())) {
    return "must be an https URL (plain http only to 127.0.0.1, ::1 or localhost)";
  }
  if (url.username || url.password) return "must not hold credentials: the signatureToken authenticates the deliveries";
  return undefined;
}

export interface BackOff {
  /** The wait after the first failure; it doubles with each further one. */
  firstMs: number;
  /** The longest wait. */
  maxMs: number;
}

export const BACK_OFF_DEFAULTS: BackOff = { firstMs: 1_000, maxMs: 5 * 60_000 };

/**
 * The wait before the next try after `failures` consecutive failed deliveries (1 or more): the
 * first wait doubled each time, up to the longest, plus up to a quarter more at random so that
 * receivers that failed together are not all tried again at the same instant (never past the longest).
 */
export function retryDelayMs(failures: number, random: () => number = Math.random, backOff: BackOff = BACK_OFF_DEFAULTS): number {
  const doubled = backOff.firstMs * 2 ** Math.min(Math.max(failures, 1) - 1, 40);
  const base = Math.min(backOff.maxMs, doubled);
  return Math.round(Math.min(backOff.maxMs, base * (1 + random() / 4)));
}

/** A receiver's answer or the failure to get one, in the words the subscription's status shows. */
export function describeFailure(outcome: { status: number } | { error: unknown }): string {
  if ("status" in outcome) return `the receiver answered HTTP ${outcome.status}`;
  const error = outcome.error as NodeJS.ErrnoException | undefined;
  const message = error instanceof Error ? error.message : String(error);
  const code = error?.code && !message.includes(error.code) ? `${error.code}: ` : "";
  return `no answer: ${code}${message}`.slice(0, 500);
}

/**
 * Keeps signatureTokens sealed at rest: AES-256-GCM under a key derived from the gateway's master
 * secret, bound to the subscription's id. A copy of the database alone cannot forge deliveries.
 */
export class TokenSeal {
  private readonly key: Buffer;

  constructor(masterSecret: string) {
    this.key = Buffer.from(hkdfSync("sha256", Buffer.from(masterSecret, "utf8"), Buffer.alloc(0), "epcis-subscription-signature-token", 32));
  }

  seal(subscriptionID: string, token: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(subscriptionID, "utf8"));
    const sealed = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url")}`;
  }

  open(subscriptionID: string, sealed: string): string {
    if (!sealed.startsWith("v1:")) throw new Error("a signatureToken sealed in an unknown form");
    const bytes = Buffer.from(sealed.slice(3), "base64url");
    const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(subscriptionID, "utf8"));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
  }
}
