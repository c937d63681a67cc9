/**
 * CSV imports and their rows (tables csv_imports, csv_import_rows). A row is either bad (no
 * request, its problems), waiting (a request, no event yet), recorded (its event id) or failed
 * when recorded (a request and the problem the write met).
 */
import type { ImportKind } from "../csv/columns";
import type { StoredProblem } from "../csv/problems";
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

export type ImportStatus = "validated" | "importing" | "done";

export interface ImportRecord {
  id: string;
  orgId: string;
  kind: ImportKind;
  fileName: string;
  fileHash: string;
  totalRows: number;
  badRows: number;
  status: ImportStatus;
  goodOnly: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NewImportRow {
  line: number;
  /** The validated write request, as JSON. */
  request?: string;
  problems?: StoredProblem[];
}

/** A row waiting to be recorded. */
export interface WaitingRow {
  line: number;
  request: string;
}

export type RowOutcome = { line: number; eventId: string } | { line: number; problems: StoredProblem[] };

export interface ImportCounts {
  recorded: number;
  failed: number;
}

interface ImportDbRow {
  id: string;
  org_id: string;
  kind: ImportKind;
  file_name: string;
  file_hash: string;
  total_rows: number;
  bad_rows: number;
  status: ImportStatus;
  good_only: number;
  created_at: string;
  updated_at: string;
}

const toRecord = (row: ImportDbRow): ImportRecord => ({
  id: row.id,
  orgId: row.org_id,
  kind: row.kind,
  fileName: row.file_name,
  fileHash: row.file_hash,
  totalRows: row.total_rows,
  badRows: row.bad_rows,
  status: row.status,
  goodOnly: row.good_only === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export class ImportRepository {
  private readonly sql: Sql;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  byId(id: string): ImportRecord | undefined {
    const row = this.sql(`SELECT * FROM csv_imports WHERE id = ?`).get(id) as ImportDbRow | undefined;
    return row && toRecord(row);
  }

  /** The organisation's import of this very file (same kind and sha256), if any. */
  byFile(orgId: string, kind: ImportKind, fileHash: string): ImportRecord | undefined {
    const row = this.sql(`SELECT * FROM csv_imports WHERE org_id = ? AND kind = ? AND file_hash = ? ORDER BY created_at LIMIT 1`).get(
      orgId,
      kind,
      fileHash,
    ) as ImportDbRow | undefined;
    return row && toRecord(row);
  }

  /** The organisation's imports, newest first. */
  ofOrg(orgId: string, limit: number): ImportRecord[] {
    const rows = this.sql(`SELECT * FROM csv_imports WHERE org_id = ? ORDER BY created_at DESC, id LIMIT ?`).all(orgId, limit) as ImportDbRow[];
    return rows.map(toRecord);
  }

  /**
   * Stores a validated import with all its rows in one transaction, unless the organisation
   * stored the same file meanwhile: then that import is returned and nothing is written.
   */
  create(record: Omit<ImportRecord, "status" | "goodOnly" | "createdAt" | "updatedAt">, rows: NewImportRow[]): { record: ImportRecord; created: boolean } {
    return this.db.transaction(() => {
      const earlier = this.byFile(record.orgId, record.kind, record.fileHash);
      if (earlier) return { record: earlier, created: false };
      const now = new Date().toISOString();
      this.sql(
        `INSERT INTO csv_imports (id, org_id, kind, file_name, file_hash, total_rows, bad_rows, status, good_only, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'validated', 0, ?, ?)`,
      ).run(record.id, record.orgId, record.kind, record.fileName, record.fileHash, record.totalRows, record.badRows, now, now);
      const insertRow = this.sql(`INSERT INTO csv_import_rows (import_id, line, request, problems) VALUES (?, ?, ?, ?)`);
      for (const row of rows) {
        insertRow.run(record.id, row.line, row.request ?? null, row.problems ? JSON.stringify(row.problems) : null);
      }
      return { record: this.byId(record.id)!, created: true };
    })();
  }

  /** Every row with problems (bad at validation, or failed when recorded), in line order. */
  problems(importId: string): Array<{ line: number; problems: StoredProblem[] }> {
    const rows = this.sql(`SELECT line, problems FROM csv_import_rows WHERE import_id = ? AND problems IS NOT NULL ORDER BY line`).all(
      importId,
    ) as Array<{ line: number; problems: string }>;
    return rows.map((row) => ({ line: row.line, problems: JSON.parse(row.problems) as StoredProblem[] }));
  }

  counts(importId: string): ImportCounts {
    return this.sql(
      `SELECT count(event_id) AS recorded, count(CASE WHEN request IS NOT NULL AND problems IS NOT NULL THEN 1 END) AS failed
       FROM csv_import_rows WHERE import_id = ?`,
    ).get(importId) as ImportCounts;
  }

  /** The events the import's rows became, in line order. */
  recordedEventIds(importId: string): string[] {
    const rows = this.sql(`SELECT event_id FROM csv_import_rows WHERE import_id = ? AND event_id IS NOT NULL ORDER BY line`).all(importId) as Array<{ event_id: string }>;
    return rows.map((row) => row.event_id);
  }

  /** Starts recording (validated → importing); an import already started is left as it is. */
  start(importId: string, goodOnly: boolean): void {
    this.sql(`UPDATE csv_imports SET status = 'importing', good_only = ?, updated_at = ? WHERE id = ? AND status = 'validated'`).run(
      goodOnly ? 1 : 0,
      new Date().toISOString(),
      importId,
    );
  }

  finish(importId: string): void {
    this.sql(`UPDATE csv_imports SET status = 'done', updated_at = ? WHERE id = ? AND status = 'importing'`).run(new Date().toISOString(), importId);
  }

  /** The import being recorded that started first. */
  nextImporting(): ImportRecord | undefined {
    const row = this.sql(`SELECT * FROM csv_imports WHERE status = 'importing' ORDER BY updated_at, id LIMIT 1`).get() as ImportDbRow | undefined;
    return row && toRecord(row);
  }

  /** Rows still to record after `afterLine`, in line order. */
  waitingRows(importId: string, afterLine: number, limit: number): WaitingRow[] {
    return this.sql(
      `SELECT line, request FROM csv_import_rows
       WHERE import_id = ? AND line > ? AND request IS NOT NULL AND event_id IS NULL AND problems IS NULL
       ORDER BY line LIMIT ?`,
    ).all(importId, afterLine, limit) as WaitingRow[];
  }

  /** What recording the rows came to: their event ids, or the problems that stopped them. */
  saveOutcomes(importId: string, outcomes: RowOutcome[]): void {
    const recorded = this.sql(`UPDATE csv_import_rows SET event_id = ? WHERE import_id = ? AND line = ? AND event_id IS NULL`);
    const failed = this.sql(`UPDATE csv_import_rows SET problems = ? WHERE import_id = ? AND line = ? AND event_id IS NULL`);
    this.db.transaction(() => {
      for (const outcome of outcomes) {
        if ("eventId" in outcome) recorded.run(outcome.eventId, importId, outcome.line);
        else failed.run(JSON.stringify(outcome.problems), importId, outcome.line);
      }
    })();
  }
}
