/**
 * The ledger on a real anvil process: deployed with the dev key through the real deploy step,
 * with a few organisations as plain ethers Wallets (roles granted, balances set by
 * anvil_setBalance), and a writer that relays their signed events from the dev account.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { artifacts } from "hardhat";
import { JsonRpcProvider, toQuantity, Wallet, type HDNodeWallet } from "ethers";
import { ProvenanceLedger__factory, type ProvenanceLedger } from "../../../typechain-types";
import { ANVIL_DEV_KEY } from "../../../server/chain/anvil";
import { deployLedger, type Deployment } from "../../../server/chain/deploy-ledger";
import { ledgerDomain } from "../../../server/chain/typed-data";
import { LedgerWriter } from "./helpers";

export interface Orgs {
  producer: HDNodeWallet;
  processor: HDNodeWallet;
  carrier: HDNodeWallet;
  certifier: HDNodeWallet;
}

export interface AnvilLedger {
  provider: JsonRpcProvider;
  relayer: Wallet;
  deployment: Deployment;
  ledger: ProvenanceLedger;
  writer: LedgerWriter;
  orgs: Orgs;
}

/** Organisations with fresh keys; keep them to reconnect after an anvil restart. */
export function newOrgs(): Orgs {
  return {
    producer: Wallet.createRandom(),
    processor: Wallet.createRandom(),
    carrier: Wallet.createRandom(),
    certifier: Wallet.createRandom(),
  };
}

/**
 * A provider for the indexer and the tests: no 250 ms request cache (the indexer re-reads blocks
 * to see reorgs) and fast receipt polling.
 */
export function anvilProvider(rpcUrl: string): JsonRpcProvider {
  return new JsonRpcProvider(rpcUrl, 31337, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
}

/**
 * Deploys (or, with the same `deploymentsDir` on a chain that still has the code, reuses) the
 * ledger and grants the organisations their roles.
 */
export async function ledgerOnAnvil(
  rpcUrl: string,
  orgs: Orgs = newOrgs(),
  deploymentsDir = mkdtempSync(path.join(tmpdir(), "indexer-anvil-")),
): Promise<AnvilLedger> {
  const provider = anvilProvider(rpcUrl);
  const relayer = new Wallet(ANVIL_DEV_KEY, provider);
  for (const org of Object.values(orgs)) {
    await provider.send("anvil_setBalance", [org.address, toQuantity(10n ** 18n)]);
  }
  const deployment = await deployLedger({
    signer: relayer,
    artifact: await artifacts.readArtifact("ProvenanceLedger"),
    deploymentsDir,
    grants: [
      { role: "producer", account: orgs.producer.address },
      { role: "processor", account: orgs.processor.address },
      { role: "carrier", account: orgs.carrier.address },
      { role: "certifier", account: orgs.certifier.address },
    ],
  });
  const ledger = ProvenanceLedger__factory.connect(deployment.address, relayer);
  const writer = new LedgerWriter(ledger, ledgerDomain(deployment.chainId, deployment.address));
  return { provider, relayer, deployment, ledger, writer, orgs };
}
