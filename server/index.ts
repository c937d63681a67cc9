/**
 * `npm start`: reads the configuration, takes the data folder's lock (one folder, one gateway),
 * makes the folder private, brings up the chain (the embedded anvil with the folder's own keys,
 * kept running by its supervisor, unless RPC_URL names another), opens the database, deploys the
 * ledger on first run, starts the relayer and the indexer, listens, prints the URLs to open, and
 * shuts everything down on SIGINT/SIGTERM.
 */
import path from "node:path";
import type { Server } from "node:http";
import { JsonRpcProvider, Wallet, type JsonRpcApiProvider } from "ethers";
import pino from "pino";
import { collectDefaultMetrics } from "prom-client";
import { loadConfig, type Config } from "./config";
import { superviseEmbeddedAnvil, type SupervisedAnvil } from "./chain/anvil-supervisor";
import { deployLedger } from "./chain/deploy-ledger";
import { keptLogsFrom, savedStateFinality } from "./chain/finality";
import { joinLedger } from "./chain/join-ledger";
import { fundOwnAccounts, retireDevAccounts } from "./chain/embedded-accounts";
import { IpcProvider } from "./chain/ipc-provider";
import { loadLedgerArtifact } from "./chain/ledger-artifact";
import { loadOrCreateChainKeys } from "./keys/chain-keys";
import { lockDataFolder } from "./keys/data-folder-lock";
import { makePrivateDir, tightenDataDir } from "./keys/private-files";
import { readOrCreateSecret } from "./keys/secret-files";
import { openDatabase, type Db } from "./store/database";
import { OutboxRepository } from "./store/outbox-repository";
import { createGateway, type Gateway } from "./gateway";
import { capacityWarnings } from "./services/operations/readiness";
import { closeGracefully, createHttpServer, listen } from "./web/http-server";
import { loopbackWarning } from "./web/loopback-warning";

export async function startProduct(config: Config) {
  const logger = pino({ level: config.logLevel });
  // Whatever this process creates is private to the service, even a file some part forgets to
  // make so; the data folder's own files are also given their modes explicitly.
  process.umask(0o077);
  // Before anything else touches the folder: a second gateway on it refuses here, naming the first.
  makePrivateDir(config.dataDir);
  const lock = lockDataFolder(config.dataDir, "npm start");
  if (lock.tookOverFrom) {
    const { pid, purpose, startedAt } = lock.tookOverFrom;
    logger.warn({ lock: lock.file }, `took over the data folder's lock from process ${pid} (${purpose}, started ${startedAt}), which is gone`);
  }
  const started: Started = {};
  try {
    const product = await startParts(config, logger, started);
    return { ...product, stop: () => product.stop().finally(() => lock.release()) };
  } catch (error) {
    await started.anvil?.stop(); // never leave the embedded chain running behind a failed start
    started.db?.close();
    lock.release();
    throw error;
  }
}

/** What a failed start must close again. */
interface Started {
  anvil?: SupervisedAnvil;
  db?: Db;
}

