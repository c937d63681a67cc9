/**
 * What the front door's lookup asks the store: whether the chain's index holds a batch, which
 * indexed batches carry a lot (a batch label prints its lot as the 查验码), and which batch
 * issued a unit serial (a unit label prints its serial). Each look-up reads an index
 * (serials_by_serial, idx_batches_by_lot), and all are behind the front door's rate limit.
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

export interface FoundBatch {
  batchId: string;
  /** 14 digits, as the index keeps it. */
  gtin: string;
  lot: string;
}

/** At most this many batches are listed for one lot (several products may share it). */
export const MAX_LOT_MATCHES = 20;

export class FrontDoorReads {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** The batch when the chain's index holds it. */
  batch(batchId: string): FoundBatch | undefined {
    return this.sql(`SELECT batch_id AS batchId, gtin, lot FROM idx_batches WHERE batch_id = ?`).get(batchId.toLowerCase()) as FoundBatch | undefined;
  }

  /** Indexed batches whose lot is `lot` (exactly), newest first, at most MAX_LOT_MATCHES + 1. */
  batchesWithLot(lot: string): FoundBatch[] {
    return this.sql(
      `SELECT batch_id AS batchId, gtin, lot FROM idx_batches WHERE lot = ? ORDER BY created_block DESC, batch_id LIMIT ${MAX_LOT_MATCHES + 1}`,
    ).all(lot) as FoundBatch[];
  }

  /** The indexed batches that issued `serial` (one, unless two batches drew the same random serial). */
  batchesOfSerial(serial: string): FoundBatch[] {
    return this.sql(
      `SELECT b.batch_id AS batchId, b.gtin, b.lot FROM serials s JOIN idx_batches b ON b.batch_id = s.batch_id
       WHERE s.serial = ? ORDER BY b.created_block DESC LIMIT ${MAX_LOT_MATCHES}`,
    ).all(serial) as FoundBatch[];
  }
}
