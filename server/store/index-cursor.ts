/**
 * The index's bookkeeping (tables idx_cursor and idx_blocks): which ledger the index follows,
 * the last block fully indexed, and the hashes and times of the blocks it keeps, which the
 * indexer compares with the chain to detect a reorg. The indexed facts are IndexRepository's.
 */
import { getAddress } from "ethers";
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

/** The last block fully indexed, and the ledger the index belongs to. */
export interface CursorPosition {
  blockNumber: number;
  address: string;
  deployBlock: number;
}

export interface IndexedBlock {
  number: number;
  hash: string;
  timestamp: number;
  /** Whether ledger logs were indexed from it (else it is a recent cursor block). */
  hasLogs: boolean;
}

const IDX_TABLES = [
  "idx_events",
  "idx_lineage",
  "idx_certifications",
  "idx_batches",
  "idx_blocks",
  "idx_cursor",
  "idx_epcis_events",
  "idx_epcis_classes",
  "idx_epcis_cursor",
  "idx_epcis_waiting",
] as const;

export class IndexCursor {
  /** Statements are prepared once per cursor: the indexer runs the same few every chunk. */
  private readonly sql: Sql;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  getCursor(): CursorPosition | undefined {
    const row = this.sql(`SELECT block_number, address, deploy_block FROM idx_cursor WHERE id = 1`).get() as
      | { block_number: number; address: string; deploy_block: number }
      | undefined;
    return row && { blockNumber: row.block_number, address: row.address, deployBlock: row.deploy_block };
  }

  /**
   * Makes the index belong to the ledger at `address` deployed in `deployBlock`: an index of
   * another deployment (a reset chain, a new address) is cleared. Returns the cursor.
   */
  useLedger(address: string, deployBlock: number): { cursor: CursorPosition; cleared: boolean } {
    return this.db.transaction(() => {
      const current = this.getCursor();
      const checksummed = getAddress(address);
      if (current && current.address === checksummed && current.deployBlock === deployBlock) {
        return { cursor: current, cleared: false };
      }
      this.clear();
      this.sql(`INSERT INTO idx_cursor (id, block_number, address, deploy_block) VALUES (1, ?, ?, ?)`).run(
        deployBlock - 1,
        checksummed,
        deployBlock,
      );
      return { cursor: this.getCursor()!, cleared: current !== undefined };
    })();
  }

  setCursor(blockNumber: number): void {
    this.sql(`UPDATE idx_cursor SET block_number = ? WHERE id = 1`).run(blockNumber);
  }

  // Here, not in IndexRepository: useLedger clears within its transaction; emptying needs only table names.
  /** Empties every idx_ table, the cursor included. */
  clear(): void {
    this.db.transaction(() => {
      for (const table of IDX_TABLES) this.db.prepare(`DELETE FROM ${table}`).run();
    })();
  }

  blockHash(number: number): string | undefined {
    const row = this.sql(`SELECT hash FROM idx_blocks WHERE number = ?`).get(number) as { hash: string } | undefined;
    return row?.hash;
  }

  /** The stored block hashes at or below `number`, lowest first. */
  blocksUpTo(number: number): Array<{ number: number; hash: string }> {
    return this.sql(`SELECT number, hash FROM idx_blocks WHERE number <= ? ORDER BY number`).all(number) as Array<{
      number: number;
      hash: string;
    }>;
  }

  /** Upserts a block; a block once seen with logs keeps has_logs. */
  saveBlock(block: IndexedBlock): void {
    this.sql(
      `INSERT INTO idx_blocks (number, hash, timestamp, has_logs) VALUES (?, ?, ?, ?)
       ON CONFLICT (number) DO UPDATE SET hash = excluded.hash, timestamp = excluded.timestamp,
         has_logs = max(has_logs, excluded.has_logs)`,
    ).run(block.number, block.hash, block.timestamp, block.hasLogs ? 1 : 0);
  }

  /** Forgets the hashes of log-less blocks below `number` (old cursor blocks). */
  pruneEmptyBlocks(below: number): void {
    this.sql(`DELETE FROM idx_blocks WHERE has_logs = 0 AND number < ?`).run(below);
  }

  /** Forgets every block above `number`: a reorg replaced them (IndexRepository.rewindTo). */
  forgetBlocksAbove(number: number): void {
    this.sql(`DELETE FROM idx_blocks WHERE number > ?`).run(number);
  }

  /** The time (unix seconds) of an indexed block that had ledger logs; undefined if not kept. */
  blockTime(blockNumber: number): number | undefined {
    const row = this.sql(`SELECT timestamp FROM idx_blocks WHERE number = ?`).get(blockNumber) as { timestamp: number } | undefined;
    return row?.timestamp;
  }
}
