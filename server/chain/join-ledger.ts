/**
 * A read gateway joins a ledger that another gateway deployed: it is given the address and the
 * deploy block, checks that a ledger of its version is there, and learns the ledger's admins
 * (whose corrections and recalls the rules accept) from the chain's own role logs.
 */
import { Interface, ZeroHash, getAddress, type Provider } from "ethers";
import { decodeLedgerVersion, encodeLedgerVersion } from "./ledger-calls";
import { LEDGER_VERSION, type Deployment } from "./deploy-ledger";
import { ROLE_EVENTS_ABI, decodeRoleLogs } from "./ledger-events";

const roleEvents = new Interface(ROLE_EVENTS_ABI);

export async function joinLedger(provider: Provider, address: string, deployBlock: number): Promise<Deployment> {
  const ledger = getAddress(address);
  const chainId = Number((await provider.getNetwork()).chainId);
  if ((await provider.getCode(ledger)) === "0x") throw new Error(`LEDGER_ADDRESS: no contract at ${ledger} on chain ${chainId}`);
  let version = 1n;
  try {
    version = decodeLedgerVersion(await provider.call({ to: ledger, data: encodeLedgerVersion() }));
  } catch {
    // a ledger from before ledgerVersion(): version 1
  }
  if (version !== LEDGER_VERSION) throw new Error(`LEDGER_ADDRESS: the ledger at ${ledger} is version ${version}; this gateway reads version ${LEDGER_VERSION}`);
  const logs = await provider.getLogs({
    address: ledger,
    fromBlock: deployBlock,
    toBlock: "latest",
    topics: [[roleEvents.getEvent("RoleGranted")!.topicHash, roleEvents.getEvent("RoleRevoked")!.topicHash], ZeroHash],
  });
  const admins: string[] = [];
  const current = new Set<string>();
  for (const log of decodeRoleLogs(logs, ledger)) {
    if (log.type === "RoleGranted") {
      if (!admins.includes(log.account)) admins.push(log.account);
      current.add(log.account);
    } else {
      current.delete(log.account);
    }
  }
  if (admins.length === 0) throw new Error(`LEDGER_ADDRESS: no admin was ever granted on ${ledger} from block ${deployBlock}: is LEDGER_DEPLOY_BLOCK right?`);
  const admin = [...current].pop() ?? admins[admins.length - 1];
  return { address: ledger, chainId, deployBlock, transactionHash: "", admin, formerAdmins: admins.filter((a) => a !== admin) };
}
