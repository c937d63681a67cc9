/**
 * Keeps the programme's purchase summaries (store/sales-summary.ts) up with the index in the
 * background, a slice at a time, so that a read finds little or nothing left to sum and a
 * gateway with a long history catches up without one request stalling on it. Each slice is one
 * transaction with the summary's cursor: a kill loses at most the slice in flight.
 */
import { createTicker } from "./ticker";

/** Indexed events per slice: a slice holds the event loop some milliseconds (bench:programme). */
export const SUMMARY_SLICE = 1000;

export function createSalesSummaries(options: { catchUp(limit: number): number; log: (message: string) => void }) {
  return createTicker({
    run: async () => options.catchUp(SUMMARY_SLICE),
    onError: (error) => options.log(`sales summaries failed: ${error instanceof Error ? error.message : String(error)}`),
    first: "next-turn",
    // A full slice: more is waiting, go on at once (on the next turn, so requests are served between).
    pause: (read, intervalMs) => (read >= SUMMARY_SLICE ? 0 : intervalMs),
  });
}
