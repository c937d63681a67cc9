/**
 * `npm run reindex [-- --bundle FILE]`: rebuilds the gateway's index (the idx_ tables) from the
 * chain, with the same settings as `npm start`, then fills in the details the chain holds hashes
 * of and this data folder lacks (a lost gateway.db, a new read gateway): from the bundle file,
 * then from PEER_URLS. Each is checked against its on-chain hash before it is kept; a detail that
 * fails is refused and reported. It takes the data folder's lock, so it refuses to run while a
 * gateway runs on the folder (its own indexer must not interleave), naming that gateway's process.
 * On the embedded chain it starts anvil from the data folder's state for the duration.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { JsonRpcProvider, type JsonRpcApiProvider } from "ethers";
import { joinLedger } from "./chain/join-ledger";
import { DetailFeedReads } from "./store/detail-feed-reads";
import { DetailRefusals } from "./store/detail-refusals";
import { EventDetails } from "./store/event-details";
import { OrgRepository } from "./store/org-repository";
import { PhotoRepository } from "./store/photo-repository";
import { DetailIntake, type IntakeReport } from "./services/open-ledger/detail-intake";
import { takeBundle } from "./services/open-ledger/bundle-intake";
import { PeerDetails } from "./services/open-ledger/peer-details";
import { loadConfig } from "./config";
import { lockDataFolder } from "./keys/data-folder-lock";
import { makePrivateDir } from "./keys/private-files";
import { startEmbeddedAnvil, type EmbeddedAnvilHandle } from "./chain/anvil";
import { IpcProvider } from "./chain/ipc-provider";
import { readDeployment } from "./chain/deploy-ledger";
import { keptLogsFrom } from "./chain/finality";
import { rebuildIndex } from "./workers/indexer";
import { openDatabase } from "./store/database";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { bundle: { type: "string" } }, allowPositionals: false });
  const config = loadConfig();
  process.umask(0o077); // as npm start: what this creates in the data folder is private
  makePrivateDir(config.dataDir);
  const lock = lockDataFolder(config.dataDir, "npm run reindex");
  if (lock.tookOverFrom) console.log(`took over the data folder's lock from process ${lock.tookOverFrom.pid} (${lock.tookOverFrom.purpose}), which is gone`);
  let anvil: EmbeddedAnvilHandle | undefined;
  try {
    let provider: JsonRpcApiProvider;
    if (config.chain.kind === "embedded") {
      const { ipcPath, stateFile, stateInterval, isolation, port, keepBlocks } = config.chain;
      anvil = await startEmbeddedAnvil({ ipcPath, stateFile, stateInterval, isolation, port, keepBlocks });
      provider = new IpcProvider(anvil.ipcPath, undefined, { cacheTimeout: -1 });
    } else {
      provider = new JsonRpcProvider(config.chain.rpcUrl, undefined, { cacheTimeout: -1 });
    }
    const chainId = Number((await provider.getNetwork()).chainId);
    const deployment =
      config.chain.kind === "read"
        ? await joinLedger(provider, config.chain.ledgerAddress, config.chain.deployBlock)
        : readDeployment(path.join(config.dataDir, "deployments", `${chainId}.json`));
    if (!deployment) throw new Error(`no deployment on chain ${chainId} in ${config.dataDir}: run npm start first`);
    const db = openDatabase(path.join(config.dataDir, "gateway.db"));
    const started = Date.now();
    const result = await rebuildIndex(db, provider, deployment.address, deployment.deployBlock, {
      confirmations: config.chain.confirmations,
      ...(config.chain.kind === "embedded" && { historyFrom: keptLogsFrom(config.chain.keepBlocks) }),
      log: (message) => console.log(message),
    });
    const counts = db.prepare(`SELECT (SELECT count(*) FROM idx_batches) AS batches, (SELECT count(*) FROM idx_events) AS events`).get();
    console.log(`index rebuilt to block ${result.to} in ${Date.now() - started} ms: ${JSON.stringify(counts)}`);

    const feed = new DetailFeedReads(db);
    const refusals = new DetailRefusals(db);
    const intake = new DetailIntake(new EventDetails(db), feed, new OrgRepository(db), new PhotoRepository(db), (hash, source, reason) =>
      refusals.record(hash, source, reason),
    );
    const transaction = (work: () => void) => db.transaction(work)();
    if (values.bundle) {
      const report = await takeBundle(path.resolve(values.bundle), deployment, intake, transaction);
      printReport(`from ${values.bundle}`, report);
    }
    if (config.peers.length > 0 && feed.counts().missing > 0) {
      const peers = new PeerDetails({ peers: config.peers, intake, feed, transaction, log: (message) => console.log(`  ${message}`) });
      printReport(`from ${config.peers.join(", ")}`, await peers.fill());
    }
    const { onChain, missing } = feed.counts();
    console.log(`details: ${onChain - missing} of the ${onChain} the chain holds hashes of are here${missing ? `; ${missing} missing (give --bundle or PEER_URLS)` : ""}`);
    db.close();
    provider.destroy();
  } finally {
    await anvil?.stop();
    lock.release();
  }
}

function printReport(source: string, report: IntakeReport): void {
  console.log(`details and photos ${source}: ${report.kept} kept, ${report.known} already here, ${report.refused.length} refused, ${report.unreferenced} not on chain (ignored)`);
  for (const refusal of report.refused) console.log(`  refused ${refusal.hash} from ${refusal.source}: ${refusal.reason}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
