/**
 * Organisations: created by the admin with a role; the role is granted on chain before the
 * organisation exists in the gateway. By default the gateway makes and keeps the organisation's
 * signing key (custodial); an organisation that registers its own address signs for itself.
 *
 * Names: an organisation's name is unique, unless two that share one both carry their
 * 统一社会信用代码 (each code belongs to one organisation): pickers then show "name（code）".
 * API keys: rotating adds a key (shown once) and revokes every other; a key is revoked by its id.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { getAddress, isAddress } from "ethers";
import { ROLE_NAMES, type RoleName } from "../domain/event-kinds";
import type { CustodialKeys } from "../keys/custodial-keys";
import type { ApiKeyInfo, OrgRepository, Org } from "../store/org-repository";
import type { LedgerAdmin } from "../chain/ledger-admin";
import { conflict, DomainError, invalidField, notFound, unauthorized } from "../domain/errors";
import { parseCreditCode } from "../domain/credit-code";

export interface CreateOrgInput {
  name: string;
  role: RoleName;
  /** The organisation's own address, when it signs for itself. */
  address?: string;
  /** Its GS1 Global Location Number, where it has one. */
  gln?: string;
  /** 统一社会信用代码 (GB 32100-2015). */
  creditCode?: string;
  contact?: { person?: string; phone?: string; address?: string };
}

export interface CreatedOrg {
  id: string;
  name: string;
  role: RoleName;
  address: string;
  custodial: boolean;
  apiKey: string;
  roleGrantTx: string | null;
  creditCode?: string;
}

/** An organisation as the admin's list shows it (never its keystore). */
export interface OrgSummary {
  id: string;
  name: string;
  role: string;
  address: string;
  custodial: boolean;
  createdAt: string;
  gln?: string;
  creditCode?: string;
  contactPerson?: string;
  contactPhone?: string;
  postalAddress?: string;
  learned?: boolean;
}

