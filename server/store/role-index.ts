/**
 * Roles as the chain says (table idx_role_changes): every RoleGranted and RoleRevoked log of the
 * ledger, written by the indexer with each chunk of blocks it indexes, and read where writes
 * are accepted, so that an organisation the admin revoked on chain is refused at once.
 *
 * Like the idx_ tables it is a cache of the chain, kept right without IndexCursor knowing it:
 * rows belong to a ledger address, a chunk replaces every row of its block range, and reads stop
 * at the index's cursor. After a reorg the cursor goes back (rows above it are not read) and the
 * blocks indexed again replace them; a rebuild or another deployment starts the cursor afresh.
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

/** A RoleGranted or RoleRevoked log of the ledger. */
export interface RoleChange {
  blockNumber: number;
  logIndex: number;
  txHash: string;
  /** The role id: keccak256 of e.g. "PRODUCER_ROLE"; zero for the admin role. */
  role: string;
  account: string;
  granted: boolean;
  sender: string;
}

/** The last role change the index has seen for an account and role. */
export interface RoleStanding {
  granted: boolean;
  blockNumber: number;
  txHash: string;
}

export class RoleIndexRepository {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** Replaces what is kept for blocks `fromBlock`..`toBlock` of `ledger` with `logs`; in the caller's transaction. */
  replaceRange(ledger: string, fromBlock: number, toBlock: number, changes: readonly RoleChange[]): void {
    this.sql(`DELETE FROM idx_role_changes WHERE ledger = ? AND block_number BETWEEN ? AND ?`).run(ledger, fromBlock, toBlock);
    const insert = this.sql(
      `INSERT OR REPLACE INTO idx_role_changes (ledger, block_number, log_index, tx_hash, role, account, granted, sender)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const c of changes) {
      insert.run(ledger, c.blockNumber, c.logIndex, c.txHash, c.role.toLowerCase(), c.account.toLowerCase(), c.granted ? 1 : 0, c.sender);
    }
  }

  /** The latest change of `role` (its id) for `account` in the indexed blocks of the ledger the index follows; undefined when none. */
  standing(account: string, role: string): RoleStanding | undefined {
    const row = this.sql(
      `SELECT r.granted, r.block_number, r.tx_hash FROM idx_role_changes r
       JOIN idx_cursor c ON c.id = 1 AND r.ledger = c.address AND r.block_number <= c.block_number
       WHERE r.account = ? AND r.role = ?
       ORDER BY r.block_number DESC, r.log_index DESC LIMIT 1`,
    ).get(account.toLowerCase(), role.toLowerCase()) as { granted: number; block_number: number; tx_hash: string } | undefined;
    return row && { granted: row.granted === 1, blockNumber: row.block_number, txHash: row.tx_hash };
  }
}
