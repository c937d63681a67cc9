/**
 * The batches an audit of one batch reads. Its lineage — the batch, the batches its processing
 * events name as inputs, theirs, and so on — each read once and audited in full, so that the
 * journey of a pack includes its harvest. And beside it, the batches made from any of those
 * that are not in the lineage (a pack's sister packs): their events draw on the lineage's
 * quantities, so the ledger's rules read them, and their details are checked like every other.
 */
import { derivedFrom, readChainBatch, type ChainBatch, type ChainView } from "./batch-history";

export interface LineageBatch extends ChainBatch {
  /** 0 for the batch audited, 1 for its inputs, 2 for theirs… */
  depth: number;
  /** The lineage batches that name it as an input. */
  inputOf: string[];
}

export interface Lineage {
  /** The audited batch first, then its inputs level by level, each once. */
  lineage: LineageBatch[];
  /** Batches made from lineage batches, outside the lineage: read for the rules. */
  related: ChainBatch[];
}

export async function walkLineage(chain: ChainView, root: string): Promise<Lineage> {
  const byId = new Map<string, LineageBatch>();
  let level = [root.toLowerCase()];
  for (let depth = 0; level.length > 0; depth++) {
    const batches = await Promise.all(level.map((id) => readChainBatch(chain, id)));
    for (const batch of batches) byId.set(batch.batchId, { ...batch, depth, inputOf: [] });
    level = [...new Set(batches.flatMap((batch) => batch.inputs))].filter((id) => !byId.has(id));
  }
  const lineage = [...byId.values()];
  for (const batch of lineage) {
    for (const input of batch.inputs) byId.get(input)?.inputOf.push(batch.batchId);
  }
  const madeFrom = await Promise.all(lineage.map((batch) => derivedFrom(chain, batch.batchId)));
  const related = await Promise.all(
    [...new Set(madeFrom.flat())].filter((id) => !byId.has(id)).map((id) => readChainBatch(chain, id)),
  );
  return { lineage, related };
}
