/**
 * anvil, the binary that the npm package @foundry-rs/anvil ships, in two uses:
 *
 * - `startEmbeddedAnvil`: the product's embedded chain, a single-node chain for one machine. It
 *   has no development accounts (`--accounts 0`: nothing unlocked, eth_accounts is empty) and
 *   serves JSON-RPC on a Unix socket in the data folder, 0600 in a 0700 folder. anvil always
 *   opens a TCP port too; where the system allows an ordinary user a private network namespace,
 *   anvil runs in one, so that port — and with it anvil_setStorageAt, anvil_impersonateAccount,
 *   evm_revert — is out of reach of every other process. The gateway funds its own accounts
 *   itself (embedded-accounts.ts).
 * - `startAnvil`: a chain for tests and benchmarks, on 127.0.0.1:port with anvil's ten public
 *   development accounts (ANVIL_DEV_KEY…). Never the product's chain.
 *
 * Either keeps its state in a file so that the ledger survives restarts: a snapshot taken every
 * `stateInterval` seconds while the chain has new blocks, and on a clean stop (see
 * anvil-snapshots.ts for why we take it rather than anvil), on a thread of its own. After a hard
 * kill anvil comes back without the blocks after its last snapshot, which is why only what a
 * snapshot holds counts as confirmed (finality.ts); the relayer sends those events again.
 *
 * The embedded chain keeps its last `keepBlocks` blocks' transactions and logs and no past states
 * (keptHistoryArgs), so that its memory and its state file grow with the ledger's batches rather
 * than its history.
 *
 * The embedded anvil belongs to the gateway that started it: its PID is kept in DATA_DIR/anvil.pid,
 * one that an earlier gateway left running is stopped at start (anvil-leftover.ts), and where
 * util-linux's `setpriv` is present anvil is started with a parent-death signal, so that the
 * kernel stops it (SIGTERM) when the gateway dies, even by SIGKILL; anvil then dumps its state on
 * exit, and the next start loads that dump when it is newer than the last snapshot
 * (anvil-exit-dump.ts).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, statSync, unlinkSync } from "node:fs";
import path from "node:path";
import { makePrivateDir, PRIVATE_FILE_MODE } from "../keys/private-files";
import { removeAnvilPidfile, stopLeftoverAnvil, writeAnvilPidfile } from "./anvil-leftover";
import { adoptExitDump, exitDumpPath } from "./anvil-exit-dump";
import { usableSnapshot } from "./anvil-snapshots";
import { rpcCallTo, type RpcCall } from "./chain-endpoint";
import { cancellation, saveSnapshotOffThread } from "./snapshot-off-thread";

/** anvil's first public development account: the admin of test chains only (its key is in every Foundry tutorial). */
export const ANVIL_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/** anvil's second public development account: the relayer of test chains only. */
export const ANVIL_RELAYER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/** The mnemonic anvil derives its public development accounts from. */
export const ANVIL_DEV_MNEMONIC = "test test test test test test test test test test test junk";

export interface AnvilOptions {
  port: number;
  /** Where anvil keeps its state; none keeps it in memory only. */
  stateFile?: string;
  stateInterval?: number;
  log?: (line: string) => void;
}

/** What the state file holds: the block a crash of anvil can no longer take back. */
export interface SavedState {
  /** The last block in the state file on disk (0 before the first save of a new chain). */
  savedBlock(): number;
  /** Why the last attempt to save failed, while saves keep failing; undefined once one succeeds. */
  saveProblem(): string | undefined;
  /** The state file's size and how long its last save took, once one was taken or loaded. */
  saveFigures(): { bytes: number; ms?: number } | undefined;
}

