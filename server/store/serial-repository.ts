/**
 * Unit serials (GS1 AI 21) and their scans. Serials are random, so a counterfeiter cannot guess
 * one that was issued. A scan counts once per client per time window; each unit keeps how many
 * distinct clients, networks and days scanned it (hashes only, see services/unit-scans.ts), so
 * that a copied label shows up as a code scanned from many places, not as many requests.
 */
import type { Statement } from "better-sqlite3";
import type { Db } from "./database";

/** One scan as the service describes it: keyed hashes of the client and its network, the China day, the window. */
export interface ScanRecord {
  client: string;
  network: string;
  /** YYYY-MM-DD in China. */
  day: string;
  /** The time window's number (scans of one client in one window count once). */
  window: number;
  /** ISO 8601. */
  at: string;
}

export interface UnitScanSignals {
  /** Whether the batch's creator issued this serial. */
  issued: boolean;
  /** Counted scans so far (once per client per window), this one included; 0 for a serial never issued. */
  scanCount: number;
  /** Distinct clients, networks and China days that scanned the unit. */
  clients: number;
  networks: number;
  days: number;
}

/** A unit keeps at most this many clients: past it, new clients are not counted (the signal is long past any threshold). */
export const MAX_CLIENTS_KEPT = 10_000;

export class SerialRepository {
  private readonly insertSerial: Statement;
  private readonly findIssued: Statement;
  private readonly signals: Statement;
  private readonly lastWindow: Statement;
  private readonly insertClient: Statement;
  private readonly updateClient: Statement;
  private readonly insertNetwork: Statement;
  private readonly insertDay: Statement;
  private readonly countScan: Statement;
  private readonly recordScanTransaction: (batchId: string, serial: string, scan: ScanRecord) => UnitScanSignals;

  constructor(private readonly db: Db) {
    this.insertSerial = db.prepare(
      `INSERT OR IGNORE INTO serials (batch_id, serial, issued_by, issued_at) VALUES (?, ?, ?, ?)`,
    );
    this.findIssued = db.prepare(`SELECT serial FROM serials WHERE batch_id = ? AND serial = ?`);
    const unit = `batch_id = @batchId AND serial = @serial`;
    this.signals = db.prepare(`SELECT scan_count, scan_clients, scan_networks, scan_days FROM serials WHERE ${unit}`);
    this.lastWindow = db.prepare(`SELECT last_window FROM serial_scan_clients WHERE ${unit} AND client = @client`).pluck();
    this.insertClient = db.prepare(`INSERT INTO serial_scan_clients (batch_id, serial, client, last_window) VALUES (@batchId, @serial, @client, @window)`);
    this.updateClient = db.prepare(`UPDATE serial_scan_clients SET last_window = @window WHERE ${unit} AND client = @client`);
    this.insertNetwork = db.prepare(`INSERT OR IGNORE INTO serial_scan_networks (batch_id, serial, network) VALUES (@batchId, @serial, @network)`);
    this.insertDay = db.prepare(`INSERT OR IGNORE INTO serial_scan_days (batch_id, serial, day) VALUES (@batchId, @serial, @day)`);
    this.countScan = db.prepare(
      `UPDATE serials SET scan_count = scan_count + 1, scan_clients = scan_clients + @newClient,
         scan_networks = scan_networks + @newNetwork, scan_days = scan_days + @newDay,
         first_scan_at = coalesce(first_scan_at, @at), last_scan_at = @at
       WHERE ${unit} RETURNING scan_count, scan_clients, scan_networks, scan_days`,
    );
    this.recordScanTransaction = db.transaction((batchId: string, serial: string, scan: ScanRecord) => this.countOnce(batchId, serial, scan));
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

  /**
   * Counts one scan of a unit's code: once per client per window, adding its client, network and
   * day to the unit's signals when they are new. Answers the unit's signals after it.
   */
  recordScan(batchId: string, serial: string, scan: ScanRecord): UnitScanSignals {
    return this.recordScanTransaction(batchId, serial, scan);
  }

  private countOnce(batchId: string, serial: string, scan: ScanRecord): UnitScanSignals {
    const unit = { batchId, serial };
    const before = this.signals.get(unit) as SignalRow | undefined;
    if (!before) return { issued: false, scanCount: 0, clients: 0, networks: 0, days: 0 };
    const keys = { ...unit, client: scan.client, window: scan.window };
    const last = this.lastWindow.get(keys) as number | undefined;
    let newClient = 0;
    if (last === undefined) {
      if (before.scan_clients >= MAX_CLIENTS_KEPT) return signalsOf(before);
      this.insertClient.run(keys);
      newClient = 1;
    } else if (last === scan.window) {
      return signalsOf(before); // this client was counted in this window already
    } else {
      this.updateClient.run(keys);
    }
    const newNetwork = this.insertNetwork.run({ ...unit, network: scan.network }).changes;
    const newDay = this.insertDay.run({ ...unit, day: scan.day }).changes;
    return signalsOf(this.countScan.get({ ...unit, newClient, newNetwork, newDay, at: scan.at }) as SignalRow);
  }

  /** Which of `serials` were issued for the batch, in the order given. */
  issuedAmong(batchId: string, serials: readonly string[]): string[] {
    return serials.filter((serial) => this.findIssued.get(batchId, serial) !== undefined);
  }
}

interface SignalRow {
  scan_count: number;
  scan_clients: number;
  scan_networks: number;
  scan_days: number;
}

function signalsOf(row: SignalRow): UnitScanSignals {
  return { issued: true, scanCount: row.scan_count, clients: row.scan_clients, networks: row.scan_networks, days: row.scan_days };
}
