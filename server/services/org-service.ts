/**
 * Organisations: created by the admin with a role; the role is granted on chain before the
 * organisation exists in the gateway. By default the gateway makes and keeps the organisation's
 * signing key (custodial); an organisation that registers its own address signs for itself.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { getAddress, isAddress } from "ethers";
import { ROLE_NAMES, type RoleName } from "../domain/event-kinds";
import type { CustodialKeys } from "../keys/custodial-keys";
import type { OrgRepository, Org } from "../store/org-repository";
import type { LedgerAdmin } from "../chain/ledger-admin";
import { conflict, invalidField, unauthorized } from "../domain/errors";

export interface CreateOrgInput {
  name: string;
  role: RoleName;
  /** The organisation's own address, when it signs for itself. */
  address?: string;
  /** Its GS1 Global Location Number, where it has one. */
  gln?: string;
}

export interface CreatedOrg {
  id: string;
  name: string;
  role: RoleName;
  address: string;
  custodial: boolean;
  apiKey: string;
  roleGrantTx: string | null;
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
    if (!ROLE_NAMES.includes(input.role)) throw invalidField("role", `must be one of ${ROLE_NAMES.join(", ")}`);
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
    const org: Org = {
      id: randomUUID(),
      name: input.name,
      role: input.role,
      address,
      custodial: keystore !== null,
      keystore,
      createdAt: new Date().toISOString(),
      ...(input.gln ? { gln: input.gln } : {}),
    };
    const apiKey = `plk_${randomBytes(24).toString("base64url")}`;
    this.orgs.insert(org, hashSecret(apiKey));
    return { id: org.id, name: org.name, role: input.role, address, custodial: org.custodial, ...(org.gln ? { gln: org.gln } : {}), apiKey, roleGrantTx };
  }

  /** The organisation of an API key; unknown and revoked keys fail alike. */
  authenticate(apiKey: string | undefined): Org {
    const org = apiKey ? this.orgs.byApiKeyHash(hashSecret(apiKey)) : undefined;
    if (!org) throw unauthorized();
    return org;
  }
}

/** Compares a presented admin token with the stored hash in constant time. */
export function isAdminToken(presented: string | undefined, expectedHash: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(hashSecret(presented), "hex");
  const b = Buffer.from(expectedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