export interface AnvilHandle extends SavedState {
  rpcUrl: string;
  process: ChildProcess;
  /** Takes a snapshot now; false when there is no state file or the dump failed its check. */
  snapshot(): Promise<boolean>;
  /** Takes a last snapshot, stops anvil with SIGTERM and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * anvil's flags that keep the last `keepBlocks` blocks' transactions, receipts and logs (older
 * blocks keep their headers) and no past states: without them anvil copies its whole state for
 * every block it mines (5.3 GB of memory at 100,000 events, `npm run bench:chain`).
 */
export function keptHistoryArgs(keepBlocks: number): string[] {
  return ["--prune-history", "--transaction-block-keeper", String(keepBlocks)];
}

/** How the embedded chain's TCP port is kept from other processes. */
export type ChainIsolation = "auto" | "required" | "off";

export interface EmbeddedAnvilOptions {
  /** The Unix socket anvil serves JSON-RPC on (its folder is made 0700, the socket 0600). */
  ipcPath: string;
  stateFile: string;
  stateInterval: number;
  /**
   * auto: a private network namespace when the system allows one, else loopback; required: a
   * private network namespace or no start; off: loopback.
   */
  isolation: ChainIsolation;
  /** The TCP port anvil listens on when it is not isolated (127.0.0.1 only). */
  port: number;
  /**
   * Refuse to start without a saved state to load: a restart of a chain that held the ledger must
   * not come up empty (the first start of a new data folder has none).
   */
  requireState?: boolean;
  /** Told each time a snapshot is on disk, with the last block it holds. */
  onSaved?: (block: number) => void;
  /**
   * Keep the transactions, receipts and logs of this many of the newest blocks with transactions,
   * and no past states (anvil's --transaction-block-keeper and --prune-history): the chain's
   * memory and its state file then grow with its batches, not with its history. Every block's
   * unless given.
   */
  keepBlocks?: number;
  log?: (line: string) => void;
}

export interface EmbeddedAnvilHandle extends SavedState {
  ipcPath: string;
  /** Whether anvil runs in a network namespace of its own (no other process reaches its TCP port). */
  isolated: boolean;
  /** The loopback URL that other local processes could reach, when not isolated. */
  loopbackUrl?: string;
  process: ChildProcess;
  snapshot(): Promise<boolean>;
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

/** A chain for tests and benchmarks: anvil's public development accounts, on 127.0.0.1:port. */
export async function startAnvil(options: AnvilOptions): Promise<AnvilHandle> {
  const rpcUrl = `http://127.0.0.1:${options.port}`;
  const call = rpcCallTo(rpcUrl);
  if (await answers(call)) {
    // Most likely an anvil left behind by a killed gateway: it holds the state file too.
    throw new Error(`something already answers on ${rpcUrl}: stop it (an anvil left from an earlier run?) or set CHAIN_PORT`);
  }
  const args = ["--host", "127.0.0.1", "--port", String(options.port), "--silent"];
  const running = await run(anvilBinaryPath(), args, call, rpcUrl, options);
  return { rpcUrl, ...running };
}

/** Where the embedded anvil's PID is kept: beside its socket, in the data folder. */
export const anvilPidfilePath = (ipcPath: string): string => path.join(path.dirname(ipcPath), "anvil.pid");

/**
 * The product's embedded chain: no accounts, JSON-RPC on a private socket, TCP isolated where
 * possible. Call it only while holding the data folder's lock: an anvil an earlier gateway of the
 * folder left running is stopped first.
 */
export async function startEmbeddedAnvil(options: EmbeddedAnvilOptions): Promise<EmbeddedAnvilHandle> {
  const { ipcPath } = options;
  const call = rpcCallTo(ipcPath);
  const pidFile = anvilPidfilePath(ipcPath);
  makePrivateDir(path.dirname(ipcPath));
  await stopLeftoverAnvil({ pidFile, ipcPath, stateFile: options.stateFile, log: options.log });
  if (existsSync(ipcPath)) {
    if (await answers(call)) {
      throw new Error(
        `an anvil from an earlier run still serves this data folder on ${ipcPath}: stop that process (its command line names the socket), then start again`,
      );
    }
    unlinkSync(ipcPath); // left by an anvil that was killed
  }

  const isolated = options.isolation !== "off" && privateNetworkAvailable();
  if (options.isolation === "required" && !isolated) {
    throw new Error(
      "CHAIN_ISOLATION=required, but this system does not let the gateway run anvil in a private network namespace " +
        "(unshare --user --net failed: unprivileged user namespaces are off, or a container forbids them)",
    );
  }
  const loopbackUrl = isolated ? undefined : `http://127.0.0.1:${options.port}`;
  if (loopbackUrl && (await answers(rpcCallTo(loopbackUrl)))) {
    throw new Error(`something already answers on ${loopbackUrl}: stop it (an anvil left from an earlier run?) or set CHAIN_PORT`);
  }
  // In its own namespace nothing else can reach the port, so any port will do.
  const anvilArgs = ["--accounts", "0", "--ipc", ipcPath, "--host", "127.0.0.1", "--port", isolated ? "8545" : String(options.port), "--silent"];
  if (options.keepBlocks !== undefined) anvilArgs.push(...keptHistoryArgs(options.keepBlocks));
  const [isolatedCommand, isolatedArgs] = isolated
    ? ["unshare", ["--user", "--map-root-user", "--net", "--", anvilBinaryPath(), ...anvilArgs]]
    : [anvilBinaryPath(), anvilArgs];
  // setpriv and unshare exec what follows them, so anvil keeps the PID spawn returns.
  const [command, args] = parentDeathSignalAvailable()
    ? ["setpriv", ["--pdeathsig", "TERM", "--", isolatedCommand, ...isolatedArgs]]
    : [isolatedCommand, isolatedArgs];
  const running = await run(command, args, call, ipcPath, {
    ...options,
    // A process group of its own: a Ctrl-C in the terminal reaches the gateway alone, which stops
    // anvil after its last snapshot (anvil would exit at once on SIGINT, before that snapshot).
    detached: true,
    exitDump: exitDumpPath(options.stateFile),
    onSpawn: (child) => {
      if (child.pid !== undefined) writeAnvilPidfile(pidFile, child.pid, ipcPath);
    },
  });
  chmodSync(ipcPath, PRIVATE_FILE_MODE); // anvil makes it under its umask
  return {
    ipcPath,
    isolated,
    loopbackUrl,
    ...running,
    async stop() {
      await running.stop();
      removeAnvilPidfile(pidFile, running.process.pid);
      if (existsSync(ipcPath)) unlinkSync(ipcPath); // anvil leaves its socket behind
    },
  };
}

let pdeathsig: boolean | undefined;

/**
 * Whether util-linux's `setpriv --pdeathsig` works here (Linux): anvil started through it gets
 * SIGTERM from the kernel when the gateway that started it dies, however it dies.
 */
export function parentDeathSignalAvailable(): boolean {
  if (pdeathsig === undefined) {
    pdeathsig =
      process.platform === "linux" &&
      spawnSync("setpriv", ["--pdeathsig", "TERM", "--", "true"], { stdio: "ignore", timeout: 5_000 }).status === 0;
  }
  return pdeathsig;
}

/**
 * Whether `unshare` can give anvil a user and network namespace of its own, without privileges
 * (Linux with unprivileged user namespaces; not in a container that forbids them).
 */
export function privateNetworkAvailable(): boolean {
  if (process.platform !== "linux") return false;
  const probe = spawnSync("unshare", ["--user", "--map-root-user", "--net", "true"], { stdio: "ignore", timeout: 5_000 });
  return probe.status === 0;
}

/** Spawns anvil (loading the state file's usable snapshot), waits until it answers, and keeps snapshots. */
async function run(
  command: string,
  baseArgs: string[],
  call: RpcCall,
  endpoint: string,
  options: {
    stateFile?: string;
    stateInterval?: number;
    requireState?: boolean;
    detached?: boolean;
    /**
     * Where anvil dumps its state when it exits on SIGTERM or SIGINT (a gateway that died): loaded
     * at the next start when newer than the last snapshot. A clean stop whose last snapshot was
     * written ends anvil with SIGKILL instead, as that dump would hold nothing more.
     */
    exitDump?: string;
    onSaved?: (block: number) => void;
    log?: (line: string) => void;
    onSpawn?: (child: ChildProcess) => void;
  },
) {
  const args = [...baseArgs];
  const stateFile = options.stateFile;
  let loadedBlock = 0;
  if (stateFile) {
    makePrivateDir(path.dirname(stateFile));
    if (options.exitDump) {
      const adopted = adoptExitDump(stateFile);
      if (adopted) options.log?.(adopted);
      args.push("--dump-state", options.exitDump);
    }
    const { load, block, notes } = usableSnapshot(stateFile);
    for (const note of notes) options.log?.(note);
    if (load) args.push("--load-state", load);
    else if (options.requireState) {
      throw new Error(`no saved state of the chain in ${stateFile} to start from: an empty chain would not hold the ledger`);
    }
    loadedBlock = block ?? 0;
  }
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: options.detached ?? false });
  options.onSpawn?.(child);
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
    snapshots?.cancel(); // a snapshot under way must not write this anvil's last answer over a newer one's file
  });

  await waitForRpc(call, endpoint, child, () => output.join(""));
  if (stateFile) {
    snapshots = snapshotLoop(call, endpoint, stateFile, {
      intervalMs: (options.stateInterval ?? 5) * 1000,
      loadedBlock,
      alive: () => alive,
      onSaved: options.onSaved,
      log: options.log,
    });
  }
  return {
    process: child,
    snapshot: () => snapshots?.takeNow() ?? Promise.resolve(false),
    // Without a state file nothing is saved: every block is as final as it will ever be.
    savedBlock: () => snapshots?.savedBlock() ?? Number.MAX_SAFE_INTEGER,
    saveProblem: () => snapshots?.problem(),
    saveFigures: () => snapshots?.figures(),
    async stop() {
      let saved = false;
      if (alive && snapshots) {
        snapshots.stop();
        saved = await snapshots.takeNow();
      }
      if (child.exitCode === null && child.signalCode === null) child.kill(saved && options.exitDump ? "SIGKILL" : "SIGTERM");
      await exited;
    },
  };
}

