/**
 * What an operator watches of the send queue (the outbox): how many events wait in each state,
 * how long the oldest unsettled one has waited, and how long each event took from its
 * acceptance to its confirmation. Every query walks the (status, seq) index or the primary key,
 * so a scrape costs the same with a million events behind it.
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

export interface QueueBacklog {
  pending: number;
  submitted: number;
  failed: number;
  /** When the oldest pending or submitted event was accepted (ms since the epoch); undefined when none waits. */
  oldestUnsettledAt?: number;
}

/** Most confirmations one call hands out; the rest come with the next call. */
const SETTLED_PAGE = 10_000;

export class SendQueueFigures {
  private readonly sql: Sql;
  /** Events below this seq were all settled and handed out by `newlyConfirmed` (or settled before it began). */
  private settledBelow: number;

  constructor(db: Db) {
    this.sql = statementCache(db);
    this.settledBelow = this.lowestUnsettled();
  }

  backlog(): QueueBacklog {
    const count = (status: string) => (this.sql(`SELECT count(*) AS n FROM outbox WHERE status = ?`).get(status) as { n: number }).n;
    const oldest = (status: string) =>
      this.sql(`SELECT created_at AS at FROM outbox WHERE status = ? ORDER BY seq LIMIT 1`).get(status) as { at: string } | undefined;
    const times = [oldest("pending"), oldest("submitted")].filter((row) => row !== undefined).map((row) => Date.parse(row.at));
    return {
      pending: count("pending"),
      submitted: count("submitted"),
      failed: count("failed"),
      ...(times.length > 0 && { oldestUnsettledAt: Math.min(...times) }),
    };
  }

  /**
   * The seconds from acceptance to confirmation of each event confirmed since the last call
   * (the first call: since this object was made). An event is handed out once every event
   * accepted before it has settled, so each is counted once, in the order they were accepted.
   */
  newlyConfirmed(): number[] {
    const below = this.lowestUnsettled();
    const rows = this.sql(
      `SELECT seq, created_at AS createdAt, updated_at AS updatedAt, status FROM outbox WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?`,
    ).all(this.settledBelow, below, SETTLED_PAGE) as { seq: number; createdAt: string; updatedAt: string; status: string }[];
    this.settledBelow = rows.length === SETTLED_PAGE ? rows[rows.length - 1].seq + 1 : below;
    return rows.filter((row) => row.status === "confirmed").map((row) => Math.max(0, (Date.parse(row.updatedAt) - Date.parse(row.createdAt)) / 1000));
  }

  /** The seq of the oldest pending or submitted event; past the last seq when none waits. */
  private lowestUnsettled(): number {
    const first = (status: string) => (this.sql(`SELECT seq FROM outbox WHERE status = ? ORDER BY seq LIMIT 1`).get(status) as { seq: number } | undefined)?.seq;
    const waiting = [first("pending"), first("submitted")].filter((seq) => seq !== undefined);
    if (waiting.length > 0) return Math.min(...waiting);
    return ((this.sql(`SELECT max(seq) AS seq FROM outbox`).get() as { seq: number | null }).seq ?? 0) + 1;
  }
}
