/**
 * The relayer's transactions: chain_txs holds one row per nonce the relayer used, with the
 * payload, every hash broadcast for it (fee bumps re-sign the same call) and whether it was
 * mined or dropped. The next nonce follows from it: one past the highest nonce not dropped.
 * The events each transaction carries are settled in the outbox (outbox-repository.ts).
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

export type ChainTxStatus = "sent" | "mined" | "dropped";

export interface ChainTx {
  nonce: number;
  hash: string;
  hashes: string[];
  eventIds: string[];
  data: string;
  gasLimit: bigint;
  maxFee: bigint;
  priorityFee: bigint;
  sentAt: number;
  status: ChainTxStatus;
  blockNumber: number | null;
}

interface ChainTxRow {
  nonce: number;
  hash: string;
  hashes: string;
  event_ids: string;
  data: string;
  gas_limit: string;
  max_fee: string;
  priority_fee: string;
  sent_at: number;
  status: ChainTxStatus;
  block_number: number | null;
}

const toChainTx = (row: ChainTxRow): ChainTx => ({
  nonce: row.nonce,
  hash: row.hash,
  hashes: JSON.parse(row.hashes) as string[],
  eventIds: JSON.parse(row.event_ids) as string[],
  data: row.data,
  gasLimit: BigInt(row.gas_limit),
  maxFee: BigInt(row.max_fee),
  priorityFee: BigInt(row.priority_fee),
  sentAt: row.sent_at,
  status: row.status,
  blockNumber: row.block_number,
});

export interface NewChainTx {
  nonce: number;
  hash: string;
  eventIds: string[];
  data: string;
  gasLimit: bigint;
  maxFee: bigint;
  priorityFee: bigint;
  sentAt: number;
}

export class ChainTxRepository {
  private readonly sql: Sql;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  /** Records a transaction about to be broadcast. A dropped one at the same nonce is replaced. */
  record(tx: NewChainTx): void {
    const existing = this.byNonce(tx.nonce);
    if (existing && existing.status !== "dropped") throw new Error(`nonce ${tx.nonce} is already in use by ${existing.hash}`);
    this.sql(
      `INSERT OR REPLACE INTO chain_txs
         (nonce, hash, hashes, event_ids, data, gas_limit, max_fee, priority_fee, sent_at, status, block_number)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent', NULL)`,
    ).run(
        tx.nonce,
        tx.hash,
        JSON.stringify([tx.hash]),
        JSON.stringify(tx.eventIds),
        tx.data,
        tx.gasLimit.toString(),
        tx.maxFee.toString(),
        tx.priorityFee.toString(),
        tx.sentAt,
      );
  }

  /** A fee bump: same nonce and call, new hash and fees; the old hashes stay known. */
  replace(nonce: number, hash: string, fees: { maxFee: bigint; priorityFee: bigint }, sentAt: number): void {
    const tx = this.byNonce(nonce);
    if (!tx || tx.status !== "sent") throw new Error(`no sent transaction with nonce ${nonce}`);
    this.sql(`UPDATE chain_txs SET hash = ?, hashes = ?, max_fee = ?, priority_fee = ?, sent_at = ? WHERE nonce = ?`)
      .run(hash, JSON.stringify([...tx.hashes, hash]), fees.maxFee.toString(), fees.priorityFee.toString(), sentAt, nonce);
  }

  markMined(nonce: number, hash: string, blockNumber: number): void {
    this.sql(`UPDATE chain_txs SET status = 'mined', hash = ?, block_number = ? WHERE nonce = ?`)
      .run(hash, blockNumber, nonce);
  }

  markDropped(nonce: number): void {
    this.sql(`UPDATE chain_txs SET status = 'dropped', block_number = NULL WHERE nonce = ?`).run(nonce);
  }

  byNonce(nonce: number): ChainTx | undefined {
    const row = this.sql(`SELECT * FROM chain_txs WHERE nonce = ?`).get(nonce) as ChainTxRow | undefined;
    return row && toChainTx(row);
  }

  withStatus(status: ChainTxStatus): ChainTx[] {
    return (this.sql(`SELECT * FROM chain_txs WHERE status = ? ORDER BY nonce`).all(status) as ChainTxRow[]).map(
      toChainTx,
    );
  }

  /** Mined transactions at nonces ≥ `nonce`: if the chain's nonce is below them, it lost them. */
  minedFrom(nonce: number): ChainTx[] {
    return (
      this.sql(`SELECT * FROM chain_txs WHERE status = 'mined' AND nonce >= ? ORDER BY nonce`).all(nonce) as ChainTxRow[]
    ).map(toChainTx);
  }

  all(): ChainTx[] {
    return (this.sql(`SELECT * FROM chain_txs ORDER BY nonce`).all() as ChainTxRow[]).map(toChainTx);
  }

  /** One past the highest nonce in use (sent or mined); undefined before the first transaction. */
  nextNonce(): number | undefined {
    const row = this.sql(`SELECT max(nonce) AS n FROM chain_txs WHERE status != 'dropped'`).get() as { n: number | null };
    return row.n === null ? undefined : row.n + 1;
  }
}
