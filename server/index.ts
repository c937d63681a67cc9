/**
 * `npm start`: reads the configuration, makes the data folder private, brings up the chain (the
 * embedded anvil with the folder's own keys unless RPC_URL names another), deploys the ledger on
 * first run, opens the database, starts the relayer and the indexer, listens, prints the URLs to
 * open, and shuts everything down on SIGINT/SIGTERM.
 */
import path from "node:path";
import type { Server } from "node:http";
import { JsonRpcProvider, Wallet, type JsonRpcApiProvider } from "ethers";
import pino from "pino";
import { loadConfig, type Config } from "./config";
import { startEmbeddedAnvil, type EmbeddedAnvilHandle } from "./chain/anvil";
import { deployLedger } from "./chain/deploy-ledger";
import { joinLedger } from "./chain/join-ledger";
import { fundOwnAccounts, retireDevAccounts } from "./chain/embedded-accounts";
import { IpcProvider } from "./chain/ipc-provider";
import { loadLedgerArtifact } from "./chain/ledger-artifact";
import { loadOrCreateChainKeys } from "./keys/chain-keys";
import { tightenDataDir } from "./keys/private-files";
import { readOrCreateSecret } from "./keys/secret-files";
import { openDatabase } from "./store/database";
import { createGateway } from "./gateway";
import { createHttpServer, listen } from "./web/http-server";

export async function startProduct(config: Config) {
  const logger = pino({ level: config.logLevel });
  // Whatever this process creates is private to the service, even a file some part forgets to
  // make so; the data folder's own files are also given their modes explicitly.
  process.umask(0o077);
  const started: { anvil?: EmbeddedAnvilHandle } = {};
  try {
    return await startParts(config, logger, started);
  } catch (error) {
    await started.anvil?.stop(); // never leave the embedded chain running behind a failed start
    throw error;
  }
}

async function startParts(config: Config, logger: pino.Logger, started: { anvil?: EmbeddedAnvilHandle }) {
  const tightened = tightenDataDir(config.dataDir);
  if (tightened.length > 0) {
    logger.warn(
      { dataDir: config.dataDir, changed: tightened.map((t) => `${path.relative(config.dataDir, t.path) || "."} (was ${t.was.toString(8)})`) },
      `made ${tightened.length} file(s) and folder(s) of the data folder private to the service (folders 0700, files 0600)`,
    );
  }
  const masterSecret = config.masterSecret ?? readOrCreateSecret(path.join(config.dataDir, "master-secret")).value;
  const deploymentsDir = path.join(config.dataDir, "deployments");

  let anvil: EmbeddedAnvilHandle | undefined;
  let provider: JsonRpcApiProvider;
  let admin: Wallet;
  let relayer: Wallet;
  if (config.chain.kind === "embedded") {
    const keys = await loadOrCreateChainKeys(config.chain.keysDir, masterSecret);
    if (keys.created.length > 0) {
      logger.info({ admin: keys.admin.address, relayer: keys.relayer.address, keys: config.chain.keysDir }, "made the embedded chain's own keys (encrypted with the master secret)");
    }
    anvil = started.anvil = await startEmbeddedAnvil({
      ipcPath: config.chain.ipcPath,
      stateFile: config.chain.stateFile,
      stateInterval: config.chain.stateInterval,
      isolation: config.chain.isolation,
      port: config.chain.port,
    });
    if (anvil.isolated) {
      logger.info({ ipc: anvil.ipcPath, state: config.chain.stateFile }, "embedded chain (anvil) started: its RPC is this socket alone, its TCP port in a private network namespace");
    } else {
      logger.warn(
        { ipc: anvil.ipcPath, rpcUrl: anvil.loopbackUrl },
        "embedded chain (anvil) started, but this system gives it no private network namespace: every local process can reach its RPC " +
          "on loopback, anvil's test methods (anvil_setStorageAt, anvil_impersonateAccount, evm_revert) included. Run it only on a machine " +
          "whose users you trust; a deployment points RPC_URL at the consortium's nodes",
      );
    }
    // Reads must not be cached: the relayer and the indexer decide on fresh answers.
    provider = new IpcProvider(anvil.ipcPath, undefined, { cacheTimeout: -1, pollingInterval: 250 });
    admin = keys.admin.connect(provider);
    relayer = keys.relayer.connect(provider);
    await fundOwnAccounts(provider, [admin.address, relayer.address]);
    await retireDevAccounts({ provider, deploymentsDir, admin, relayer, log: (message) => logger.warn({ component: "chain keys" }, message) });
  } else if (config.chain.kind === "read") {
    provider = new JsonRpcProvider(config.chain.rpcUrl, undefined, { cacheTimeout: -1, pollingInterval: 250 });
    // A read gateway holds no key of the deployment. These throwaway keys hold no role and no
    // funds; nothing reaches them, as every write is refused before it is planned or signed.
    admin = new Wallet(Wallet.createRandom().privateKey, provider);
    relayer = new Wallet(Wallet.createRandom().privateKey, provider);
  } else {
    provider = new JsonRpcProvider(config.chain.rpcUrl, undefined, { cacheTimeout: -1, pollingInterval: 250 });
    admin = new Wallet(config.chain.adminKey, provider);
    relayer = new Wallet(config.chain.relayerKey, provider);
  }

  const deployment =
    config.chain.kind === "read"
      ? await joinLedger(provider, config.chain.ledgerAddress, config.chain.deployBlock)
      : await deployLedger({
          signer: admin,
          artifact: loadLedgerArtifact(),
          deploymentsDir,
          log: (message) => logger.info({ component: "deploy" }, message),
        });
  if (config.chain.kind === "read") {
    logger.info(
      { ledger: deployment.address, chainId: deployment.chainId, deployBlock: deployment.deployBlock, peers: config.peers },
      "a read gateway: it indexes the ledger from the chain, fetches details from its peers (each checked against the chain) and takes no writes",
    );
  }

  const adminToken = config.adminToken ?? firstRunSecret(path.join(config.dataDir, "admin-token"), "admin token");
  const db = openDatabase(path.join(config.dataDir, "gateway.db"));
  const gateway = createGateway({
    db,
    provider,
    relayerWallet: relayer,
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
    limits: config.limits,
    uploadDir: path.join(config.dataDir, "uploads"),
    readOnly: config.chain.kind === "read" ? { writeGatewayUrl: config.chain.writeGatewayUrl } : undefined,
    peers: config.peers,
    detailSyncIntervalMs: config.chain.kind === "read" ? config.chain.detailSyncIntervalMs : undefined,
  });
  gateway.start();

  // Slow or silent clients are cut off (config.timeouts): headers, whole request, keep-alive, idle.
  const server: Server = await listen(createHttpServer(gateway.app, config.timeouts), config.port, config.host);
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
