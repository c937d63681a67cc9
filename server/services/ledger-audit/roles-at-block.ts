/**
 * The roles the ledger's contract holds for an account at a given block, read with
 * hasRole(role, account) at that block: what an auditor compares with the kind of event the
 * account signed then, and with what it may do now. A node that keeps no state for an old
 * block cannot say; that is answered as null, never guessed.
 */
import type { Provider } from "ethers";
import { decodeHasRole, encodeHasRole } from "../../chain/ledger-calls";
import { ROLE_NAMES, type OrgRole } from "../../domain/event-kinds";

/** Every role the contract knows, the ledger's admin first. */
export const AUDITED_ROLES: readonly OrgRole[] = ["admin", ...ROLE_NAMES];

export class RolesAtBlock {
  private readonly cache = new Map<string, Promise<OrgRole[] | null>>();

  constructor(
    private readonly provider: Provider,
    private readonly ledger: string,
  ) {}

  /** The roles `account` held at `block` (as that block left them); null when the node cannot say. */
  rolesOf(account: string, block: number): Promise<OrgRole[] | null> {
    const key = `${account.toLowerCase()}@${block}`;
    let roles = this.cache.get(key);
    if (!roles) {
      roles = Promise.all(
        AUDITED_ROLES.map(async (role) => {
          const result = await this.provider.call({ to: this.ledger, data: encodeHasRole(role, account), blockTag: block });
          return decodeHasRole(result) ? role : undefined;
        }),
      ).then(
        (held) => held.filter((role): role is OrgRole => role !== undefined),
        () => null,
      );
      this.cache.set(key, roles);
    }
    return roles;
  }
}
