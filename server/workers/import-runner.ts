/**
 * The import runner records started imports in the background, a chunk of rows per tick, in
 * line order. Each row goes through EventService.writeCustodial with an idempotency key of its
 * own (import:{id}:{line}), whose answer commits together with the row's events in the outbox.
 * Writing the row's event id afterwards is only bookkeeping: after a crash between the two, the
 * row is written again, gets the stored answer and is recorded once. All state is in SQLite, so
 * a gateway that starts finds the imports left "importing" and carries on.
 */
import { createHash } from "node:crypto";
import { COLUMNS } from "../csv/columns";
import { refusalProblem, stored } from "../csv/problems";
import type { ImportRecord, ImportRepository, RowOutcome, WaitingRow } from "../store/import-repository";
import type { Org } from "../store/org-repository";
import { DomainError } from "../domain/errors";
import type { EventService } from "../services/event-service";
import type { WriteRequest } from "../domain/ledger-types";
import { createTicker } from "./ticker";

export interface ImportRunnerOptions {
  imports: ImportRepository;
  events: Pick<EventService, "writeCustodial">;
  orgs: { byId(id: string): Org | undefined };
  /** Rows written per tick; they share one commit (see GroupCommit). */
  chunkSize?: number;
  /** How long an idle runner waits before looking for started imports again. */
  idleMs?: number;
  log?: (message: string) => void;
}

export interface ImportRunner {
  /** Records the next chunk of the oldest started import; false when there was nothing to do. */
  tick(): Promise<boolean>;
  start(): void;
  /** Stops; resolves once the tick under way has finished. */
  stop(): Promise<void>;
  /** An import was started: tick now rather than after the idle wait. */
  wake(): void;
}

const DEFAULT_CHUNK = 200;
const DEFAULT_IDLE_MS = 1_000;

export function createImportRunner(options: ImportRunnerOptions): ImportRunner {
  const { imports } = options;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const log = options.log ?? (() => {});
  /** The last line settled per import, so each tick reads on from there (rows are never skipped: see waitingRows). */
  const cursor = new Map<string, number>();

  const runTick = async (): Promise<boolean> => {
    const job = imports.nextImporting();
    if (!job) return false;
    const rows = imports.waitingRows(job.id, cursor.get(job.id) ?? 0, chunkSize);
    if (rows.length === 0) {
      imports.finish(job.id);
      cursor.delete(job.id);
      log(`import ${job.id} done`);
      return true;
    }
    const { outcomes, interrupted } = await record(job, rows);
    imports.saveOutcomes(job.id, outcomes);
    if (interrupted) throw interrupted;
    cursor.set(job.id, rows[rows.length - 1].line);
    return true;
  };

  /** Writes the rows; stops at an error that is not the row's fault (it is retried next tick). */
  const record = async (job: ImportRecord, rows: WaitingRow[]): Promise<{ outcomes: RowOutcome[]; interrupted?: unknown }> => {
    const org = options.orgs.byId(job.orgId);
    if (!org) throw new Error(`import ${job.id} belongs to no organisation`);
    const lotColumn = COLUMNS[job.kind].find((c) => c.key === "lot")!.zh;
    const write = (row: WaitingRow) =>
      options.events
        .writeCustodial(org, JSON.parse(row.request) as WriteRequest, {
          key: `import:${job.id}:${row.line}`,
          requestHash: createHash("sha256").update(row.request).digest("hex"),
        })
        .then(
          (answer): RowOutcome => ({ line: row.line, eventId: (answer.body as { eventId: string }).eventId }),
          (error: unknown): RowOutcome | { line: number; error: unknown } =>
            error instanceof DomainError
              ? { line: row.line, problems: [stored(refusalProblem(error, lotColumn))] }
              : { line: row.line, error },
        );
    // The first row alone unlocks the organisation's key; the others then reach the group
    // commit in line order, in one transaction.
    const results = [await write(rows[0]), ...(await Promise.all(rows.slice(1).map(write)))];
    const firstError = results.findIndex((r) => "error" in r);
    const settled = (firstError < 0 ? results : results.slice(0, firstError)) as RowOutcome[];
    return firstError < 0 ? { outcomes: settled } : { outcomes: settled, interrupted: (results[firstError] as { error: unknown }).error };
  };

  const ticker = createTicker({
    run: runTick,
    first: "now",
    pause: (busy, idleMs) => (busy ? 0 : idleMs), // a busy runner goes on at once
    onError: (error) => log(`import tick failed: ${(error as Error).message}`),
  });

  return {
    tick: ticker.tick,
    start: () => ticker.start(options.idleMs ?? DEFAULT_IDLE_MS),
    stop: ticker.stop,
    wake: ticker.wake,
  };
}