/**
 * Snapshots every `intervalMs` when the chain has new blocks since the last one, one at a time, on
 * the snapshots' thread; a dump that fails its check is retried at once, a few times. Keeps the
 * last block on disk.
 */
function snapshotLoop(
  call: RpcCall,
  endpoint: string,
  file: string,
  options: {
    intervalMs: number;
    /** The last block of the state anvil was started from. */
    loadedBlock: number;
    alive: () => boolean;
    onSaved?: (block: number) => void;
    log?: (line: string) => void;
  },
) {
  const { alive, log } = options;
  let savedBlock = options.loadedBlock;
  let problem: string | undefined;
  let figures: { bytes: number; ms?: number } | undefined = existsSync(file) ? { bytes: statSync(file).size } : undefined;
  let inFlight: Promise<boolean> | undefined;
  const cancelled = cancellation();
  const attempt = async (): Promise<boolean> => {
    for (let tries = 0; tries < 5 && alive(); tries++) {
      try {
        const started = Date.now();
        const outcome = await saveSnapshotOffThread(endpoint, file, cancelled.flag);
        if ("block" in outcome) {
          savedBlock = outcome.block;
          problem = undefined;
          figures = { bytes: statSync(file).size, ms: Date.now() - started };
          options.onSaved?.(outcome.block);
          return true;
        }
        problem = outcome.problem;
        if (alive()) log?.(`chain snapshot skipped: ${outcome.problem}`);
      } catch (error) {
        problem = (error as Error).message;
        if (alive()) log?.(`chain snapshot failed: ${problem}`);
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
  const takeIfMoved = async () => {
    if (inFlight) return;
    try {
      const head = Number(await call<string>("eth_blockNumber", [], 5_000));
      if (head > savedBlock) await takeNow();
    } catch {
      // anvil is busy or gone: the next interval asks again (its exit is the supervisor's to handle)
    }
  };
  const timer = setInterval(() => void takeIfMoved(), options.intervalMs);
  timer.unref();
  return {
    takeNow,
    savedBlock: () => savedBlock,
    problem: () => problem,
    figures: () => figures,
    stop: () => clearInterval(timer),
    cancel: cancelled.cancel,
  };
}

async function waitForRpc(call: RpcCall, endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`anvil exited before it answered (${child.exitCode ?? child.signalCode}): ${output()}`);
    }
    if (await answers(call)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`anvil did not answer on ${endpoint} within 20 s: ${output()}`);
}

async function answers(call: RpcCall): Promise<boolean> {
  try {
    await call("eth_chainId", [], 1_000);
    return true;
  } catch {
    return false; // nothing listening (yet)
  }
}
