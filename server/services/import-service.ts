/**
 * CSV imports: a file is checked whole first — each row against the API's schemas, then planned
 * by the ledger's rules exactly as the API would plan it (EventService.prepare, which stores
 * nothing), and against the file's other rows — and stored with each row's write request or
 * problems. A row the rules refuse is a bad row in the rules' own words, in the column the
 * refused field came from: the CSV gives the same answers as the API. Nothing reaches the
 * outbox until the organisation starts the import, and then only through EventService, row by
 * row, by the import runner (a row may still be refused there if the ledger moved on). The same
 * file uploaded again by the same organisation is the same import, so a client that lost an
 * answer can simply start over.
 *
 * Rows of one file that name the same batch: the second is refused ("names the same batch as
 * line N"), as each row is checked against the ledger alone, not against what the file's earlier
 * rows would do to it. A batch shipped in parts to several consignees takes one file per part.
 */
import { createHash, randomUUID } from "node:crypto";
import { isImportKind, type Header, type ImportKind } from "../csv/columns";
import { readImportFileInTurns, type ImportRow } from "../csv/import-file";
import { CsvFileError } from "../csv/problems";
import { LIMIT_DEFAULTS } from "../config";
import { refusalProblem, stored, type CellProblem, type StoredProblem } from "../csv/problems";
import { columnOfField, type OrgByName } from "../csv/rows";
import { roleMayRecord } from "../domain/event-kinds";
import { batchIdFor } from "../domain/gs1";
import type { ImportRecord, ImportRepository, ImportStatus, NewImportRow } from "../store/import-repository";
import type { Org } from "../store/org-repository";
import { conflict, DomainError, forbidden, invalidField, notFound } from "../domain/errors";
import type { EventService } from "./event-service";
import type { WriteRequest } from "../domain/ledger-types";

export interface ImportProblem extends StoredProblem {
  line: number;
}

export interface ImportReport {
  importId: string;
  kind: ImportKind;
  fileName: string;
  status: ImportStatus;
  totalRows: number;
  badRows: number;
  /** Rows to record: the good ones. */
  goodRows: number;
  recorded: number;
  /** Good rows whose write was refused when recorded (the batch changed since validation). */
  failed: number;
  goodOnly: boolean;
  createdAt: string;
  problems: ImportProblem[];
}

export interface Upload {
  kind: unknown;
  fileName: string;
  bytes: Buffer;
}

/**
 * Rows checked between two turns of the event loop, so a large file does not stall the gateway:
 * a row's check by the ledger's rules takes about half a millisecond, so 50 rows hold pages ~25 ms.
 */
const ROWS_PER_TURN = 50;
const FILE_NAME_MAX = 200;

/** What one import file may hold (config: CSV_MAX_MB, CSV_MAX_ROWS). */
export interface ImportLimits {
  maxBytes: number;
  maxRows: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxBytes: LIMIT_DEFAULTS.csvMaxBytes, maxRows: LIMIT_DEFAULTS.csvMaxRows };

export class ImportService {
  constructor(
    private readonly imports: ImportRepository,
    /** Plans a write by the ledger's rules without storing anything: the API's own answers. */
    private readonly planner: Pick<EventService, "prepare">,
    /** The gateway's organisations, which a shipment row may name by name. */
    private readonly orgs: { list(): Org[] },
    /** Tells the import runner that an import is waiting to be recorded. */
    private readonly wake: () => void = () => {},
    readonly limits: ImportLimits = DEFAULT_IMPORT_LIMITS,
  ) {}

  /** Validates and stores an upload; `created` is false when this file was imported before. */
  async upload(org: Org, upload: Upload): Promise<{ report: ImportReport; created: boolean }> {
    if (!isImportKind(upload.kind)) throw invalidField("kind", "must be harvest or shipment");
    const kind = upload.kind;
    assertMayImport(org, kind);
    if (upload.bytes.length > this.limits.maxBytes) throw new CsvFileError("file", "too_large", this.limits.maxBytes / (1024 * 1024));
    const fileHash = createHash("sha256").update(upload.bytes).digest("hex");
    const earlier = this.imports.byFile(org.id, kind, fileHash);
    if (earlier) return { report: this.reportOf(earlier), created: false };

    const file = await readImportFileInTurns(kind, upload.bytes, { orgByName: this.orgByName() }, { maxRows: this.limits.maxRows });
    const rows = await this.checkAgainstLedger(org, file.header, file.rows);
    const { record, created } = this.imports.create(
      {
        id: randomUUID(),
        orgId: org.id,
        kind,
        fileName: cleanFileName(upload.fileName),
        fileHash,
        totalRows: rows.length,
        badRows: rows.filter((row) => row.problems).length,
      },
      rows,
    );
    return { report: this.reportOf(record), created };
  }

