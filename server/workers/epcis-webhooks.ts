/**
 * Delivers EPCIS query subscriptions as webhooks. Every interval it projects what the index
 * gained (a short slice), then, for each subscription whose next try is due and that has events past
 * its cursor, starts a run: the events its query matches after the cursor, in seq order, at most
 * EVENTS_PER_DELIVERY at a time, each batch POSTed to the receiver as an EPCISQueryDocument
 * signed in the GS1-Signature header (services/epcis/webhook-delivery.ts).
 *
 * At least once, in order, nothing skipped: the cursor moves in SQLite only after the receiver
 * answered 2xx, to the last event it was sent (or to the end of what was scanned, when nothing
 * after that matched). A non-2xx answer, no answer within the timeout, or no connection is a
 * failure: counted, with its reason and the time of the next try (back-off), in SQLite too, so a
 * restart goes on with the same batch at the same pace. A receiver that got a batch whose answer
 * was lost gets it again: it tells deliveries apart by the events' eventIDs.
 *
 * One run per subscription at a time (a subscription's deliveries never overlap), a few runs at
 * once, none holding up the others. stop() schedules nothing more and waits for the deliveries in
 * flight; one that has not ended within `stopGraceMs` is abandoned (not acknowledged, so sent
 * again after the next start). Timers are unref'd: the worker keeps no process alive.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { createTicker, type Timer } from "./ticker";
import type { EpcisEventStore } from "../store/epcis-events";
import type { EpcisSubscriptionRepository, SubscriptionRow } from "../store/epcis-subscription-repository";
import type { EpcisProjector } from "../services/epcis/epcis-projector";
import { subscriptionFilter } from "../services/epcis/epcis-subscriptions";
import {
  BACK_OFF_DEFAULTS,
  deliveryBody,
  describeFailure,
  EVENTS_PER_DELIVERY,
  retryDelayMs,
  signBody,
  SIGNATURE_HEADER,
  type BackOff,
  type TokenSeal,
} from "../services/epcis/webhook-delivery";

export const WEBHOOK_DEFAULTS = {
  /** How often due subscriptions are looked for. */
  intervalMs: 1_000,
  /** A receiver that has not answered (status line and headers) within this is a failure. */
  timeoutMs: 10_000,
  /** Subscriptions delivered to at once. */
  maxInFlight: 8,
  /** Batches one run delivers before it lets the next tick go on (with the others in between). */
  batchesPerRun: 10,
  /** How long stop() waits for a delivery in flight before it abandons it. */
  stopGraceMs: 3_000,
};

export interface EpcisWebhookOptions {
  subscriptions: EpcisSubscriptionRepository;
  store: EpcisEventStore;
  projector: EpcisProjector;
  seal: TokenSeal;
  log: (message: string) => void;
  timeoutMs?: number;
  maxInFlight?: number;
  batchesPerRun?: number;
  stopGraceMs?: number;
  backOff?: BackOff;
  /** ms since the epoch; Date.now by default. */
  now?: () => number;
}

