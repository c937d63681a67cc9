/**
 * Deploys the ledger to the network Hardhat is pointed at (`--network`, the in-process one by
 * default), grants the initial roles and writes deployments/<chainId>.json. Safe to run twice.
 *
 *   ROLE_GRANTS="producer=0xabc…,certifier=0xdef…" npm run deploy -- --network external
 */
import { artifacts, ethers } from "hardhat";
import { ROLE_NAMES, type RoleName } from "../server/domain/event-kinds";
import { deployLedger, type RoleGrant } from "../server/chain/deploy-ledger";

export function parseRoleGrants(text: string | undefined): RoleGrant[] {
  if (!text?.trim()) return [];
  return text.split(",").map((entry) => {
    const [role, account] = entry.split("=").map((part) => part.trim());
    if (role !== "admin" && !ROLE_NAMES.includes(role as RoleName)) {
      throw new Error(`ROLE_GRANTS: unknown role "${role}" (one of admin, ${ROLE_NAMES.join(", ")})`);
    }
    if (!account || !ethers.isAddress(account)) throw new Error(`ROLE_GRANTS: "${account}" is not an address`);
    return { role: role as RoleGrant["role"], account: ethers.getAddress(account) };
  });
}

async function main(): Promise<void> {
  const [deployer] = await ethers.getSigners();
  const deployment = await deployLedger({
    signer: deployer,
    artifact: await artifacts.readArtifact("ProvenanceLedger"),
    deploymentsDir: process.env.DEPLOYMENTS_DIR ?? "deployments",
    grants: parseRoleGrants(process.env.ROLE_GRANTS),
    log: (message) => console.log(message),
  });
  console.log(JSON.stringify(deployment));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
