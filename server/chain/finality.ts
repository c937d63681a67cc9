/**
 * Which blocks are final: what no crash of any process can take back. "Confirmed" (the send
 * queue, the API, the console) and the index (the public pages) stop at the final block.
 *
 * - A remote chain's block is final once `confirmations` blocks are on top of it.
 * - The embedded chain's block is final once anvil's state file on disk holds it: anvil keeps its
 *   chain in memory, and a kill -9 loses every block after the last snapshot.
 */
import type { SavedState } from "./anvil";

export interface ChainFinality {
  /** The highest final block, given the chain's head (below the first block when none is). */
  finalBlock(head: number): number;
}

/** Final once `confirmations` blocks are on top of it: a remote chain's rule. */
export function confirmationsFinality(confirmations: number): ChainFinality {
  return { finalBlock: (head) => head - confirmations };
}

/** Final once the embedded chain's state file holds it (and the confirmations are on top, if any). */
export function savedStateFinality(state: Pick<SavedState, "savedBlock">, confirmations: number): ChainFinality {
  return { finalBlock: (head) => Math.min(head - confirmations, state.savedBlock()) };
}

/**
 * The first block whose logs the embedded chain still keeps, given its head: it keeps those of its
 * last `keepBlocks` blocks (with transactions: counting every block is the cautious side).
 */
export const keptLogsFrom =
  (keepBlocks: number) =>
  (head: number): number =>
    head - keepBlocks + 1;
