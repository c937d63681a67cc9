/** Events planned for organisations that sign themselves, kept until their signatures arrive. */
import type { Db } from "./database";
import type { PlannedEvent } from "../domain/ledger-types";

export interface SigningRequest {
  id: string;
  orgId: string;
  planned: PlannedEvent[];
  usedAt: string | null;
}

export class SigningRequestRepository {
  constructor(private readonly db: Db) {}

  insert(id: string, orgId: string, planned: PlannedEvent[]): void {
    this.db
      .prepare(`INSERT INTO signing_requests (id, org_id, planned, created_at) VALUES (?, ?, ?, ?)`)
      .run(id, orgId, JSON.stringify(planned), new Date().toISOString());
  }

  byId(id: string): SigningRequest | undefined {
    const row = this.db.prepare(`SELECT * FROM signing_requests WHERE id = ?`).get(id) as
      | { id: string; org_id: string; planned: string; used_at: string | null }
      | undefined;
    return row && { id: row.id, orgId: row.org_id, planned: JSON.parse(row.planned), usedAt: row.used_at };
  }

  markUsed(id: string): void {
    this.db.prepare(`UPDATE signing_requests SET used_at = ? WHERE id = ?`).run(new Date().toISOString(), id);
  }
}
