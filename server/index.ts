/**
 * `npm start`: reads the configuration, brings up the chain (the embedded anvil unless RPC_URL
 * names another), deploys the ledger on first run, opens the database, starts the relayer and
 * the indexer, listens, prints the URLs to open, and shuts everything down on SIGINT/SIGTERM.
 */
import path from "node:path";
import type { Server } from "node:http";
import { JsonRpcProvider, Wallet } from "ethers";
import pino from "pino";
import { loadConfig, type Config } from "./config";
import { ANVIL_DEV_KEY, ANVIL_RELAYER_KEY, startAnvil, type AnvilHandle } from "./chain/anvil";
import { deployLedger } from "./chain/deploy-ledger";
import { loadLedgerArtifact } from "./chain/ledger-artifact";
import { readOrCreateSecret } from "./keys/secret-files";
import { openDatabase } from "./store/database";
import { createGateway } from "./gateway";

export async function startProduct(config: Config) {
  const logger = pino({ level: config.logLevel });
  const started: { anvil?: AnvilHandle } = {};
  try {
    return await startParts(config, logger, started);
  } catch (error) {
    await started.anvil?.stop(); // never leave the embedded chain running behind a failed start
    throw error;
  }
}

async function startParts(config: Config, logger: pino.Logger, started: { anvil?: AnvilHandle }) {
  let anvil: AnvilHandle | undefined;
  let rpcUrl: string;
  let adminKey: string;
  let relayerKey: string;
  if (config.chain.kind === "embedded") {
    anvil = started.anvil = await startAnvil({
      port: config.chain.port,
      stateFile: config.chain.stateFile,
      stateInterval: config.chain.stateInterval,
    });
    rpcUrl = anvil.rpcUrl;
    adminKey = ANVIL_DEV_KEY;
    relayerKey = ANVIL_RELAYER_KEY;
    logger.info({ rpcUrl, state: config.chain.stateFile }, "embedded chain (anvil) started");
  } else {
    ({ rpcUrl, adminKey, relayerKey } = config.chain);
  }

  // Reads must not be cached: the relayer and the indexer decide on fresh answers.
  const provider = new JsonRpcProvider(rpcUrl, undefined, { cacheTimeout: -1, pollingInterval: 250 });
  const admin = new Wallet(adminKey, provider);
  const deployment = await deployLedger({
    signer: admin,
    artifact: loadLedgerArtifact(),
    deploymentsDir: path.join(config.dataDir, "deployments"),
    log: (message) => logger.info({ component: "deploy" }, message),
  });

  const adminToken = config.adminToken ?? firstRunSecret(path.join(config.dataDir, "admin-token"), "admin token");
  const masterSecret = config.masterSecret ?? readOrCreateSecret(path.join(config.dataDir, "master-secret")).value;
  const db = openDatabase(path.join(config.dataDir, "gateway.db"));
  const gateway = createGateway({
    db,
    provider,
    relayerWallet: new Wallet(relayerKey, provider),
    adminSigner: admin,
    deployment,
    adminToken,
    masterSecret,
    confirmations: config.chain.confirmations,
    relayer: config.relayer,
    indexer: config.indexer,
    publicBaseUrl: config.publicBaseUrl,
    web: config.web,
    logger,
  });
  gateway.start();

  const server: Server = await new Promise((resolve, reject) => {
    const listening = gateway.app.listen(config.port, config.host, () => resolve(listening));
    listening.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const base = `http://${config.host}:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info("shutting down");
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await gateway.stop();
      db.close();
      provider.destroy();
      await anvil?.stop();
    })());
  return { gateway, server, base, deployment, adminToken, stop, logger };
}

/** A secret made on first run and printed that once; later runs read it from its 0600 file. */
function firstRunSecret(file: string, name: string): string {
  const { value, created } = readOrCreateSecret(file);
  if (created) {
    console.log(`\n  Your ${name} (shown once; also kept in ${file}, mode 0600):\n\n    ${value}\n`);
  }
  return value;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const product = await startProduct(config);
  const { base, deployment } = product;
  console.log(
    [
      "",
      "  Provenance ledger gateway is running · 扶贫产品溯源账本已启动",
      `    Pages:          ${config.publicBaseUrl}/01/{gtin}/10/{lot} · ${config.publicBaseUrl}/p/{batchId}`,
      `    Console:        ${base}/console  (members: npm run cli -- member create --help)`,
      `    Programme view: ${base}/programme`,
      `    API:            ${base}/api/v1`,
      `    OpenAPI:        ${base}/api/v1/openapi.json`,
      `    Chain:          ${base}/api/v1/chain  (chain ${deployment.chainId}, ledger ${deployment.address})`,
      `    Health:         ${base}/healthz · ${base}/readyz`,
      "  Stop with Ctrl-C.",
      "",
    ].join("\n"),
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      product
        .stop()
        .then(() => process.exit(0))
        .catch((error) => {
          product.logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        });
    });
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
