/**
 * Unit serials (GS1 AI 21) and their scan counts. Serials are random, so a counterfeiter cannot
 * guess one that was issued; every scan of a unit's page counts, so a copied label shows up as
 * a code scanned far more often than one pack would be.
 */
import type { Statement } from "better-sqlite3";
import type { Db } from "./database";

export interface SerialScan {
  /** Whether the batch's creator issued this serial. */
  issued: boolean;
  /** Scans so far, this one included (0 for a serial never issued). */
  scanCount: number;
}

export class SerialRepository {
  private readonly insertSerial: Statement;
  private readonly countScan: Statement;
  private readonly findIssued: Statement;

  constructor(private readonly db: Db) {
    this.insertSerial = db.prepare(
      `INSERT OR IGNORE INTO serials (batch_id, serial, issued_by, issued_at) VALUES (?, ?, ?, ?)`,
    );
    this.countScan = db.prepare(
      `UPDATE serials SET scan_count = scan_count + 1, first_scan_at = coalesce(first_scan_at, @at), last_scan_at = @at
       WHERE batch_id = @batchId AND serial = @serial RETURNING scan_count`,
    );
    this.findIssued = db.prepare(`SELECT serial FROM serials WHERE batch_id = ? AND serial = ?`);
  }

  /** Issues `count` new serials made by `next` (retried on the rare collision); all or none. */
  issue(batchId: string, orgId: string, count: number, next: () => string): string[] {
    const at = new Date().toISOString();
    return this.db.transaction(() => {
      const serials: string[] = [];
      while (serials.length < count) {
        const serial = next();
        if (this.insertSerial.run(batchId, serial, orgId, at).changes === 1) serials.push(serial);
      }
      return serials;
    })();
  }

  /** Counts one scan of a unit's code. */
  recordScan(batchId: string, serial: string): SerialScan {
    const row = this.countScan.get({ batchId, serial, at: new Date().toISOString() }) as { scan_count: number } | undefined;
    return row ? { issued: true, scanCount: row.scan_count } : { issued: false, scanCount: 0 };
  }

  /** Which of `serials` were issued for the batch, in the order given. */
  issuedAmong(batchId: string, serials: readonly string[]): string[] {
    return serials.filter((serial) => this.findIssued.get(batchId, serial) !== undefined);
  }
}
