/**
 * Deploys the ledger once per chain and grants the initial roles. Safe to run twice: a
 * deployment recorded in `<deploymentsDir>/<chainId>.json` whose code is still on chain is
 * reused, and a role already held is not granted again. Every transaction hash is logged.
 *
 * A data folder that holds events of its ledger is never given a new one: when the chain no
 * longer has the recorded ledger (its state lost, another chain behind RPC_URL) or the record is
 * gone, a new deployment would leave those events pointing at nothing, so the start is refused
 * with what to do. A folder that holds no events may still deploy anew.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ContractFactory, type InterfaceAbi, type Signer } from "ethers";
import type { RoleName } from "../domain/event-kinds";
import { writePrivateFile } from "../keys/private-files";
import { decodeHasRole, decodeLedgerVersion, encodeGrantRole, encodeHasRole, encodeLedgerVersion } from "./ledger-calls";

export interface Deployment {
  address: string;
  chainId: number;
  deployBlock: number;
  transactionHash: string;
  admin: string;
  /**
   * Admins before `admin`, oldest first: their events in the ledger's history were signed while
   * they held the admin role (e.g. anvil's public development key, before a data folder made
   * by an earlier version moved the ledger to its own key).
   */
  formerAdmins?: string[];
}

export interface RoleGrant {
  role: RoleName | "admin";
  account: string;
}

export interface DeployLedgerOptions {
  signer: Signer;
  artifact: { abi: InterfaceAbi; bytecode: string };
  deploymentsDir: string;
  /** The ledger's first admin; the deploying account by default. */
  admin?: string;
  /** How many events of the recorded ledger the data folder holds (its send queue); 0 where there is no data folder. */
  heldEvents?: number;
  grants?: RoleGrant[];
  log?: (message: string) => void;
}

export async function deployLedger(options: DeployLedgerOptions): Promise<Deployment> {
  const { signer, artifact, deploymentsDir, grants = [], log = () => {} } = options;
  const provider = signer.provider;
  if (!provider) throw new Error("the deploying signer has no provider");
  const chainId = Number((await provider.getNetwork()).chainId);
  const file = path.join(deploymentsDir, `${chainId}.json`);

  let deployment = readDeployment(file);
  if (deployment && (await provider.getCode(deployment.address)) !== "0x") {
    await assertLedgerVersion(signer, deployment.address, file);
    log(`ProvenanceLedger already deployed on chain ${chainId} at ${deployment.address}`);
  } else {
    const held = options.heldEvents ?? 0;
    if (held > 0) throw new Error(ledgerLostMessage(file, chainId, deployment, held));
    if (deployment) log(`no code at the recorded address ${deployment.address}: the chain was reset and this data folder holds no events, deploying anew`);
    const admin = options.admin ?? (await signer.getAddress());
    const contract = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy(admin);
    const tx = contract.deploymentTransaction();
    if (!tx) throw new Error("the deployment sent no transaction");
    log(`deploying ProvenanceLedger: transaction ${tx.hash}`);
    const receipt = await tx.wait();
    if (!receipt || receipt.status !== 1) throw new Error(`deployment transaction ${tx.hash} failed`);
    deployment = {
      address: await contract.getAddress(),
      chainId,
      deployBlock: receipt.blockNumber,
      transactionHash: tx.hash,
      admin,
    };
    writeDeployment(file, deployment);
    log(`ProvenanceLedger deployed at ${deployment.address} in block ${deployment.deployBlock}; recorded in ${file}`);
  }

  const to = deployment.address;
  for (const grant of grants) {
    if (decodeHasRole(await signer.call({ to, data: encodeHasRole(grant.role, grant.account) }))) {
      log(`${grant.account} already holds ${grant.role}`);
      continue;
    }
    const tx = await signer.sendTransaction({ to, data: encodeGrantRole(grant.role, grant.account) });
    log(`granting ${grant.role} to ${grant.account}: transaction ${tx.hash}`);
    await tx.wait();
  }
  return deployment;
}

/** Why a start that would replace the folder's ledger is refused, and what to do instead. */
function ledgerLostMessage(file: string, chainId: number, deployment: Deployment | undefined, held: number): string {
  const dataDir = path.dirname(path.dirname(file));
  const what = deployment
    ? `chain ${chainId} has no code at the ledger recorded in ${file} (${deployment.address}, deployed in block ${deployment.deployBlock})`
    : `there is no record of this data folder's ledger on chain ${chainId} (${file} is missing)`;
  return (
    `${what}, but the data folder ${dataDir} holds ${held} event(s) of ${deployment ? "that ledger" : "a ledger"}. ` +
    "Deploying a new ledger would leave them pointing at nothing, so the gateway does not start. " +
    (deployment
      ? `Restore the chain's state: on the embedded chain put back ${path.join(dataDir, "chain.json")} (or chain.json.previous) from a copy, ` +
        "or with RPC_URL point at the chain that holds that ledger. "
      : `Restore ${file} from a copy of the data folder, or with RPC_URL point at the chain that holds its ledger. `) +
    "Or start a new programme on a new, empty data folder (another DATA_DIR)."
  );
}

/** The ledger version this gateway speaks (heads that commit to custody); see IProvenanceLedger.ledgerVersion. */
export const LEDGER_VERSION = 2n;

/**
 * Refuses a recorded deployment of another ledger version: its heads are computed otherwise, so
 * nothing this gateway signs would be accepted there, nor anything it indexes read right.
 */
async function assertLedgerVersion(signer: Signer, address: string, file: string): Promise<void> {
  let version = 1n; // ledgers from before ledgerVersion() answer nothing
  try {
    version = decodeLedgerVersion(await signer.call({ to: address, data: encodeLedgerVersion() }));
  } catch {
    // no such function: version 1
  }
  if (version !== LEDGER_VERSION) {
    throw new Error(
      `the ledger recorded in ${file} (${address}) is version ${version}; this gateway needs version ${LEDGER_VERSION}, ` +
        `whose heads commit to who holds each batch. Keep that data folder for its history and start on a new one ` +
        `(or point DATA_DIR elsewhere): the new ledger is deployed on first start.`,
    );
  }
}

export function readDeployment(file: string): Deployment | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as Deployment;
}

/** Written to a temporary file and renamed (0600 in a 0700 folder), so a crash never leaves half a record. */
export function writeDeployment(file: string, deployment: Deployment): void {
  writePrivateFile(file, `${JSON.stringify(deployment, null, 2)}\n`);
}
