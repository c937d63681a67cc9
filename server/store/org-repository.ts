/**
 * Organisations, their details (统一社会信用代码, contact person, phone and postal address) and
 * their API keys (stored only as sha256 hashes; a key's id is the start of its hash).
 */
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
  /** 统一社会信用代码 (GB 32100-2015), in capitals. */
  creditCode?: string;
  contactPerson?: string;
  /** From its contact details (what its 承诺达标合格证 print too). */
  contactPhone?: string;
  postalAddress?: string;
}

/** An API key as its organisation's admin sees it: never the key, only when it was made and revoked. */
export interface ApiKeyInfo {
  /** The first 16 hex characters of the key's sha256. */
  id: string;
  createdAt: string;
  revokedAt: string | null;
}

/** How many hex characters of a key's hash name it. */
const KEY_ID_LENGTH = 16;

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
  credit_code?: string | null;
  contact_person?: string | null;
  contact?: string | null;
}

function contactOf(text: string | null | undefined): { contactPhone?: string; postalAddress?: string } {
  if (!text) return {};
  const contact = JSON.parse(text) as { phone?: string; address?: string };
  return { ...(contact.phone ? { contactPhone: contact.phone } : {}), ...(contact.address ? { postalAddress: contact.address } : {}) };
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
  ...(row.credit_code ? { creditCode: row.credit_code } : {}),
  ...(row.contact_person ? { contactPerson: row.contact_person } : {}),
  ...contactOf(row.contact),
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
          `INSERT INTO orgs (id, name, role, address, custodial, keystore, created_at, gln, credit_code, contact_person, contact)
           VALUES (@id, @name, @role, @address, @custodial, @keystore, @createdAt, @gln, @creditCode, @contactPerson, @contact)`,
        )
        .run({
          ...org,
          custodial: org.custodial ? 1 : 0,
          gln: org.gln ?? null,
          creditCode: org.creditCode ?? null,
          contactPerson: org.contactPerson ?? null,
          contact:
            org.contactPhone || org.postalAddress
              ? JSON.stringify({ ...(org.contactPhone ? { phone: org.contactPhone } : {}), ...(org.postalAddress ? { address: org.postalAddress } : {}) })
              : null,
        });
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

  /** Every organisation of exactly this name (two may share one when their credit codes tell them apart). */
  byName(name: string): Org[] {
    return (this.sql(`SELECT * FROM orgs WHERE name = ?`).all(name) as OrgRow[]).map(toOrg);
  }

  byCreditCode(code: string): Org | undefined {
    const row = this.sql(`SELECT * FROM orgs WHERE credit_code = ?`).get(code) as OrgRow | undefined;
    return row && toOrg(row);
  }

  // ---- API keys -------------------------------------------------------------------------------

  apiKeys(orgId: string): ApiKeyInfo[] {
    return this.sql(
      `SELECT substr(key_hash, 1, ${KEY_ID_LENGTH}) AS id, created_at AS createdAt, revoked_at AS revokedAt
       FROM api_keys WHERE org_id = ? ORDER BY created_at, key_hash`,
    ).all(orgId) as ApiKeyInfo[];
  }

  /** Adds a key and revokes every other live key of the organisation, together. */
  rotateApiKey(orgId: string, newKeyHash: string, at: string): number {
    return this.db.transaction(() => {
      const revoked = this.sql(`UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND revoked_at IS NULL`).run(at, orgId).changes;
      this.sql(`INSERT INTO api_keys (key_hash, org_id, created_at) VALUES (?, ?, ?)`).run(newKeyHash, orgId, at);
      return revoked;
    })();
  }

  /** Revokes the live key with this id; false when the organisation has no such live key. */
  revokeApiKey(orgId: string, keyId: string, at: string): boolean {
    if (!new RegExp(`^[0-9a-f]{${KEY_ID_LENGTH}}$`).test(keyId)) return false;
    return (
      this.sql(`UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND substr(key_hash, 1, ${KEY_ID_LENGTH}) = ? AND revoked_at IS NULL`).run(
        at,
        orgId,
        keyId,
      ).changes > 0
    );
  }
}
