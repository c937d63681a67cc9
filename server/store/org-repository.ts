/** Organisations and their API keys (stored only as sha256 hashes). */
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";
import type { OrgRole } from "../domain/event-kinds";

/** The id of the ledger admin's organisation row (see ensureLedgerAdmin). */
export const LEDGER_ADMIN_ORG_ID = "ledger-admin";

export interface Org {
  id: string;
  name: string;
  role: OrgRole;
  address: string;
  custodial: boolean;
  keystore: string | null;
  createdAt: string;
  /** Its GS1 Global Location Number, where it has one. */
  gln?: string;
  /** Known only from the chain's signed details (a read gateway, a rebuilt index): no key, no member here. */
  learned?: boolean;
}

interface OrgRow {
  id: string;
  name: string;
  role: OrgRole;
  address: string;
  custodial: number;
  keystore: string | null;
  created_at: string;
  learned?: number;
  gln?: string | null;
}

const toOrg = (row: OrgRow): Org => ({
  id: row.id,
  name: row.name,
  role: row.role,
  address: row.address,
  custodial: row.custodial === 1,
  keystore: row.keystore,
  createdAt: row.created_at,
  ...(row.learned ? { learned: true } : {}),
  ...(row.gln ? { gln: row.gln } : {}),
});

export class OrgRepository {
  private readonly sql: Sql;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  /** Inserts the organisation and its first API key together. */
  insert(org: Org, apiKeyHash: string): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO orgs (id, name, role, address, custodial, keystore, created_at, gln)
           VALUES (@id, @name, @role, @address, @custodial, @keystore, @createdAt, @gln)`,
        )
        .run({ ...org, custodial: org.custodial ? 1 : 0, gln: org.gln ?? null });
      this.db
        .prepare(`INSERT INTO api_keys (key_hash, org_id, created_at) VALUES (?, ?, ?)`)
        .run(apiKeyHash, org.id, org.createdAt);
    })();
  }

  /**
   * The ledger's admin as an organisation of its own (role admin): the programme office, whose
   * corrections and recalls the gateway signs with the admin key. Made once; the address follows
   * the deployment.
   */
  ensureLedgerAdmin(address: string, name: string): Org {
    this.db
      .prepare(
        `INSERT INTO orgs (id, name, role, address, custodial, keystore, created_at)
         VALUES (@id, @name, 'admin', @address, 0, NULL, @at)
         ON CONFLICT (id) DO UPDATE SET address = excluded.address`,
      )
      .run({ id: LEDGER_ADMIN_ORG_ID, name, address, at: new Date().toISOString() });
    return this.byId(LEDGER_ADMIN_ORG_ID)!;
  }

  /**
   * Adds an organisation as the chain's signed details name it (id, name, role, address), where
   * this gateway does not know that id or address yet: how a replica or a rebuilt index learns
   * the names its pages show. It holds no key here and cannot write. Returns whether it was added.
   */
  learn(org: { id: string; name: string; role: string; address: string }): boolean {
    return (
      this.sql(
        `INSERT INTO orgs (id, name, role, address, custodial, keystore, created_at, learned) VALUES (?, ?, ?, ?, 0, NULL, ?, 1) ON CONFLICT DO NOTHING`,
      ).run(org.id, org.name, org.role, org.address, new Date().toISOString()).changes === 1
    );
  }

  byId(id: string): Org | undefined {
    const row = this.sql(`SELECT * FROM orgs WHERE id = ?`).get(id) as OrgRow | undefined;
    return row && toOrg(row);
  }

  byGln(gln: string): Org | undefined {
    const row = this.sql(`SELECT * FROM orgs WHERE gln = ?`).get(gln) as OrgRow | undefined;
    return row && toOrg(row);
  }

  byAddress(address: string): Org | undefined {
    const row = this.sql(`SELECT * FROM orgs WHERE address = ?`).get(address) as OrgRow | undefined;
    return row && toOrg(row);
  }

  /** The organisation an unrevoked API key belongs to. */
  byApiKeyHash(keyHash: string): Org | undefined {
    const row = this
      .sql(
        `SELECT orgs.* FROM api_keys JOIN orgs ON orgs.id = api_keys.org_id
         WHERE api_keys.key_hash = ? AND api_keys.revoked_at IS NULL`,
      )
      .get(keyHash) as OrgRow | undefined;
    return row && toOrg(row);
  }

  list(): Org[] {
    return (this.db.prepare(`SELECT * FROM orgs ORDER BY created_at, id`).all() as OrgRow[]).map(toOrg);
  }
}