  /**
   * Starts recording (or, when started already, answers how far it got). An import with bad
   * rows is recorded only when the organisation accepts that only the good rows will be.
   */
  run(org: Org, importId: string, goodOnly: boolean): ImportReport {
    const record = this.ownImport(org, importId);
    assertMayImport(org, record.kind);
    if (record.badRows > 0 && !goodOnly) {
      throw conflict(`${record.badRows} of ${record.totalRows} rows have problems: set goodOnly to record only the good rows`, "goodOnly");
    }
    this.imports.start(importId, goodOnly);
    this.wake();
    return this.reportOf(this.imports.byId(importId)!);
  }

  /** The import with its progress and problems; only the importing organisation sees it. */
  report(org: Org, importId: string): ImportReport {
    return this.reportOf(this.ownImport(org, importId));
  }

  /** The ledger events the import's rows became so far (the importing organisation only). */
  recordedEventIds(org: Org, importId: string): string[] {
    return this.imports.recordedEventIds(this.ownImport(org, importId).id);
  }

  list(org: Org, limit = 50): ImportRecord[] {
    return this.imports.ofOrg(org.id, limit);
  }

  private ownImport(org: Org, importId: string): ImportRecord {
    const record = this.imports.byId(importId);
    if (!record || record.orgId !== org.id) throw notFound(`no import ${importId}`, "importId");
    return record;
  }

  private reportOf(record: ImportRecord): ImportReport {
    const counts = this.imports.counts(record.id);
    return {
      importId: record.id,
      kind: record.kind,
      fileName: record.fileName,
      status: record.status,
      totalRows: record.totalRows,
      badRows: record.badRows,
      goodRows: record.totalRows - record.badRows,
      recorded: counts.recorded,
      failed: counts.failed,
      goodOnly: record.goodOnly,
      createdAt: record.createdAt,
      problems: this.imports.problems(record.id).flatMap(({ line, problems }) => problems.map((p) => ({ line, ...p }))),
    };
  }

  /**
   * The rows the schemas accepted, each planned by the ledger's rules as the API plans the same
   * write (nothing is stored), and checked against the file's earlier rows: a second row naming
   * the same batch is bad.
   */
  private async checkAgainstLedger(org: Org, header: Header, rows: ImportRow[]): Promise<NewImportRow[]> {
    const lotColumn = header.names.get("lot")!;
    const firstLineOf = new Map<string, number>();
    const checked: NewImportRow[] = [];
    for (const [i, row] of rows.entries()) {
      if (i > 0 && i % ROWS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
      if (!row.request) {
        checked.push({ line: row.line, problems: row.problems.map(stored) });
        continue;
      }
      const batchId = batchOf(row.request);
      const first = firstLineOf.get(batchId);
      if (first !== undefined) {
        checked.push({ line: row.line, problems: [stored({ field: lotColumn, code: "duplicate", arg: first })] });
        continue;
      }
      firstLineOf.set(batchId, row.line);
      const problem = this.ruleProblem(org, row.request, header);
      checked.push(problem ? { line: row.line, problems: [stored(problem)] } : { line: row.line, request: JSON.stringify(row.request) });
    }
    return checked;
  }

  /** What the ledger's rules say of the row's write, in the column of the field they refuse. */
  private ruleProblem(org: Org, request: WriteRequest, header: Header): CellProblem | undefined {
    try {
      this.planner.prepare(org, request);
      return undefined;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const columnOf = (field: string) => {
        const key = columnOfField(header.kind, field);
        return key === undefined ? undefined : header.names.get(key);
      };
      return refusalProblem(error, header.names.get("lot")!, columnOf);
    }
  }

  /** Organisations by their exact name, for shipment rows that name their consignee so. */
  private orgByName(): OrgByName {
    let byName: Map<string, Org[]> | undefined;
    return (name) => {
      if (!byName) {
        byName = new Map();
        // The programme office's own row is no trading partner: it receives nothing.
        for (const org of this.orgs.list()) if (org.role !== "admin") byName.set(org.name, [...(byName.get(org.name) ?? []), org]);
      }
      const found = byName.get(name) ?? [];
      if (found.length === 0) return "unknown";
      return found.length === 1 ? { id: found[0].id } : "ambiguous";
    };
  }
}

/** Only a role that may write the kind's events imports them, and only with a key the gateway keeps. */
function assertMayImport(org: Org, kind: ImportKind): void {
  if (!roleMayRecord(org.role, kind)) throw forbidden(`a ${org.role} may not record a ${kind}`);
  if (!org.custodial) throw forbidden("this organisation signs its own events: the gateway cannot record an import for it");
}

function batchOf(request: WriteRequest): string {
  return request.type === "harvest" ? batchIdFor(request.body.product.gtin, request.body.lot) : request.batchId;
}

/** The file's own name, without a path or control characters. */
function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, FILE_NAME_MAX);
  return clean === "" ? "import.csv" : clean;
}