async function startParts(config: Config, logger: pino.Logger, started: Started) {
  const tightened = tightenDataDir(config.dataDir);
  if (tightened.length > 0) {
    logger.warn(
      { dataDir: config.dataDir, changed: tightened.map((t) => `${path.relative(config.dataDir, t.path) || "."} (was ${t.was.toString(8)})`) },
      `made ${tightened.length} file(s) and folder(s) of the data folder private to the service (folders 0700, files 0600)`,
    );
  }
  const masterSecret = config.masterSecret ?? readOrCreateSecret(path.join(config.dataDir, "master-secret")).value;
  const deploymentsDir = path.join(config.dataDir, "deployments");

  let anvil: SupervisedAnvil | undefined;
  let gatewayRef: Gateway | undefined;
  let provider: JsonRpcApiProvider;
  let admin: Wallet;
  let relayer: Wallet;
  if (config.chain.kind === "embedded") {
    const keys = await loadOrCreateChainKeys(config.chain.keysDir, masterSecret);
    if (keys.created.length > 0) {
      logger.info({ admin: keys.admin.address, relayer: keys.relayer.address, keys: config.chain.keysDir }, "made the embedded chain's own keys (encrypted with the master secret)");
    }
    const chainLog = logger.child({ component: "chain" });
    // Restarted with back-off when it dies; its state goes to /readyz and /metrics (chainProcess).
    anvil = started.anvil = await superviseEmbeddedAnvil({
      anvil: {
        ipcPath: config.chain.ipcPath,
        stateFile: config.chain.stateFile,
        stateInterval: config.chain.stateInterval,
        keepBlocks: config.chain.keepBlocks,
        isolation: config.chain.isolation,
        port: config.chain.port,
        // More blocks are final: the gateway confirms and indexes them at once.
        onSaved: () => gatewayRef?.chainSaved(),
        log: (line) => chainLog.warn(line),
      },
      log: { info: (m) => chainLog.info(m), warn: (m) => chainLog.warn(m), error: (m) => chainLog.error(m) },
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

  const db = (started.db = openDatabase(path.join(config.dataDir, "gateway.db")));
  const deployment =
    config.chain.kind === "read"
      ? await joinLedger(provider, config.chain.ledgerAddress, config.chain.deployBlock)
      : await deployLedger({
          signer: admin,
          artifact: loadLedgerArtifact(),
          deploymentsDir,
          // A chain that lost the ledger is not given a new one while the folder holds events of the old.
          heldEvents: Object.values(new OutboxRepository(db).countByStatus()).reduce((sum, n) => sum + n, 0),
          log: (message) => logger.info({ component: "deploy" }, message),
        });
  // The deployment is on disk before the first write: a restarted anvil always finds the ledger.
  await anvil?.snapshot();
  if (config.chain.kind === "read") {
    logger.info(
      { ledger: deployment.address, chainId: deployment.chainId, deployBlock: deployment.deployBlock, peers: config.peers },
      "a read gateway: it indexes the ledger from the chain, fetches details from its peers (each checked against the chain) and takes no writes",
    );
  }

  const embeddedLimits = config.chain.kind === "embedded" ? { keepBlocks: config.chain.keepBlocks, capacity: config.chain.capacity } : undefined;
  // What the embedded chain is made for, said at every start, and loudly once it nears it.
  let chainNote: string | undefined;
  if (anvil && embeddedLimits) {
    const status = anvil.status();
    const mb = (bytes: number) => `${Math.round(bytes / 1_048_576)} MB`;
    chainNote =
      `state ${mb(status.stateBytes ?? 0)} of the ${mb(embeddedLimits.capacity.limitBytes)} it is made for (warned from ${mb(embeddedLimits.capacity.warnBytes)}); ` +
      `keeps the logs of its last ${embeddedLimits.keepBlocks} blocks. For a programme's years: a consortium chain's nodes (RPC_URL)`;
    for (const warning of capacityWarnings(status, embeddedLimits.capacity)) logger.warn({ component: "chain" }, warning);
  }
  const adminToken = config.adminToken ?? firstRunSecret(path.join(config.dataDir, "admin-token"), "admin token");
  const gateway = createGateway({
    db,
    provider,
    relayerWallet: relayer,
    adminSigner: admin,
    deployment,
    adminToken,
    masterSecret,
    confirmations: config.chain.confirmations,
    // The embedded chain's blocks are final once its state file holds them: a kill -9 of anvil
    // loses the blocks after its last save, so nothing above them is called confirmed.
    ...(anvil && { finality: savedStateFinality(anvil, config.chain.confirmations) }),
    ...(embeddedLimits && {
      historyFrom: keptLogsFrom(embeddedLimits.keepBlocks),
      capacity: embeddedLimits.capacity,
    }),
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
    chainProcess: anvil && (() => anvil!.status()),
    // CHAIN_THREAD=on: the relayer and the indexer on a thread of their own, off the thread that answers requests.
    chainThread: config.chainThread
      ? {
          chain: config.chain.kind === "embedded" ? { ipcPath: anvil!.ipcPath } : { rpcUrl: config.chain.rpcUrl },
          keepBlocks: embeddedLimits?.keepBlocks,
        }
      : undefined,
  });
  gatewayRef = gateway;
  gateway.start();
  collectDefaultMetrics({ register: gateway.metrics.registry }); // the process's memory, CPU and event loop lag on /metrics

  // Slow or silent clients are cut off (config.timeouts): headers, whole request, keep-alive, idle.
  const server: Server = await listen(createHttpServer(gateway.app, config.timeouts), config.port, config.host);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const base = `http://${config.host}:${port}`;

  // A stop, whatever the clients do: no more writes at once, the requests in flight finished (at
  // most STOP_HTTP_MS), then the workers (at most STOP_WORKERS_MS), the database and the chain.
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      gateway.stopTakingWrites();
      logger.info("stopping: writes are refused (503, Retry-After) and the requests in flight finish");
      const http = await closeGracefully(server, STOP_HTTP_MS);
      if (http.cutOff > 0) logger.warn({ connections: http.cutOff }, `cut off the connections still open after ${STOP_HTTP_MS / 1000} s`);
      if (!(await within(gateway.stop(), STOP_WORKERS_MS))) {
        // Like a crash for them, which they are made for: what the relayer sent stays in the
        // outbox, submitted, and the next start follows it to the chain.
        logger.warn(`the workers' ticks did not end within ${STOP_WORKERS_MS / 1000} s (a chain that does not answer?): stopping without them`);
      }
      db.close();
      provider.destroy();
      await anvil?.stop();
      logger.info("stopped");
    })());
  return { gateway, server, base, deployment, adminToken, stop, logger, chainNote };
}

