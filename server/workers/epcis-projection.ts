/**
 * Keeps the EPCIS projection up with the index in the background (see catch-up-worker.ts), so
 * that a gateway with a long history (or one that just gained EPCIS) catches up without one
 * request stalling on it.
 */
import { createCatchUpWorker } from "./catch-up-worker";

/** Logs per slice: a slice holds the event loop some tens of milliseconds (bench:epcis). */
export const PROJECTION_SLICE = 100;

export function createEpcisProjection(options: { catchUp(limit: number): number; log: (message: string) => void }) {
  return createCatchUpWorker({ name: "EPCIS projection", slice: PROJECTION_SLICE, ...options });
}
