/**
 * Keeps the programme's purchase summaries (store/sales-summary.ts) up with the index in the
 * background (see catch-up-worker.ts), so that a read finds little or nothing left to sum.
 */
import { createCatchUpWorker } from "./catch-up-worker";

/** Indexed events per slice: a slice holds the event loop some milliseconds (bench:programme). */
export const SUMMARY_SLICE = 1000;

export function createSalesSummaries(options: { catchUp(limit: number): number; log: (message: string) => void }) {
  return createCatchUpWorker({ name: "sales summaries", slice: SUMMARY_SLICE, ...options });
}
