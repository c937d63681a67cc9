/**
 * Whether an organisation still holds its role on the ledger, checked where writes are accepted
 * (custodial writes, the programme office's, self-signed ones at prepare and at submit) before
 * anything is signed or stored.
 *
 * Two sources, reconciled: the gateway granted each organisation its role itself when it made
 * it (OrgService), and the indexer reads back every RoleGranted and RoleRevoked of the ledger
 * (store/role-index.ts). Once the index has seen a change of the organisation's role for its
 * address, the latest one is the truth, whoever made it (the admin revoking it on chain with any
 * tool, or granting it again); before that — the grant is not yet indexed — the gateway's own
 * grant stands.
 */
import { roleId } from "../chain/roles";
import { DomainError } from "../domain/errors";
import type { OrgRole } from "../domain/event-kinds";
import type { RoleStanding } from "../store/role-index";

export interface RoleSource {
  /** The latest indexed change of `role` (its id) for `account`; undefined when the index has seen none. */
  standing(account: string, role: string): RoleStanding | undefined;
}

export class RoleGuard {
  constructor(private readonly roles: RoleSource) {}

  /** Throws a 403 naming the organisation when the chain revoked its role. */
  assertHeld(org: { name: string; role: OrgRole; address: string }): void {
    const standing = this.roles.standing(org.address, roleId(org.role));
    if (!standing || standing.granted) return;
    const where = `block ${standing.blockNumber}, transaction ${standing.txHash}`;
    throw new DomainError("forbidden", `${org.name} (${org.address}) no longer holds the ${org.role} role: the ledger's admin revoked it on chain (${where})`, [
      {
        field: "organisation",
        message: `${org.name} no longer holds the ${org.role} role on the ledger: revoked on chain (${where}); nothing was signed or recorded`,
        zh: `${org.name} 在账本上的 ${org.role} 角色已被链上撤销（${where}），本次写入未签名、未记录`,
      },
    ]);
  }
}
