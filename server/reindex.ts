/**
 * `npm run reindex`: rebuilds the gateway's index (the idx_ tables) from the chain, with the
 * same settings as `npm start`. Stop the gateway first: its own indexer must not interleave.
 * On the embedded chain it starts anvil from the data folder's state for the duration.
 */
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { loadConfig } from "./config";
import { startAnvil, type AnvilHandle } from "./chain/anvil";
import { readDeployment } from "./chain/deploy-ledger";
import { rebuildIndex } from "./workers/indexer";
import { openDatabase } from "./store/database";

async function main(): Promise<void> {
  const config = loadConfig();
  let anvil: AnvilHandle | undefined;
  try {
    let rpcUrl: string;
    if (config.chain.kind === "embedded") {
      anvil = await startAnvil({ port: config.chain.port, stateFile: config.chain.stateFile, stateInterval: config.chain.stateInterval });
      rpcUrl = anvil.rpcUrl;
    } else {
      rpcUrl = config.chain.rpcUrl;
    }
    const provider = new JsonRpcProvider(rpcUrl, undefined, { cacheTimeout: -1 });
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
