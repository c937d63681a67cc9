/**
 * The gateway's configuration: every setting is an environment variable, parsed once at boot
 * with a documented default (see .env.example). Nothing else in the gateway reads process.env.
 */
import path from "node:path";
import { z } from "zod";

/**
 * The blocks whose transactions, receipts and logs the embedded chain keeps unless told
 * (EMBEDDED_CHAIN_KEEP_BLOCKS): at the relayer's full batches some 580 kB of its state file each.
 */
export const DEFAULT_KEEP_BLOCKS = 128;

const port = z.coerce.number().int().min(0).max(65_535);
const hexKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key");
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const MB = 1024 * 1024;

/** What one client may ask of the gateway, and how much the gateway takes in at once. */
export const LIMIT_DEFAULTS = {
  /** API reads (GET /api/v1/…) per minute per client address; 0 turns the limit off. */
  apiReadsPerMinute: 600,
  /** Verifications (GET …/verify, which read the chain) per minute per client address; 0: off. */
  verifiesPerMinute: 30,
  /** Bytes of uploads (console files, API CSV files) being received at once; beyond it 503. */
  uploadsInFlightBytes: 64 * MB,
  /** A CSV import's file: at most this many bytes and data rows. */
  csvMaxBytes: 10 * MB,
  csvMaxRows: 50_000,
};

/** How long a client may take: to send its headers, its whole request, and between two requests or bytes. */
export const TIMEOUT_DEFAULTS = {
  headersMs: 10_000,
  /** Headers and body: time enough for a phone to send a few photos. */
  requestMs: 60_000,
  keepAliveMs: 5_000,
  /** No byte either way on an open socket. */
  idleMs: 30_000,
};

export type Limits = typeof LIMIT_DEFAULTS;
export type Timeouts = typeof TIMEOUT_DEFAULTS;

