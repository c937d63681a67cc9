/**
 * The public details in chain order: every event's and every attestation's detail that the
 * chain holds a hash of, each at its log's position (block, log index), which is the same on
 * every gateway that indexes the chain. What the bulk feed pages through and a replica or a
 * rebuild copies. Details of writes not yet on chain are not in it: order is the chain's.
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

/** A place in the chain's order of ledger logs. */
export interface ChainPosition {
  block: number;
  logIndex: number;
}

export interface FeedItem extends ChainPosition {
  kind: "event" | "attestation";
  /** The batch of an event; the certification id of an attestation. */
  subject: string;
  dataHash: string;
  /** The canonical JSON, byte for byte as hashed; null where this gateway holds none. */
  detail: string | null;
}

/** The data hashes the chain holds, in chain order, with the detail where this gateway has it. */
const ON_CHAIN = `
  SELECT block_number AS block, log_index AS logIndex, 'event' AS kind, batch_id AS subject, data_hash AS dataHash FROM idx_events
  UNION ALL
  SELECT block_number, log_index, 'attestation', id, data_hash FROM idx_certifications`;

export class DetailFeedReads {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** Up to `limit` items after `after` (exclusive; from the start when absent), in chain order. */
  page(after: ChainPosition | undefined, limit: number, withMissing = false): FeedItem[] {
    const { block, logIndex } = after ?? { block: -1, logIndex: -1 };
    return this.sql(
      `SELECT c.block, c.logIndex, c.kind, c.subject, c.dataHash, d.detail
       FROM (${ON_CHAIN}) c LEFT JOIN event_details d ON d.data_hash = c.dataHash
       WHERE (c.block > @block OR (c.block = @block AND c.logIndex > @logIndex))
         ${withMissing ? "" : "AND d.detail IS NOT NULL"}
       ORDER BY c.block, c.logIndex LIMIT @limit`,
    ).all({ block, logIndex, limit }) as FeedItem[];
  }

  /** The first items on chain whose detail this gateway lacks, in chain order. */
  missing(limit: number, after?: ChainPosition): FeedItem[] {
    const { block, logIndex } = after ?? { block: -1, logIndex: -1 };
    return this.sql(
      `SELECT c.block, c.logIndex, c.kind, c.subject, c.dataHash, NULL AS detail
       FROM (${ON_CHAIN}) c
       WHERE NOT EXISTS (SELECT 1 FROM event_details d WHERE d.data_hash = c.dataHash)
         AND (c.block > @block OR (c.block = @block AND c.logIndex > @logIndex))
       ORDER BY c.block, c.logIndex LIMIT @limit`,
    ).all({ block, logIndex, limit }) as FeedItem[];
  }

  /** How many hashes after `after` (exclusive) lack a detail here. */
  missingCount(after?: ChainPosition): number {
    const { block, logIndex } = after ?? { block: -1, logIndex: -1 };
    return (
      this.sql(
        `SELECT count(*) AS n FROM (${ON_CHAIN}) c
         WHERE NOT EXISTS (SELECT 1 FROM event_details d WHERE d.data_hash = c.dataHash)
           AND (c.block > @block OR (c.block = @block AND c.logIndex > @logIndex))`,
      ).get({ block, logIndex }) as { n: number }
    ).n;
  }

  /** The last position the chain holds a hash at, if any. */
  lastPosition(): ChainPosition | undefined {
    return this.sql(
      `SELECT block, logIndex FROM (
         SELECT * FROM (SELECT block_number AS block, log_index AS logIndex FROM idx_events ORDER BY block_number DESC, log_index DESC LIMIT 1)
         UNION ALL
         SELECT * FROM (SELECT block_number, log_index FROM idx_certifications ORDER BY block_number DESC, log_index DESC LIMIT 1))
       ORDER BY block DESC, logIndex DESC LIMIT 1`,
    ).get() as ChainPosition | undefined;
  }

  /** How many hashes the chain holds, and how many of them lack a detail here. */
  counts(): { onChain: number; missing: number } {
    return this.sql(
      `SELECT count(*) AS onChain, coalesce(sum(NOT EXISTS (SELECT 1 FROM event_details d WHERE d.data_hash = c.dataHash)), 0) AS missing
       FROM (${ON_CHAIN}) c`,
    ).get() as { onChain: number; missing: number };
  }

  /**
   * The photos that harvests on chain name (in their kept details) and this gateway lacks, each
   * with the organisation that recorded it (the detail's own `org.id`).
   */
  photosWanted(limit: number): Array<{ hash: string; orgId: string }> {
    return this.sql(
      `SELECT DISTINCT lower(p.value) AS hash, d.detail ->> '$.org.id' AS orgId
       FROM idx_events e JOIN event_details d ON d.data_hash = e.data_hash, json_each(d.detail, '$.photoHashes') p
       WHERE e.kind = 0 AND NOT EXISTS (SELECT 1 FROM photos WHERE hash = lower(p.value)) LIMIT ?`,
    ).all(limit) as Array<{ hash: string; orgId: string }>;
  }

  /** Whether the chain holds this data hash (an event's or an attestation's). */
  isOnChain(dataHash: string): boolean {
    const hash = dataHash.toLowerCase();
    return Boolean(
      this.sql(`SELECT 1 FROM idx_events WHERE data_hash = ? UNION ALL SELECT 1 FROM idx_certifications WHERE data_hash = ? LIMIT 1`).get(hash, hash),
    );
  }

  /** The signer of an on-chain event or attestation with this data hash (its first, in chain order). */
  signerOf(dataHash: string): string | undefined {
    const hash = dataHash.toLowerCase();
    const row = this.sql(
      `SELECT signer FROM (
         SELECT signer, block_number AS b, log_index AS l FROM idx_events WHERE data_hash = ?
         UNION ALL SELECT certifier, block_number, log_index FROM idx_certifications WHERE data_hash = ?)
       ORDER BY b, l LIMIT 1`,
    ).get(hash, hash) as { signer: string } | undefined;
    return row?.signer;
  }
}

/** "12.3" ⇄ {block: 12, logIndex: 3}: the cursor of the feed. */
export function formatCursor(position: ChainPosition): string {
  return `${position.block}.${position.logIndex}`;
}

export function parseCursor(cursor: string): ChainPosition | undefined {
  const match = /^(\d{1,15})\.(\d{1,9})$/.exec(cursor);
  return match ? { block: Number(match[1]), logIndex: Number(match[2]) } : undefined;
}