/** How pickers and lists name an organisation: "name（code）" where it has a credit code. */
export function orgLabel(org: { name: string; creditCode?: string }): string {
  return org.creditCode ? `${org.name}（${org.creditCode}）` : org.name;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export class OrgService {
  constructor(
    private readonly orgs: OrgRepository,
    private readonly keys: CustodialKeys,
    private readonly ledgerAdmin: LedgerAdmin,
  ) {}

  async create(input: CreateOrgInput): Promise<CreatedOrg> {
    const details = this.checkNew(input);
    let address: string;
    let keystore: string | null = null;
    if (input.address !== undefined) {
      if (!isAddress(input.address)) throw invalidField("address", "must be an Ethereum address");
      address = getAddress(input.address);
      if (this.orgs.byAddress(address)) throw conflict("an organisation with this address exists", "address");
    } else {
      ({ address, keystore } = await this.keys.create());
    }
    if (input.gln !== undefined && this.orgs.byGln(input.gln)) throw conflict("an organisation with this GLN exists", "gln");
    const roleGrantTx = await this.ledgerAdmin.grantRole(input.role, address);
    // Again, now: another create of the same name or code may have ended while the chain granted.
    this.checkNew(input);
    const org: Org = {
      id: randomUUID(),
      role: input.role,
      address,
      custodial: keystore !== null,
      keystore,
      createdAt: new Date().toISOString(),
      ...(input.gln ? { gln: input.gln } : {}),
      ...details,
    };
    const apiKey = newApiKey();
    this.orgs.insert(org, hashSecret(apiKey));
    return {
      id: org.id,
      name: org.name,
      role: input.role,
      address,
      custodial: org.custodial,
      ...(org.gln ? { gln: org.gln } : {}),
      ...(org.creditCode ? { creditCode: org.creditCode } : {}),
      apiKey,
      roleGrantTx,
    };
  }

  /**
   * Refuses what create would refuse before anything is made (a bad role or credit code, a name
   * or code taken); answers the details to keep. The console checks a new organisation's first
   * admin member between this and create.
   */
  checkNew(input: CreateOrgInput): Pick<Org, "name" | "creditCode" | "contactPerson" | "contactPhone" | "postalAddress"> {
    if (!ROLE_NAMES.includes(input.role)) throw invalidField("role", `must be one of ${ROLE_NAMES.join(", ")}`);
    const name = typeof input.name === "string" ? input.name.trim() : "";
    if (name.length < 1 || name.length > 200) throw fieldRefusal("invalid_request", "name", "must be 1 to 200 characters", "名称须为 1 到 200 个字符");
    let creditCode: string | undefined;
    if (input.creditCode !== undefined && input.creditCode.trim() !== "") {
      const parsed = parseCreditCode(input.creditCode);
      if (!("code" in parsed)) throw fieldRefusal("invalid_request", "creditCode", parsed.message, parsed.zh);
      creditCode = parsed.code;
      if (this.orgs.byCreditCode(creditCode)) {
        throw fieldRefusal("conflict", "creditCode", "an organisation with this credit code exists", "已有组织使用这个统一社会信用代码");
      }
    }
    // The same name twice only where both carry (different) credit codes that tell them apart.
    const namesake = this.orgs.byName(name).find((other) => !other.creditCode || !creditCode);
    if (namesake) {
      throw fieldRefusal(
        "conflict",
        "name",
        creditCode
          ? "an organisation of this name exists without a credit code: give it its code first, or choose another name"
          : "an organisation of this name exists: choose another name, or give the credit code (统一社会信用代码) that tells them apart",
        creditCode ? "已有同名组织且它没有统一社会信用代码：请先为它补上代码，或换一个名称" : "已有同名组织：请换一个名称，或填写能区分两者的统一社会信用代码",
      );
    }
    const contact = input.contact ?? {};
    const person = contact.person?.trim();
    if (person !== undefined && person.length > 100) throw fieldRefusal("invalid_request", "contact.person", "must be at most 100 characters", "联系人最多 100 个字符");
    const phone = contact.phone?.trim();
    if (phone && !PHONE.test(phone)) {
      throw fieldRefusal("invalid_request", "contact.phone", "must be a phone number: digits, with spaces, dashes, brackets or a leading +", "联系电话格式不对");
    }
    const postal = contact.address?.trim();
    if (postal !== undefined && postal.length > 200) throw fieldRefusal("invalid_request", "contact.address", "must be at most 200 characters", "地址最多 200 个字符");
    return {
      name,
      ...(creditCode ? { creditCode } : {}),
      ...(person ? { contactPerson: person } : {}),
      ...(phone ? { contactPhone: phone } : {}),
      ...(postal ? { postalAddress: postal } : {}),
    };
  }

  /** Every organisation with its details, oldest first (the ledger's own admin row left out). */
  list(): OrgSummary[] {
    return this.orgs
      .list()
      .filter((org) => org.role !== "admin")
      .map((org) => summaryOf(org));
  }

  /** One organisation's details, or a 404 naming orgId. */
  summary(orgId: string): OrgSummary {
    const org = this.orgs.byId(orgId);
    if (!org || org.role === "admin") throw notFound(`no organisation ${orgId}`, "orgId");
    return summaryOf(org);
  }

  apiKeys(orgId: string): ApiKeyInfo[] {
    this.summary(orgId);
    return this.orgs.apiKeys(orgId);
  }

  /** A new API key, shown once here; every other key of the organisation stops working at once. */
  rotateApiKey(orgId: string): { apiKey: string; id: string; revoked: number } {
    const org = this.orgs.byId(orgId);
    if (!org || org.role === "admin" || org.learned) throw notFound(`no organisation ${orgId}`, "orgId");
    const apiKey = newApiKey();
    const revoked = this.orgs.rotateApiKey(orgId, hashSecret(apiKey), new Date().toISOString());
    return { apiKey, id: hashSecret(apiKey).slice(0, 16), revoked };
  }

  /** Revokes one key by its id (the organisation may be left with none: rotate makes a new one). */
  revokeApiKey(orgId: string, keyId: string): ApiKeyInfo {
    this.summary(orgId);
    if (!this.orgs.revokeApiKey(orgId, keyId, new Date().toISOString())) {
      throw fieldRefusal("not_found", "keyId", `no live API key ${keyId} of this organisation`, "这个组织没有这把（未吊销的）API 密钥");
    }
    return this.orgs.apiKeys(orgId).find((key) => key.id === keyId)!;
  }

  /** The organisation of an API key; unknown and revoked keys fail alike. */
  authenticate(apiKey: string | undefined): Org {
    const org = apiKey ? this.orgs.byApiKeyHash(hashSecret(apiKey)) : undefined;
    if (!org) throw unauthorized();
    return org;
  }
}

const PHONE = /^\+?[0-9][0-9 ()-]{4,24}$/;

function newApiKey(): string {
  return `plk_${randomBytes(24).toString("base64url")}`;
}

function fieldRefusal(code: "invalid_request" | "conflict" | "not_found", field: string, message: string, zh: string): DomainError {
  return new DomainError(code, message, [{ field, message, zh }]);
}

function summaryOf(org: Org): OrgSummary {
  const { id, name, role, address, custodial, createdAt, gln, creditCode, contactPerson, contactPhone, postalAddress, learned } = org;
  return { id, name, role, address, custodial, createdAt, gln, creditCode, contactPerson, contactPhone, postalAddress, ...(learned ? { learned } : {}) };
}

/** Compares a presented admin token with the stored hash in constant time. */
export function isAdminToken(presented: string | undefined, expectedHash: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(hashSecret(presented), "hex");
  const b = Buffer.from(expectedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
