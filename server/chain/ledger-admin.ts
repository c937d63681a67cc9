/**
 * The admin's transactions on the ledger: granting roles to organisations. They come from the
 * admin key, never from the relayer's, so the relayer's nonces stay its own; grants are sent
 * one at a time because an automining node refuses nonce gaps.
 */
import { Contract, type Signer } from "ethers";
import type { RoleName } from "../domain/event-kinds";
import { roleId } from "./roles";

const ABI = [
  "function grantRole(bytes32 role, address account)",
  "function hasRole(bytes32 role, address account) view returns (bool)",
];

export class LedgerAdmin {
  private readonly ledger: Contract;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(address: string, admin: Signer) {
    this.ledger = new Contract(address, ABI, admin);
  }

  /** Grants `role` to `account` unless it holds it already; resolves once mined. */
  grantRole(role: RoleName, account: string): Promise<string | null> {
    const grant = this.queue.then(async () => {
      if (await this.ledger.hasRole(roleId(role), account)) return null;
      const tx = await this.ledger.grantRole(roleId(role), account);
      const receipt = await tx.wait();
      if (!receipt || receipt.status !== 1) throw new Error(`granting ${role} to ${account} failed (${tx.hash})`);
      return tx.hash as string;
    });
    this.queue = grant.catch(() => undefined);
    return grant;
  }
}