/** How long a stop waits for the requests in flight before it cuts their connections. */
const STOP_HTTP_MS = 10_000;
/** How long a stop waits for the relayer's, indexer's and other workers' ticks in flight. */
const STOP_WORKERS_MS = 5_000;
/** A stop that has not ended by then (the chain's own stop hanging) exits all the same. */
const STOP_LAST_RESORT_MS = 60_000;

/** Whether `work` ended within `ms`; it goes on regardless. */
function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
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
      `    Front door:     ${config.publicBaseUrl}/  (查验码 lookup · check a product)`,
      `    Pages:          ${config.publicBaseUrl}/01/{gtin}/10/{lot} · ${config.publicBaseUrl}/p/{batchId}`,
      `    Console:        ${base}/console  (members: npm run cli -- member create --help)`,
      `    Programme view: ${base}/programme`,
      `    API:            ${base}/api/v1`,
      `    API docs:       ${base}/api/v1/docs · OpenAPI: ${base}/api/v1/openapi.json`,
      `    Chain:          ${base}/api/v1/chain  (chain ${deployment.chainId}, ledger ${deployment.address})`,
      ...(product.chainNote ? [`    Embedded chain: ${product.chainNote}`] : []),
      `    Health:         ${base}/healthz · ${base}/readyz · ${base}/metrics (from this machine, or with the admin token)`,
      "  Stop with Ctrl-C.",
      "",
    ].join("\n"),
  );
  // Said in the banner and logged once: scans of QR codes on a loopback address cannot reach us.
  const loopback = loopbackWarning(config.publicBaseUrl, process.env.PUBLIC_BASE_URL !== undefined);
  if (loopback.length > 0) {
    console.log(`${loopback.map((line) => `  ${line}`).join("\n")}\n`);
    product.logger.warn({ publicBaseUrl: config.publicBaseUrl }, loopback.join(" "));
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // Once: a second Ctrl-C ends the process at once.
    process.once(signal, () => {
      setTimeout(() => {
        product.logger.error(`the stop did not end within ${STOP_LAST_RESORT_MS / 1000} s: exiting`);
        process.exit(1);
      }, STOP_LAST_RESORT_MS).unref();
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
