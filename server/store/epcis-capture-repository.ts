/**
 * EPCIS capture jobs and the eventIDs they recorded: a job is written in the same transaction
 * as its events (or alone, with the problems that refused its document), and each captured
 * eventID names the ledger event it became, so that a document sent again records nothing twice.
 */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

export interface CaptureJobRow {
  id: string;
  orgId: string;
  createdAt: string;
  /** The document's eventIDs (given, or computed by the CBV 2.0 hash), in order. */
  eventIds: string[];
  /** The problems that refused the document; empty when it was taken. */
  errors: Array<Record<string, unknown>>;
}

export class EpcisCaptureRepository {
  private readonly sql: Sql;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  insertJob(job: CaptureJobRow): void {
    this.sql(`INSERT INTO epcis_captures (id, org_id, created_at, event_ids, errors) VALUES (@id, @orgId, @createdAt, @eventIds, @errors)`).run({
      ...job,
      eventIds: JSON.stringify(job.eventIds),
      errors: JSON.stringify(job.errors),
    });
  }

  job(id: string): CaptureJobRow | undefined {
    const row = this.sql(`SELECT id, org_id AS orgId, created_at AS createdAt, event_ids AS eventIds, errors FROM epcis_captures WHERE id = ?`).get(id) as
      | (Omit<CaptureJobRow, "errors" | "eventIds"> & { errors: string; eventIds: string })
      | undefined;
    return row && { ...row, eventIds: JSON.parse(row.eventIds) as string[], errors: JSON.parse(row.errors) as CaptureJobRow["errors"] };
  }

  /** The capture and ledger event an EPCIS eventID was recorded as, if it was. */
  captured(eventId: string): { captureId: string; outboxId: string } | undefined {
    return this.sql(`SELECT capture_id AS captureId, outbox_id AS outboxId FROM epcis_captured_events WHERE event_id = ?`).get(eventId) as
      | { captureId: string; outboxId: string }
      | undefined;
  }

  addCaptured(eventId: string, captureId: string, outboxId: string): void {
    this.sql(`INSERT INTO epcis_captured_events (event_id, capture_id, outbox_id) VALUES (?, ?, ?)`).run(eventId, captureId, outboxId);
  }

  /** The eventIDs a capture recorded, with their ledger events. */
  eventsOf(captureId: string): Array<{ eventId: string; outboxId: string }> {
    return this.sql(`SELECT event_id AS eventId, outbox_id AS outboxId FROM epcis_captured_events WHERE capture_id = ? ORDER BY rowid`).all(captureId) as Array<{
      eventId: string;
      outboxId: string;
    }>;
  }
}
