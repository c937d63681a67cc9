/**
 * When the data behind a batch's page last changed: a version per key, where a key is a batch
 * id, a certification subject (a batch id or a product line's key) or `block:N` (a block's
 * time). A page kept at stamp S is current while none of the keys it read moved past S, and
 * nothing that every page reads changed since.
 *
 * SQLite itself says what moved: temporary triggers on the tables a page reads call back into
 * this process with the keys of each row written, whoever writes it (indexer, relayer, event
 * and certification services, detail intake, rewinds), so no writer can forget to say so. A
 * rolled-back write has moved its keys anyway: a page is then rendered once more than needed,
 * never kept stale. What a page reads, and so what triggers here:
 * - its batch and every batch it was made from: idx_batches, idx_events, idx_lineage (both ends:
 *   a batch's page lists what was made from it), the send queue (events not yet confirmed, and
 *   which accepted detail an event shows), promise_certificates;
 * - the ledger's rules over a batch also read the processing events of batches made from it
 *   (their draws) and the corrections of those: such an event moves its inputs' keys too;
 * - 圳品 certifications and revocations, by subject: idx_certifications;
 * - details arriving, by data hash: event_details moves the keys of the events, certifications
 *   and queued events that name the hash;
 * - block times (a revocation is dated by its block): idx_blocks, as `block:N`;
 * - what every page reads: organisations' names, roles, keys and public contacts, the programme's counties, the
 *   ledger the index follows: those move every key.
 * Triggers see only this connection's writes; another connection's commits (another process, a
 * worker thread with its own connection) show in PRAGMA data_version and move every key.
 */
import type { Db } from "./database";

/** What a trigger passes for a change to what every page reads: every key moves. */
const EVERYTHING = "*";

/** Keys remembered at most; past that they are forgotten and counted as changed at that moment. */
const MAX_KEYS = 200_000;
const CHANGED = "batch_page_data_changed";

const PROCESSING = 1;
const CORRECTION = 6;

/** The keys of a row of each table, for NEW or OLD. */
const KEYS: Record<string, (row: "NEW" | "OLD") => string> = {
  idx_batches: (r) => `SELECT ${CHANGED}(${r}.batch_id)`,
  idx_events: (r) => `SELECT ${CHANGED}(${r}.batch_id)`,
  idx_lineage: (r) => `SELECT ${CHANGED}(${r}.batch_id, ${r}.input_batch_id)`,
  idx_certifications: (r) => `SELECT ${CHANGED}(${r}.subject)`,
  outbox: (r) => `SELECT ${CHANGED}(${r}.batch_id)`,
  promise_certificates: (r) => `SELECT ${CHANGED}(${r}.batch_id)`,
  idx_blocks: (r) => `SELECT ${CHANGED}('block:' || ${r}.number)`,
  event_details: (r) => `SELECT ${CHANGED}(batch_id) FROM idx_events WHERE data_hash = ${r}.data_hash;
    SELECT ${CHANGED}(l.input_batch_id) FROM idx_events e JOIN idx_lineage l ON l.batch_id = e.batch_id
      WHERE e.data_hash = ${r}.data_hash AND e.kind IN (${PROCESSING}, ${CORRECTION});
    SELECT ${CHANGED}(subject) FROM idx_certifications WHERE data_hash = ${r}.data_hash;
    SELECT ${CHANGED}(batch_id) FROM outbox WHERE data_hash = ${r}.data_hash`,
  orgs: () => `SELECT ${CHANGED}('${EVERYTHING}')`,
  programme_counties: () => `SELECT ${CHANGED}('${EVERYTHING}')`,
  idx_cursor: () => `SELECT ${CHANGED}('${EVERYTHING}')`,
};

/**
 * Updates that leave what pages read alone fire nothing: the relayer's bookkeeping on the send
 * queue, the index cursor's every block, an organisation's keystore or credit code, a block's pruning flag.
 */
const UPDATE_WHEN: Record<string, string> = {
  outbox: `OLD.status IS NOT NEW.status OR OLD.batch_id IS NOT NEW.batch_id OR OLD.data_hash IS NOT NEW.data_hash OR OLD.kind IS NOT NEW.kind OR OLD.id IS NOT NEW.id`,
  idx_cursor: `OLD.address IS NOT NEW.address OR OLD.deploy_block IS NOT NEW.deploy_block`,
  // A producer's and the programme office's public contact show on pages too.
  orgs: `OLD.name IS NOT NEW.name OR OLD.role IS NOT NEW.role OR OLD.address IS NOT NEW.address OR OLD.custodial IS NOT NEW.custodial OR OLD.learned IS NOT NEW.learned OR OLD.contact IS NOT NEW.contact OR OLD.contact_person IS NOT NEW.contact_person`,
  idx_blocks: `OLD.timestamp IS NOT NEW.timestamp`,
};

