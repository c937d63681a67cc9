/**
 * Group commit: writes that arrive in the same turn of the event loop run one after another in
 * ONE SQLite transaction, each inside its own savepoint, and are acknowledged together once
 * that transaction is durably committed. With synchronous=FULL every commit costs a disk flush;
 * sharing it keeps each acknowledgement durable while the gateway takes many writes a second.
 * A write that throws rolls back its own savepoint only and is answered with its error.
 */
import type { Db } from "./database";

interface Job {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  private jobs: Job[] = [];

  constructor(private readonly db: Db) {}

  /** Runs `work` (synchronous, database work only) and resolves once it is committed. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.jobs.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const jobs = this.jobs;
    this.jobs = [];
    const outcomes: Outcome[] = [];
    try {
      this.db.transaction(() => {
        for (const job of jobs) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(job.work)() }); // nested: a savepoint
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const job of jobs) job.reject(error); // the commit failed: none of them was written
      return;
    }
    jobs.forEach((job, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }
}
