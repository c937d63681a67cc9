/**
 * The index is a cache of the chain: this empties the idx_ tables and indexes the ledger again
 * from its deploy block. Stop the gateway's running indexer first, so the two do not interleave.
 */
import type { Provider } from "ethers";
import type { Db } from "../../store/database";
import { IndexCursor } from "../../store/index-cursor";
import { createIndexer, type IndexerOptions, type TickResult } from "./indexer";

/** Ticks allowed for the rebuild to catch up with a chain that keeps changing under it. */
const MAX_TICKS = 10;

export async function rebuildIndex(
  db: Db,
  provider: Provider,
  address: string,
  deployBlock: number,
  options: Pick<IndexerOptions, "confirmations" | "chunkSize" | "log" | "historyFrom"> = { confirmations: 0 },
): Promise<TickResult> {
  new IndexCursor(db).clear();
  const indexer = createIndexer({ db, provider, address, deployBlock, ...options });
  for (let ticks = 1; ; ticks++) {
    const result = await indexer.tick();
    const gap = indexer.status().historyGap;
    if (gap) {
      throw new Error(
        `the chain keeps the logs of blocks ${gap.keptFrom} on only (the embedded chain keeps its last blocks'), so the ledger's ` +
          `events of blocks ${gap.from}..${gap.keptFrom - 1} cannot be indexed from it: restore the last backup instead (npm run cli -- restore FILE)`,
      );
    }
    if (indexer.status().caughtUp) return result;
    if (ticks === MAX_TICKS) throw new Error(`the index rebuild did not catch up with the chain in ${MAX_TICKS} ticks`);
  }
}