/**
 * Keys only some rows have, in triggers of their own so that the other rows (most events) run
 * none of their statements: the batches a processing or correction event's batch was made from
 * (their pages show its draws), and a processing event's inputs as it names them.
 */
const EXTRA_KEYS: Record<string, { when: (row: "NEW" | "OLD") => string; keys: (row: "NEW" | "OLD") => string }> = {
  idx_events: {
    when: (r) => `${r}.kind IN (${PROCESSING}, ${CORRECTION})`,
    keys: (r) => `SELECT ${CHANGED}(value) FROM json_each(${r}.inputs) WHERE ${r}.kind = ${PROCESSING};
      SELECT ${CHANGED}(input_batch_id) FROM idx_lineage WHERE batch_id = ${r}.batch_id`,
  },
};

/** Deletes that need not fire: log-less blocks pruned behind the cursor (no revocation is dated by one). */
const DELETE_WHEN: Record<string, string> = {
  idx_blocks: `OLD.has_logs = 1`,
};

function triggers(): string {
  return Object.entries(KEYS)
    .flatMap(([table, keys]) => {
      const trigger = (op: "INSERT" | "UPDATE" | "DELETE", when: string | undefined, body: string, suffix = "") =>
        `CREATE TEMP TRIGGER IF NOT EXISTS page_${table}_${op.toLowerCase()}${suffix && `_${suffix}`} AFTER ${op} ON main.${table}${when ? ` WHEN ${when}` : ""}
         BEGIN ${body}; END;`;
      const both = (a: string | undefined, b: string | undefined) => (a && b ? `(${a}) AND (${b})` : (a ?? b));
      const extra = EXTRA_KEYS[table];
      return [
        trigger("INSERT", undefined, keys("NEW")),
        trigger("UPDATE", UPDATE_WHEN[table], `${keys("OLD")}; ${keys("NEW")}`),
        trigger("DELETE", DELETE_WHEN[table], keys("OLD")),
        ...(extra
          ? [
              trigger("INSERT", extra.when("NEW"), extra.keys("NEW"), "extra"),
              trigger("UPDATE", both(UPDATE_WHEN[table], `${extra.when("OLD")} OR ${extra.when("NEW")}`), `${extra.keys("OLD")}; ${extra.keys("NEW")}`, "extra"),
              trigger("DELETE", both(DELETE_WHEN[table], extra.when("OLD")), extra.keys("OLD"), "extra"),
            ]
          : []),
      ];
    })
    .join("\n");
}

const perConnection = new WeakMap<Db, BatchVersions>();

export class BatchVersions {
  /** Moves by one with every key moved: a stamp taken now is below every later change. */
  private clock = 0;
  /** Every key has changed at least this late (a forgotten key, another connection's write). */
  private floor = 0;
  private readonly changedAt = new Map<string, number>();
  private readonly otherWrites: () => number;
  private seenOtherWrites: number;

  /** The one instance of a connection: its triggers call back into it. */
  static of(db: Db): BatchVersions {
    let versions = perConnection.get(db);
    if (!versions) perConnection.set(db, (versions = new BatchVersions(db)));
    return versions;
  }

  private constructor(private readonly db: Db) {
    db.function(CHANGED, { varargs: true, deterministic: false }, (...keys: unknown[]) => {
      for (const key of keys) if (typeof key === "string") this.moved(key.toLowerCase());
      return null;
    });
    db.exec(triggers());
    const dataVersion = db.prepare(`PRAGMA data_version`).pluck();
    this.otherWrites = () => dataVersion.get() as number;
    this.seenOtherWrites = this.otherWrites();
  }

  /**
   * The stamp to keep with what is read now; undefined while a transaction is open on the
   * connection, whose writes may yet be rolled back (nothing read then may be kept).
   */
  stamp(): number | undefined {
    this.catchUp();
    return this.db.inTransaction ? undefined : this.clock;
  }

  /** Whether any of `keys` (or everything) moved since `stamp`. */
  changedSince(keys: readonly string[], stamp: number): boolean {
    this.catchUp();
    if (this.floor > stamp) return true;
    return keys.some((key) => (this.changedAt.get(key) ?? this.floor) > stamp);
  }

  private moved(key: string): void {
    this.clock++;
    if (key === EVERYTHING) {
      this.floor = this.clock;
      this.changedAt.clear();
      return;
    }
    if (this.changedAt.size >= MAX_KEYS) {
      this.floor = this.clock;
      this.changedAt.clear();
    }
    this.changedAt.set(key, this.clock);
  }

  /** Another connection committed: nothing here says what, so everything moved. */
  private catchUp(): void {
    const version = this.otherWrites();
    if (version !== this.seenOtherWrites) {
      this.seenOtherWrites = version;
      this.moved(EVERYTHING);
    }
  }
}
