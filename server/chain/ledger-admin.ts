/**
 * The admin key's transactions on the ledger: role grants for organisations, and the relay of
 * certification writes. They never come from the relayer's key, so the relayer's nonces stay
 * its own; they are sent one at a time because an automining node refuses nonce gaps.
 */
import { Contract, type InterfaceAbi, type Signer } from "ethers";
import type { RoleName } from "../domain/event-kinds";
import { decodeHasRole, encodeGrantRole, encodeHasRole } from "./ledger-calls";

export class LedgerAdmin {
  readonly ledger: Contract;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly address: string,
    abi: InterfaceAbi,
    private readonly admin: Signer,
  ) {
    this.ledger = new Contract(address, abi, admin);
  }

  /** Runs `send` after every send queued before it has been handed to the node. */
  serialize<T>(send: () => Promise<T>): Promise<T> {
    const result = this.queue.then(send);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Grants `role` to `account` unless it holds it already; resolves once mined. */
  async grantRole(role: RoleName, account: string): Promise<string | null> {
    if (decodeHasRole(await this.admin.call({ to: this.address, data: encodeHasRole(role, account) }))) return null;
    const tx = await this.serialize(() => this.admin.sendTransaction({ to: this.address, data: encodeGrantRole(role, account) }));
    const receipt = await tx.wait();
    if (!receipt || receipt.status !== 1) throw new Error(`granting ${role} to ${account} failed (${tx.hash})`);
    return tx.hash;
  }
}