const schema = z
  .object({
    PORT: port.default(8080),
    HOST: z.string().min(1).default("127.0.0.1"),
    DATA_DIR: z.string().min(1).default("./data"),
    PUBLIC_BASE_URL: optional(z.string().url()),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    CHAIN_PORT: port.default(8545),
    CHAIN_ISOLATION: z.enum(["auto", "required", "off"]).default("auto"),
    RPC_URL: optional(z.string().url()),
    RELAYER_KEY: optional(hexKey),
    ADMIN_KEY: optional(hexKey),
    LEDGER_ADDRESS: optional(z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be the ledger contract's address")),
    LEDGER_DEPLOY_BLOCK: z.coerce.number().int().min(0).default(0),
    PEER_URLS: optional(z.string().min(1)),
    WRITE_GATEWAY_URL: optional(z.string().url()),
    DETAIL_SYNC_INTERVAL_MS: z.coerce.number().int().min(100).default(2_000),
    CONFIRMATIONS: z.coerce.number().int().min(0).max(1_000).default(0),
    ANVIL_STATE_INTERVAL: z.coerce.number().int().min(1).default(1),
    EMBEDDED_CHAIN_KEEP_BLOCKS: z.coerce.number().int().min(64).default(DEFAULT_KEEP_BLOCKS),
    EMBEDDED_CHAIN_WARN_MB: z.coerce.number().int().min(1).default(192),
    EMBEDDED_CHAIN_LIMIT_MB: z.coerce.number().int().min(1).max(480).default(384),
    ADMIN_TOKEN: optional(z.string().min(24, "must be at least 24 characters")),
    MASTER_SECRET: optional(z.string().min(32, "must be at least 32 characters")),
    RELAYER_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(200),
    RELAYER_INTERVAL_MS: z.coerce.number().int().min(10).default(200),
    INDEXER_INTERVAL_MS: z.coerce.number().int().min(10).default(200),
    RELAYER_REPLACE_AFTER_MS: z.coerce.number().int().min(1_000).default(30_000),
    CHAIN_THREAD: z.enum(["on", "off"]).default("off"),
    EXPLORER_URL: optional(z.string().url()),
    PUBLIC_RATE_LIMIT: z.coerce.number().int().min(0).default(600),
    SCAN_WARN_THRESHOLD: z.coerce.number().int().min(1).default(30),
    SCAN_WARN_NETWORKS: z.coerce.number().int().min(0).default(3),
    SCAN_WARN_DAYS: z.coerce.number().int().min(0).default(1),
    SCAN_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1_440).default(10),
    API_RATE_LIMIT: z.coerce.number().int().min(0).default(LIMIT_DEFAULTS.apiReadsPerMinute),
    VERIFY_RATE_LIMIT: z.coerce.number().int().min(0).default(LIMIT_DEFAULTS.verifiesPerMinute),
    UPLOADS_IN_FLIGHT_MB: z.coerce.number().int().min(1).default(LIMIT_DEFAULTS.uploadsInFlightBytes / MB),
    CSV_MAX_MB: z.coerce.number().int().min(1).max(100).default(LIMIT_DEFAULTS.csvMaxBytes / MB),
    CSV_MAX_ROWS: z.coerce.number().int().min(1).default(LIMIT_DEFAULTS.csvMaxRows),
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(TIMEOUT_DEFAULTS.headersMs),
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(TIMEOUT_DEFAULTS.requestMs),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).default(TIMEOUT_DEFAULTS.keepAliveMs),
    HTTP_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).default(TIMEOUT_DEFAULTS.idleMs),
  })
  .superRefine((env, ctx) => {
    // A read gateway: RPC_URL and LEDGER_ADDRESS, and no keys at all.
    const readGateway = Boolean(env.RPC_URL && env.LEDGER_ADDRESS && !env.RELAYER_KEY && !env.ADMIN_KEY);
    for (const key of ["RELAYER_KEY", "ADMIN_KEY"] as const) {
      if (env.RPC_URL && !env[key] && !readGateway) {
        ctx.addIssue({ code: "custom", path: [key], message: "is required when RPC_URL names an external chain (a read gateway sets LEDGER_ADDRESS and no keys)" });
      }
    }
    if (env.LEDGER_ADDRESS && !readGateway) {
      ctx.addIssue({
        code: "custom",
        path: ["LEDGER_ADDRESS"],
        message: "is for a read gateway (with RPC_URL and no ADMIN_KEY or RELAYER_KEY); a writing gateway deploys its ledger or finds it in DATA_DIR/deployments",
      });
    }
    for (const [index, peer] of (env.PEER_URLS ?? "").split(",").filter((p) => p.trim()).entries()) {
      if (!/^https?:\/\/[^\s]+$/.test(peer.trim())) ctx.addIssue({ code: "custom", path: ["PEER_URLS"], message: `entry ${index + 1} (${peer.trim()}) must be an http(s) URL` });
    }
    if (env.RPC_URL && env.RELAYER_KEY && env.RELAYER_KEY === env.ADMIN_KEY) {
      ctx.addIssue({ code: "custom", path: ["RELAYER_KEY"], message: "must differ from ADMIN_KEY: each keeps its own nonces" });
    }
    if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({ code: "custom", path: ["HTTP_HEADERS_TIMEOUT_MS"], message: "must not exceed HTTP_REQUEST_TIMEOUT_MS: the headers are part of the request" });
    }
  });

export type Config = ReturnType<typeof toConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  return toConfig(parsed.data);
}

