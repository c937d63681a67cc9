/**
 * The gateway's configuration: every setting is an environment variable, parsed once at boot
 * with a documented default (see .env.example). Nothing else in the gateway reads process.env.
 */
import path from "node:path";
import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65_535);
const hexKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key");
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const schema = z
  .object({
    PORT: port.default(8080),
    HOST: z.string().min(1).default("127.0.0.1"),
    DATA_DIR: z.string().min(1).default("./data"),
    PUBLIC_BASE_URL: optional(z.string().url()),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    CHAIN_PORT: port.default(8545),
    RPC_URL: optional(z.string().url()),
    RELAYER_KEY: optional(hexKey),
    ADMIN_KEY: optional(hexKey),
    CONFIRMATIONS: z.coerce.number().int().min(0).max(1_000).default(0),
    ANVIL_STATE_INTERVAL: z.coerce.number().int().min(1).default(5),
    ADMIN_TOKEN: optional(z.string().min(24, "must be at least 24 characters")),
    MASTER_SECRET: optional(z.string().min(32, "must be at least 32 characters")),
    RELAYER_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(200),
    RELAYER_INTERVAL_MS: z.coerce.number().int().min(10).default(200),
    INDEXER_INTERVAL_MS: z.coerce.number().int().min(10).default(200),
    RELAYER_REPLACE_AFTER_MS: z.coerce.number().int().min(1_000).default(30_000),
    EXPLORER_URL: optional(z.string().url()),
    PUBLIC_RATE_LIMIT: z.coerce.number().int().min(0).default(600),
    SCAN_WARN_THRESHOLD: z.coerce.number().int().min(1).default(30),
  })
  .superRefine((env, ctx) => {
    for (const key of ["RELAYER_KEY", "ADMIN_KEY"] as const) {
      if (env.RPC_URL && !env[key]) {
        ctx.addIssue({ code: "custom", path: [key], message: "is required when RPC_URL names an external chain" });
      }
    }
    if (env.RPC_URL && env.RELAYER_KEY && env.RELAYER_KEY === env.ADMIN_KEY) {
      ctx.addIssue({ code: "custom", path: ["RELAYER_KEY"], message: "must differ from ADMIN_KEY: each keeps its own nonces" });
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
    chain: env.RPC_URL
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
          stateFile: path.join(dataDir, "chain.json"),
          stateInterval: env.ANVIL_STATE_INTERVAL,
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
    web: {
      explorerUrl: env.EXPLORER_URL,
      /** Requests per minute per client address on the public pages; 0 turns the limit off. */
      rateLimitPerMinute: env.PUBLIC_RATE_LIMIT,
      /** Scans of one unit serial after which its page warns of a cloned label. */
      scanWarnThreshold: env.SCAN_WARN_THRESHOLD,
    },
  };
}
