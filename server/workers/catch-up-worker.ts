/**
 * A background catch-up in slices: a derived store (the EPCIS projection, the programme's
 * purchase summaries) kept up with the index a short slice at a time, so that a gateway with a
 * long history catches up without one request stalling on it. Each slice is the store's own
 * transaction with its cursor: a kill loses at most the slice in flight, done again at the next start.
 */
import { createTicker } from "./ticker";

export function createCatchUpWorker(options: {
  /** What it keeps, for its log lines ("EPCIS projection"). */
  name: string;
  /** Items per slice: a slice holds the event loop some milliseconds. */
  slice: number;
  /** Takes up to `limit` items; answers how many it took. */
  catchUp(limit: number): number;
  log: (message: string) => void;
}) {
  return createTicker({
    run: async () => options.catchUp(options.slice),
    onError: (error) => options.log(`${options.name} failed: ${error instanceof Error ? error.message : String(error)}`),
    first: "next-turn",
    // A full slice: more is waiting, go on at once (on the next turn, so requests are served between).
    pause: (taken, intervalMs) => (taken >= options.slice ? 0 : intervalMs),
  });
}
