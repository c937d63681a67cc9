/**
 * Who holds power on the embedded chain: only the data folder's own admin and relayer keys
 * (server/keys/chain-keys.ts) are funded, and anvil's public development accounts hold neither a
 * role on the ledger nor a balance.
 *
 * A data folder made by an earlier version has a ledger whose admin is anvil's first public
 * development key (0xf39F…2266, in every Foundry tutorial) and a relayer that is its second. On
 * the first start with generated keys it is moved over, automatically and once:
 *   1. the public admin key grants the admin role to the folder's own admin key;
 *   2. the own admin key revokes every role that any public development account holds;
 *   3. the own relayer account is brought to the public relayer's nonce with empty transfers to
 *      itself, so the relayer's nonce bookkeeping (chain_txs) goes on where it stopped;
 *   4. the public accounts' balances are set to zero;
 *   5. deployments/<chainId>.json names the new admin and keeps the old one in `formerAdmins`
 *      (its earlier corrections and recalls stay the admin's in the ledger's history).
 * Each step checks the chain first, so a start interrupted half-way finishes the move next time.
 */
import path from "node:path";
import { HDNodeWallet, Interface, parseEther, toQuantity, type JsonRpcApiProvider, type Wallet } from "ethers";
import { ROLE_NAMES, type RoleName } from "../domain/event-kinds";
import { ANVIL_DEV_MNEMONIC } from "./anvil";
import { readDeployment, writeDeployment } from "./deploy-ledger";
import { decodeHasRole, encodeGrantRole, encodeHasRole } from "./ledger-calls";
import { roleId } from "./roles";

/** What the gateway's own accounts are given, and the balance below which they are topped up at start. */
const FUNDS = parseEther("10000");
const TOP_UP_BELOW = parseEther("1000");
/** anvil derives ten public development accounts by default. */
const DEV_ACCOUNT_COUNT = 10;
const EVERY_ROLE: ReadonlyArray<RoleName | "admin"> = ["admin", ...ROLE_NAMES];

const accessControl = new Interface(["function revokeRole(bytes32 role, address account)"]);

/** anvil's public development accounts (address and key), in its order. */
export function devAccounts(): HDNodeWallet[] {
  return Array.from({ length: DEV_ACCOUNT_COUNT }, (_, i) => HDNodeWallet.fromPhrase(ANVIL_DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`));
}

/** Tops up each of `addresses` to 10,000 ETH when it holds less than 1,000 (anvil_setBalance). */
export async function fundOwnAccounts(provider: JsonRpcApiProvider, addresses: readonly string[]): Promise<void> {
  for (const address of addresses) {
    if ((await provider.getBalance(address)) < TOP_UP_BELOW) await provider.send("anvil_setBalance", [address, toQuantity(FUNDS)]);
  }
}

export interface RetireOptions {
  provider: JsonRpcApiProvider;
  deploymentsDir: string;
  /** The data folder's own keys, connected to `provider`. */
  admin: Wallet;
  relayer: Wallet;
  log: (message: string) => void;
}

/** Takes every power anvil's public development accounts hold on the embedded chain away (see the top of the file). */
export async function retireDevAccounts(options: RetireOptions): Promise<void> {
  const { provider, admin, relayer, log } = options;
  const dev = devAccounts();
  const chainId = Number((await provider.getNetwork()).chainId);
  const file = path.join(options.deploymentsDir, `${chainId}.json`);
  const deployment = readDeployment(file);
  const ledger = deployment && (await provider.getCode(deployment.address)) !== "0x" ? deployment.address : undefined;

  if (deployment && ledger) {
    const hasRole = async (role: RoleName | "admin", account: string) =>
      decodeHasRole(await provider.call({ to: ledger, data: encodeHasRole(role, account) }));
    const held: Array<{ role: RoleName | "admin"; account: string }> = [];
    for (const account of dev) for (const role of EVERY_ROLE) if (await hasRole(role, account.address)) held.push({ role, account: account.address });

    if (!(await hasRole("admin", admin.address))) {
      const granter = dev.find((account) => held.some((h) => h.role === "admin" && h.account === account.address));
      if (!granter) {
        throw new Error(
          `the ledger at ${ledger} is administered by ${deployment.admin}, not by this data folder's admin key ${admin.address} ` +
            `(${path.join(path.dirname(options.deploymentsDir), "keys", "admin.json")}): restore the keys/ folder this ledger was made with, ` +
            "or move chain.json* and deployments/ aside to start a new ledger",
        );
      }
      log(`the ledger's admin is anvil's public development key ${granter.address}: moving the ledger to this data folder's own admin key ${admin.address}`);
      const tx = await granter.connect(provider).sendTransaction({ to: ledger, data: encodeGrantRole("admin", admin.address) });
      await mined(tx.wait(), `granting the admin role to ${admin.address}`);
      log(`granted the admin role to ${admin.address} (transaction ${tx.hash})`);
    }
    for (const { role, account } of held) {
      const tx = await admin.sendTransaction({ to: ledger, data: accessControl.encodeFunctionData("revokeRole", [roleId(role), account]) });
      await mined(tx.wait(), `revoking ${role} from ${account}`);
      log(`revoked the ${role} role of anvil's public development account ${account} (transaction ${tx.hash})`);
    }
    if (deployment.admin !== admin.address) {
      writeDeployment(file, {
        ...deployment,
        admin: admin.address,
        formerAdmins: [...(deployment.formerAdmins ?? []), deployment.admin].filter((a, i, all) => all.indexOf(a) === i),
      });
      log(`${file} now names ${admin.address} as the ledger's admin (${deployment.admin} kept as a former admin)`);
    }
  }

  await catchUpRelayerNonce(provider, dev[1].address, relayer, log);
  for (const account of dev) {
    if ((await provider.getBalance(account.address)) > 0n) await provider.send("anvil_setBalance", [account.address, "0x0"]);
  }
}

/**
 * The relayer keeps its nonces in SQLite and expects the chain's nonce of its account to continue
 * them; a folder whose relayer was the public development account hands over to its own relayer
 * at that account's nonce, reached with empty transfers (one block each on anvil).
 */
async function catchUpRelayerNonce(provider: JsonRpcApiProvider, formerRelayer: string, relayer: Wallet, log: (message: string) => void) {
  const target = await provider.getTransactionCount(formerRelayer, "latest");
  let nonce = await provider.getTransactionCount(relayer.address, "latest");
  if (nonce >= target) return;
  log(`bringing this data folder's relayer ${relayer.address} to nonce ${target}, where anvil's public relayer account stopped`);
  const fees = await provider.getFeeData();
  let last: Promise<unknown> = Promise.resolve();
  for (; nonce < target; nonce++) {
    const tx = await relayer.sendTransaction({
      to: relayer.address,
      value: 0n,
      nonce,
      gasLimit: 21_000n,
      maxFeePerGas: (fees.maxFeePerGas ?? parseEther("0.00000001")) * 2n,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas ?? 1n,
    });
    last = tx.wait();
  }
  await mined(last, `bringing the relayer to nonce ${target}`);
}

async function mined(wait: Promise<unknown>, what: string): Promise<void> {
  const receipt = (await wait) as { status?: number | null } | null;
  if (!receipt || receipt.status !== 1) throw new Error(`${what} failed on the embedded chain`);
}