/** The global timers, unref'd: a waiting worker does not keep the process alive. */
const unrefTimer: Timer = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Logs projected before a tick looks for deliveries (a short slice: a long backlog is the background projection's). */
const PROJECTION_SLICE = 500;

type Outcome = { status: number } | { error: unknown } | { abandoned: true };

export function createEpcisWebhooks(options: EpcisWebhookOptions) {
  const settings = {
    timeoutMs: options.timeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs,
    maxInFlight: options.maxInFlight ?? WEBHOOK_DEFAULTS.maxInFlight,
    batchesPerRun: options.batchesPerRun ?? WEBHOOK_DEFAULTS.batchesPerRun,
    stopGraceMs: options.stopGraceMs ?? WEBHOOK_DEFAULTS.stopGraceMs,
    backOff: options.backOff ?? BACK_OFF_DEFAULTS,
  };
  const now = options.now ?? Date.now;
  const { subscriptions, store } = options;
  /** The run of each subscription being delivered to. */
  const runs = new Map<string, Promise<void>>();
  /** Aborted when a stop gives up waiting: the requests in flight are abandoned. */
  let abandon = new AbortController();
  let stopping = false;
  let delivered = 0;
  let failed = 0;

  const ticker = createTicker({
    run: async () => {
      try {
        options.projector.catchUp(PROJECTION_SLICE);
      } catch (error) {
        options.log(`EPCIS projection failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      const newest = store.lastSeq();
      for (const subscription of subscriptions.due(now(), 1_000)) {
        if (stopping || runs.size >= settings.maxInFlight) break;
        if (runs.has(subscription.id) || subscription.deliveredSeq >= newest) continue;
        const id = subscription.id;
        const run = deliver(id, abandon.signal)
          .catch((error) => options.log(`subscription ${id}: delivery failed: ${error instanceof Error ? error.message : String(error)}`))
          .finally(() => runs.delete(id));
        runs.set(id, run);
      }
    },
    onError: (error) => options.log(`EPCIS webhooks tick failed: ${error instanceof Error ? error.message : String(error)}`),
    first: "next-turn",
    timer: unrefTimer,
  });

  /** One subscription's run: batch after batch while the receiver takes them. */
  async function deliver(id: string, signal: AbortSignal): Promise<void> {
    for (let batch = 0; batch < settings.batchesPerRun && !stopping; batch++) {
      const subscription = subscriptions.byId(id);
      if (!subscription || subscription.nextAttemptAt > now()) return; // deleted, or waiting
      let filter;
      try {
        filter = subscriptionFilter(subscription);
      } catch (error) {
        recordFailure(subscription, describeFailure({ error }));
        return;
      }
      // The events after the cursor, and how far that read saw: both at one moment.
      const { events, scannedTo } = store.transaction(() => {
        const found = store.query(filter, subscription.deliveredSeq, EVENTS_PER_DELIVERY);
        const seenTo = found.length < EVENTS_PER_DELIVERY ? store.lastSeq() : found[found.length - 1].seq;
        return { events: found, scannedTo: Math.max(seenTo, subscription.deliveredSeq) };
      });
      if (events.length === 0) {
        if (scannedTo > subscription.deliveredSeq) subscriptions.passedOver(id, scannedTo);
        return;
      }
      let token: string;
      try {
        token = options.seal.open(id, subscription.tokenSealed);
      } catch {
        recordFailure(subscription, "its signatureToken cannot be opened (was the gateway's master secret changed?)");
        return;
      }
      const body = deliveryBody(events, id);
      const signature = signBody(token, body);
      const outcome = await post(subscription.dest, body, signature, settings.timeoutMs, signal);
      if ("abandoned" in outcome) return; // the stop gave up on it: sent again after the next start
      if ("status" in outcome && outcome.status >= 200 && outcome.status < 300) {
        subscriptions.delivered(id, scannedTo, new Date(now()).toISOString());
        delivered++;
        continue;
      }
      recordFailure(subscription, describeFailure(outcome));
      return;
    }
  }

  function recordFailure(subscription: SubscriptionRow, reason: string): void {
    const failures = subscription.failures + 1;
    const waitMs = retryDelayMs(failures, Math.random, settings.backOff);
    subscriptions.failed(subscription.id, failures, now() + waitMs, reason, new Date(now()).toISOString());
    failed++;
    options.log(`subscription ${subscription.id} (${originOf(subscription.dest)}): ${reason}; failure ${failures}, next try in ${Math.round(waitMs / 100) / 10} s`);
  }

  return {
    start(intervalMs: number = WEBHOOK_DEFAULTS.intervalMs) {
      stopping = false;
      abandon = new AbortController();
      ticker.start(intervalMs);
    },
    /** Schedules nothing more; waits for the deliveries in flight (abandoning those still out after stopGraceMs). */
    async stop() {
      stopping = true;
      await ticker.stop();
      const inFlight = Promise.all(runs.values());
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([
        inFlight.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), settings.stopGraceMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
      if (gaveUp) {
        abandon.abort();
        await inFlight;
      }
    },
    /** One tick now (tests); the runs it starts go on after it. */
    tick: () => ticker.tick(),
    /** Runs in flight, deliveries acknowledged and failures since this process began. */
    status: () => ({ inFlight: runs.size, delivered, failed }),
  };
}

export type EpcisWebhooks = ReturnType<typeof createEpcisWebhooks>;

/** The scheme, host and port of a URL: what the log names (a path or query may hold a partner's secrets). */
function originOf(dest: string): string {
  try {
    return new URL(dest).origin;
  } catch {
    return "?";
  }
}

/**
 * POSTs a delivery's bytes: no redirect followed (a 3xx is a failure), a new connection each time,
 * and a failure when the answer's status has not come within `timeoutMs`. The answer's body is dropped.
 */
function post(dest: string, body: Buffer, signature: string, timeoutMs: number, signal: AbortSignal): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const url = new URL(dest);
    let done = false;
    let req: ClientRequest | undefined;
    const finish = (outcome: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      const error: NodeJS.ErrnoException = new Error(`no answer within ${timeoutMs / 1000} s`);
      error.code = "ETIMEDOUT";
      finish({ error });
      req?.destroy();
    }, timeoutMs);
    timer.unref();
    const onAbort = () => {
      finish({ abandoned: true });
      req?.destroy();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    req = send(
      url,
      {
        method: "POST",
        agent: false,
        headers: {
          "Content-Type": "application/json",
          "Content-Length": String(body.length),
          "GS1-EPCIS-Version": "2.0.0",
          "GS1-CBV-Version": "2.0.0",
          [SIGNATURE_HEADER]: signature,
        },
      },
      (res: IncomingMessage) => {
        finish({ status: res.statusCode ?? 0 });
        // The answer's body is not wanted: read and dropped, and the connection cut if it does not end.
        res.on("error", () => undefined);
        const cutOff = setTimeout(() => req?.destroy(), timeoutMs);
        cutOff.unref();
        res.on("close", () => clearTimeout(cutOff));
        res.resume();
      },
    );
    req.on("error", (error) => finish({ error }));
    req.end(body);
  });
}
