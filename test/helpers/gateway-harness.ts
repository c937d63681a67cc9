/**
 * A whole gateway for tests: deployed on a chain (Hardhat's in-process network by default, or
 * any JSON-RPC URL such as an anvil the test started), its SQLite in a fresh temporary folder,
 * listening on a free loopback port. Requests go through real HTTP.
 */
import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { BrowserProvider, JsonRpcProvider, Wallet, type JsonRpcApiProvider } from "ethers";
import pino from "pino";
import { ANVIL_DEV_KEY, ANVIL_RELAYER_KEY } from "../../server/chain/anvil";
import { deployLedger } from "../../server/chain/deploy-ledger";
import { loadLedgerArtifact } from "../../server/chain/ledger-artifact";
import { createGateway, type Gateway } from "../../server/gateway";
import { openDatabase, type Db } from "../../server/store/database";
import { freePort } from "../../scripts/lib/processes";
import { TIMEOUT_DEFAULTS, type Limits, type Timeouts } from "../../server/config";
import { createHttpServer, listen } from "../../server/web/http-server";

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

export interface Harness {
  gateway: Gateway;
  db: Db;
  base: string;
  dataDir: string;
  provider: JsonRpcApiProvider;
  /** JSON over HTTP; `token` goes as a Bearer token. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Creates an organisation and returns its id, address and API key. */
  org(name: string, role: string, address?: string): Promise<{ id: string; address: string; apiKey: string }>;
  /** Creates a console member of an organisation (orgId) or of the programme office (null). */
  member(orgId: string | null, username: string, password: string, isAdmin?: boolean): Promise<{ id: string; username: string }>;
  /** Runs relayer and indexer ticks until every accepted event is settled and indexed. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** A JSON-RPC URL; Hardhat's in-process network when absent. */
  rpcUrl?: string;
  /** With rpcUrl: the relayer and the indexer on the gateway's chain thread (workers/chain-thread), as `npm start` runs them. */
  chainThread?: boolean;
  /** Start the background loops (relayer, indexer); tests that drive ticks by hand leave them off. */
  loops?: boolean;
  batchSize?: number;
  /** How often the indexer ticks with `loops` (20 ms unless given): a slower one lags the relayer's confirmations. */
  indexerIntervalMs?: number;
  /** Settings of the public pages (the rate limit is off unless given). */
  web?: { scanWarnThreshold?: number; scanWarnNetworks?: number; scanWarnDays?: number; scanWindowMinutes?: number; rateLimitPerMinute?: number; explorerUrl?: string };
  /** What clients may send (the API's rate limits are off unless given). */
  limits?: Partial<Limits>;
  /** How long the server waits for clients (config's defaults unless given). */
  timeouts?: Partial<Timeouts>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const provider: JsonRpcApiProvider = options.rpcUrl
    ? new JsonRpcProvider(options.rpcUrl, undefined, { cacheTimeout: -1, pollingInterval: 50 })
    : new BrowserProvider((await import("hardhat")).network.provider, undefined, { cacheTimeout: -1, pollingInterval: 50 });
  const admin = new Wallet(ANVIL_DEV_KEY, provider);
  const dataDir = mkdtempSync(path.join(tmpdir(), "gateway-test-"));
  const deployment = await deployLedger({
    signer: admin,
    artifact: loadLedgerArtifact(),
    deploymentsDir: path.join(dataDir, "deployments"),
  });
  const db = openDatabase(path.join(dataDir, "gateway.db"));
  // The port is chosen first so that QR codes name the address the pages are served on.
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const gateway = createGateway({
    db,
    provider: provider as JsonRpcProvider,
    relayerWallet: new Wallet(ANVIL_RELAYER_KEY, provider),
    adminSigner: admin,
    deployment,
    adminToken: TEST_ADMIN_TOKEN,
    masterSecret: "test-master-secret-0123456789abcdefghijklmnop",
    scryptN: 16,
    passwordScryptN: 1024,
    confirmations: 0,
    relayer: { batchSize: options.batchSize ?? 100, intervalMs: 20, replaceAfterMs: 30_000 },
    indexer: { intervalMs: options.indexerIntervalMs ?? 20 },
    publicBaseUrl: base,
    web: { scanWarnThreshold: 30, rateLimitPerMinute: 0, ...options.web },
    logger: pino({ level: process.env.HARNESS_LOG ?? "silent" }),
    limits: { apiReadsPerMinute: 0, verifiesPerMinute: 0, ...options.limits },
    uploadDir: path.join(dataDir, "uploads"),
    ...(options.chainThread && options.rpcUrl && { chainThread: { chain: { rpcUrl: options.rpcUrl } } }),
  });
  if (options.loops) gateway.start();
  const server: Server = await listen(createHttpServer(gateway.app, { ...TIMEOUT_DEFAULTS, ...options.timeouts }), port, "127.0.0.1");

  const call: Harness["call"] = async (method, url, { token, body, headers = {}, raw } = {}) => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: {
        ...(body !== undefined || raw !== undefined ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };

  const settle = async () => {
    for (let round = 0; round < 200; round++) {
      const counts = gateway.outbox.countByStatus();
      const certificationsUnsettled = db
        .prepare(`SELECT count(*) AS n FROM certification_outbox WHERE status IN ('pending', 'submitted')`)
        .get() as { n: number };
      if (!options.loops) {
        await gateway.relayer.tick();
        await gateway.certificationSender.tick();
        await gateway.indexer.tick();
      } else {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const after = gateway.outbox.countByStatus();
      if (counts.pending + counts.submitted === 0 && after.pending + after.submitted === 0 && certificationsUnsettled.n === 0) {
        await gateway.indexer.tick();
        return;
      }
    }
    throw new Error(`the outbox did not settle: ${JSON.stringify(gateway.outbox.countByStatus())}`);
  };

  return {
    gateway,
    db,
    base,
    dataDir,
    provider,
    call,
    settle,
    async org(name, role, orgAddress) {
      const { status, body } = await call("POST", "/api/v1/orgs", {
        token: TEST_ADMIN_TOKEN,
        body: { name, role, ...(orgAddress ? { address: orgAddress } : {}) },
      });
      if (status !== 201) throw new Error(`creating ${name} failed: ${status} ${JSON.stringify(body)}`);
      return body;
    },
    async member(orgId, username, password, isAdmin) {
      const path = orgId === null ? "/api/v1/programme/members" : `/api/v1/orgs/${orgId}/members`;
      const { status, body } = await call("POST", path, { token: TEST_ADMIN_TOKEN, body: { username, password, isAdmin } });
      if (status !== 201) throw new Error(`creating member ${username} failed: ${status} ${JSON.stringify(body)}`);
      return body;
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await gateway.stop();
      db.close();
      provider.destroy();
    },
  };
}
