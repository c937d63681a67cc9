/**
 * The product as separate processes, for tests that kill them: the gateway (server/index.ts)
 * pointed at an anvil the test runs itself, so that each can be killed on its own.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { ANVIL_DEV_KEY, ANVIL_RELAYER_KEY } from "../../server/chain/anvil";
import { serverCommand } from "./server-build";

const ROOT = path.resolve(__dirname, "../..");

/** The admin token a spawned gateway uses. */
export const PROCESS_ADMIN_TOKEN = "process-test-admin-token-0123456789";

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface GatewayProcess {
  child: ChildProcess;
  base: string;
  output(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (a clean shutdown), and wait for the exit. */
  stop(): Promise<void>;
}

export async function spawnGateway(options: {
  port: number;
  /** An external chain; without it the gateway runs its embedded anvil on `chainPort`. */
  rpcUrl?: string;
  chainPort?: number;
  dataDir: string;
  env?: Record<string, string>;
  /** Extra arguments for node itself, such as --cpu-prof. */
  nodeArgs?: string[];
  /** A read gateway of this ledger on `rpcUrl`: no keys, details from `peers`. */
  read?: { ledger: string; deployBlock: number; peers: string[] };
}): Promise<GatewayProcess> {
  const args = [...(options.nodeArgs ?? []), ...serverCommand("server/index.ts")];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      PORT: String(options.port),
      ...(options.read && options.rpcUrl
        ? {
            RPC_URL: options.rpcUrl,
            LEDGER_ADDRESS: options.read.ledger,
            LEDGER_DEPLOY_BLOCK: String(options.read.deployBlock),
            PEER_URLS: options.read.peers.join(","),
            DETAIL_SYNC_INTERVAL_MS: "200",
            ADMIN_TOKEN: PROCESS_ADMIN_TOKEN,
            MASTER_SECRET: "process-test-master-secret-0123456789abcdef",
          }
        : options.rpcUrl
        ? {
            RPC_URL: options.rpcUrl,
            ADMIN_KEY: ANVIL_DEV_KEY,
            RELAYER_KEY: ANVIL_RELAYER_KEY,
            ADMIN_TOKEN: PROCESS_ADMIN_TOKEN,
            MASTER_SECRET: "process-test-master-secret-0123456789abcdef",
          }
        : { CHAIN_PORT: String(options.chainPort ?? 8545) }),
      DATA_DIR: options.dataDir,
      LOG_LEVEL: "warn",
      RELAYER_INTERVAL_MS: "50",
      INDEXER_INTERVAL_MS: "50",
      RELAYER_REPLACE_AFTER_MS: "5000",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const chunks: string[] = [];
  child.stdout?.on("data", (chunk) => chunks.push(chunk.toString()));
  child.stderr?.on("data", (chunk) => chunks.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const base = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited at start:\n${chunks.join("")}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the gateway did not start within 60 s:\n${chunks.join("")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    base,
    output: () => chunks.join(""),
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
