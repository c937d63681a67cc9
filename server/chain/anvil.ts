/**
 * The embedded chain: the anvil binary that the npm package @foundry-rs/anvil ships, listening on
 * loopback, its state kept in a file so that the ledger survives restarts. The file is a
 * snapshot taken every `stateInterval` seconds and on a clean stop (see anvil-snapshots.ts for
 * why we take it rather than anvil), so after a hard kill anvil may come back without its
 * latest blocks; the relayer notices and sends those events again.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { saveSnapshot, usableSnapshot } from "./anvil-snapshots";

/** anvil's first development account: the embedded chain's admin (deploys, grants roles). */
export const ANVIL_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/** anvil's second development account: the embedded chain's relayer, with nonces of its own. */
export const ANVIL_RELAYER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

export interface AnvilOptions {
  port: number;
  /** Where anvil keeps its state; none keeps it in memory only. */
  stateFile?: string;
  stateInterval?: number;
  log?: (line: string) => void;
}

export interface AnvilHandle {
  rpcUrl: string;
  process: ChildProcess;
  /** Takes a snapshot now; false when there is no state file or the dump failed its check. */
  snapshot(): Promise<boolean>;
  /** Takes a last snapshot, stops anvil with SIGTERM and waits for it to exit. */
  stop(): Promise<void>;
}

export function anvilBinaryPath(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}`;
  try {
    return path.join(path.dirname(require.resolve(`${platformPackage}/package.json`)), "bin", "anvil");
  } catch {
    throw new Error(`the embedded chain needs the npm package ${platformPackage}; run npm ci`);
  }
}

export async function startAnvil(options: AnvilOptions): Promise<AnvilHandle> {
  const rpcUrl = `http://127.0.0.1:${options.port}`;
  if (await answersRpc(rpcUrl)) {
    // Most likely an anvil left behind by a killed gateway: it holds the state file too.
    throw new Error(`something already answers on ${rpcUrl}: stop it (an anvil left from an earlier run?) or set CHAIN_PORT`);
  }
  const args = ["--host", "127.0.0.1", "--port", String(options.port), "--silent"];
  const stateFile = options.stateFile;
  if (stateFile) {
    mkdirSync(path.dirname(stateFile), { recursive: true });
    const { load, notes } = usableSnapshot(stateFile);
    for (const note of notes) options.log?.(note);
    if (load) args.push("--load-state", load);
  }
  const child = spawn(anvilBinaryPath(), args, { stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output.push(text);
    options.log?.(text.trimEnd());
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  let alive = true;
  let snapshots: ReturnType<typeof snapshotLoop> | undefined;
  child.once("exit", () => {
    alive = false;
    snapshots?.stop();
  });

  await waitForRpc(rpcUrl, child, () => output.join(""));
  if (stateFile) snapshots = snapshotLoop(rpcUrl, stateFile, (options.stateInterval ?? 5) * 1000, () => alive, options.log);
  return {
    rpcUrl,
    process: child,
    snapshot: () => snapshots?.takeNow() ?? Promise.resolve(false),
    async stop() {
      if (alive && snapshots) {
        snapshots.stop();
        await snapshots.takeNow();
      }
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Snapshots every `intervalMs`, one at a time; a dump that fails its check is retried at once, a few times. */
function snapshotLoop(rpcUrl: string, file: string, intervalMs: number, alive: () => boolean, log?: (line: string) => void) {
  let inFlight: Promise<boolean> | undefined;
  const attempt = async (): Promise<boolean> => {
    for (let tries = 0; tries < 5 && alive(); tries++) {
      try {
        const problem = await saveSnapshot(rpcUrl, file, alive);
        if (!problem) return true;
        if (alive()) log?.(`chain snapshot skipped: ${problem}`);
      } catch (error) {
        if (alive()) log?.(`chain snapshot failed: ${(error as Error).message}`);
        return false;
      }
    }
    return false;
  };
  const takeNow = (): Promise<boolean> => {
    inFlight ??= attempt().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const timer = setInterval(() => void takeNow(), intervalMs);
  timer.unref();
  return { takeNow, stop: () => clearInterval(timer) };
}

async function waitForRpc(rpcUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`anvil exited before it answered (${child.exitCode ?? child.signalCode}): ${output()}`);
    }
    if (await answersRpc(rpcUrl)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`anvil did not answer on ${rpcUrl} within 20 s: ${output()}`);
}

async function answersRpc(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    return response.ok;
  } catch {
    return false; // nothing listening (yet)
  }
}
