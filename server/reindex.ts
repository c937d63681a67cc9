/**
 * `npm run reindex`: rebuilds the gateway's index (the idx_ tables) from the chain, with the
 * same settings as `npm start`. Stop the gateway first: its own indexer must not interleave.
 * On the embedded chain it starts anvil from the data folder's state for the duration.
 */
import path from "node:path";
import { JsonRpcProvider, type JsonRpcApiProvider } from "ethers";
import { loadConfig } from "./config";
import { startEmbeddedAnvil, type EmbeddedAnvilHandle } from "./chain/anvil";
import { IpcProvider } from "./chain/ipc-provider";
import { readDeployment } from "./chain/deploy-ledger";
import { rebuildIndex } from "./workers/indexer";
import { openDatabase } from "./store/database";

async function main(): Promise<void> {
  const config = loadConfig();
  process.umask(0o077); // as npm start: what this creates in the data folder is private
  let anvil: EmbeddedAnvilHandle | undefined;
  try {
    let provider: JsonRpcApiProvider;
    if (config.chain.kind === "embedded") {
      const { ipcPath, stateFile, stateInterval, isolation, port } = config.chain;
      anvil = await startEmbeddedAnvil({ ipcPath, stateFile, stateInterval, isolation, port });
      provider = new IpcProvider(anvil.ipcPath, undefined, { cacheTimeout: -1 });
    } else {
      provider = new JsonRpcProvider(config.chain.rpcUrl, undefined, { cacheTimeout: -1 });
    }
    const chainId = Number((await provider.getNetwork()).chainId);
    const deployment = readDeployment(path.join(config.dataDir, "deployments", `${chainId}.json`));
    if (!deployment) throw new Error(`no deployment on chain ${chainId} in ${config.dataDir}: run npm start first`);
    const db = openDatabase(path.join(config.dataDir, "gateway.db"));
    const started = Date.now();
    const result = await rebuildIndex(db, provider, deployment.address, deployment.deployBlock, {
      confirmations: config.chain.confirmations,
      log: (message) => console.log(message),
    });
    const counts = db.prepare(`SELECT (SELECT count(*) FROM idx_batches) AS batches, (SELECT count(*) FROM idx_events) AS events`).get();
    console.log(`index rebuilt to block ${result.to} in ${Date.now() - started} ms: ${JSON.stringify(counts)}`);
    db.close();
    provider.destroy();
  } finally {
    await anvil?.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
