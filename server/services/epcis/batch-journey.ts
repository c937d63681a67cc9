/** The batches a batch's journey runs through: itself, then every batch it was made from, nearest first. */
import type { IndexRepository } from "../../store/index-repository";

/** Batches followed back at most: a journey longer than this is cut, as the provenance page cuts it. */
const MAX_BATCHES = 64;

/** undefined when the chain has no such batch. */
export function batchesOfJourney(index: Pick<IndexRepository, "getBatch">, batchId: string): string[] | undefined {
  const first = index.getBatch(batchId);
  if (!first) return undefined;
  const seen = new Set<string>([batchId]);
  const queue = first.inputs.map((l) => l.inputBatchId);
  while (queue.length && seen.size < MAX_BATCHES) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(index.getBatch(id)?.inputs.map((l) => l.inputBatchId) ?? []));
  }
  return [...seen];
}