function toConfig(env: z.infer<typeof schema>) {
  const dataDir = path.resolve(env.DATA_DIR);
  return {
    port: env.PORT,
    host: env.HOST,
    dataDir,
    publicBaseUrl: env.PUBLIC_BASE_URL ?? `http://${env.HOST}:${env.PORT}`,
    logLevel: env.LOG_LEVEL,
    /** Other gateways of the same deployment: where missing details are fetched from (each checked against the chain). */
    peers: (env.PEER_URLS ?? "").split(",").map((peer) => peer.trim()).filter(Boolean),
    chain: env.RPC_URL && env.LEDGER_ADDRESS && !env.ADMIN_KEY && !env.RELAYER_KEY
      ? {
          kind: "read" as const,
          rpcUrl: env.RPC_URL,
          ledgerAddress: env.LEDGER_ADDRESS,
          deployBlock: env.LEDGER_DEPLOY_BLOCK,
          confirmations: env.CONFIRMATIONS,
          /** Where this read gateway sends writers (said in its refusals). */
          writeGatewayUrl: env.WRITE_GATEWAY_URL,
          detailSyncIntervalMs: env.DETAIL_SYNC_INTERVAL_MS,
        }
      : env.RPC_URL
      ? {
          kind: "external" as const,
          rpcUrl: env.RPC_URL,
          relayerKey: env.RELAYER_KEY!,
          adminKey: env.ADMIN_KEY!,
          confirmations: env.CONFIRMATIONS,
        }
      : {
          kind: "embedded" as const,
          port: env.CHAIN_PORT,
          /**
           * anvil's TCP port, which anvil always opens, kept in a private network namespace
           * (auto: where the system allows; required: or no start; off: on 127.0.0.1:port).
           */
          isolation: env.CHAIN_ISOLATION,
          /** JSON-RPC of the embedded chain, for the gateway alone: a Unix socket, 0600 in the 0700 data folder. */
          ipcPath: path.join(dataDir, "anvil.ipc"),
          /** The chain's admin and relayer keys, made on first run, encrypted with the master secret. */
          keysDir: path.join(dataDir, "keys"),
          stateFile: path.join(dataDir, "chain.json"),
          stateInterval: env.ANVIL_STATE_INTERVAL,
          /**
           * The blocks whose transactions, receipts and logs anvil keeps (the gateway's index and
           * backups keep the rest); no past states. Memory and the state file then grow with the
           * ledger's batches, not its history.
           */
          keepBlocks: env.EMBEDDED_CHAIN_KEEP_BLOCKS,
          /** The state file's sizes warned of on /readyz and in the log, and the size it is made for. */
          capacity: { warnBytes: env.EMBEDDED_CHAIN_WARN_MB * 1_048_576, limitBytes: env.EMBEDDED_CHAIN_LIMIT_MB * 1_048_576 },
          confirmations: env.CONFIRMATIONS,
        },
    adminToken: env.ADMIN_TOKEN,
    masterSecret: env.MASTER_SECRET,
    relayer: {
      batchSize: env.RELAYER_BATCH_SIZE,
      intervalMs: env.RELAYER_INTERVAL_MS,
      replaceAfterMs: env.RELAYER_REPLACE_AFTER_MS,
    },
    indexer: { intervalMs: env.INDEXER_INTERVAL_MS },
    /**
     * Whether the relayer and the indexer run on a thread of their own (workers/chain-thread). Off
     * by default: measured, it did not raise confirmed events a second, and its commits reach the
     * page cache as "another connection wrote", which drops every kept page.
     */
    chainThread: env.CHAIN_THREAD === "on",
    web: {
      explorerUrl: env.EXPLORER_URL,
      /** Requests per minute per client address on the public pages; 0 turns the limit off. */
      rateLimitPerMinute: env.PUBLIC_RATE_LIMIT,
      /**
       * A unit's page warns of a cloned label once more than scanWarnThreshold distinct clients,
       * from more than scanWarnNetworks networks, on more than scanWarnDays days scanned it; one
       * client's scans count once per scanWindowMinutes (services/unit-scans.ts).
       */
      scanWarnThreshold: env.SCAN_WARN_THRESHOLD,
      scanWarnNetworks: env.SCAN_WARN_NETWORKS,
      scanWarnDays: env.SCAN_WARN_DAYS,
      scanWindowMinutes: env.SCAN_WINDOW_MINUTES,
    },
    limits: {
      apiReadsPerMinute: env.API_RATE_LIMIT,
      verifiesPerMinute: env.VERIFY_RATE_LIMIT,
      uploadsInFlightBytes: env.UPLOADS_IN_FLIGHT_MB * MB,
      csvMaxBytes: env.CSV_MAX_MB * MB,
      csvMaxRows: env.CSV_MAX_ROWS,
    },
    timeouts: {
      headersMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestMs: env.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      idleMs: env.HTTP_IDLE_TIMEOUT_MS,
    },
  };
}
