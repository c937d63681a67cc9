/**
 * Keeps the EPCIS projection up with the index in the background, a short slice at a time, so
 * that a gateway with a long history (or one that just gained EPCIS) catches up without one
 * request stalling on it. Each slice is one transaction: a kill loses at most the slice in
 * flight, which the next start projects again.
 */
import { createTicker } from "./ticker";

/** Logs per slice: a slice holds the event loop some tens of milliseconds (bench:epcis). */
export const PROJECTION_SLICE = 100;

export function createEpcisProjection(options: { catchUp(limit: number): number; log: (message: string) => void }) {
  return createTicker({
    run: async () => options.catchUp(PROJECTION_SLICE),
    onError: (error) => options.log(`EPCIS projection failed: ${error instanceof Error ? error.message : String(error)}`),
    first: "next-turn",
    // A full slice: more is waiting, go on at once (on the next turn, so requests are served between).
    pause: (projected, intervalMs) => (projected >= PROJECTION_SLICE ? 0 : intervalMs),
  });
}
