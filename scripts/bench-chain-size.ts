/**
 * `npm run bench:chain`: how the embedded chain (anvil) grows with the ledger: its state file,
 * a state save, anvil's memory and a restart, at BENCH_CHAIN_CHECKPOINTS events (100,000 and
 * 1,000,000), in two configurations side by side:
 *
 *   - "full history": anvil's defaults, as the embedded chain ran before it kept its history
 *     bounded, measured up to BENCH_CHAIN_FULL_UNTIL events (the first checkpoint) only;
 *   - "kept blocks": the embedded chain as the product runs it, keptHistoryArgs(BENCH_KEEP_BLOCKS)
 *     (`--prune-history --transaction-block-keeper`, the product's default 128 blocks); a probe
 *     at the start shows that a chain run so still saves with anvil_dumpState and comes back
 *     with --load-state.
 *
 * How: two anvil processes (anvilBinaryPath(), `--host 127.0.0.1 --port P --silent`, anvil's
 * public development accounts; plus `--cache-path` in the bench's temporary folder, where anvil
 * writes the per-block states it keeps on disk, so that they are measured and removed), fed the
 * SAME raw signed transactions, so that both hold the same chain: the ledger deployed by
 * ANVIL_DEV_KEY (nonce 0, so at the same address), the producer role granted to a signer key,
 * then harvest events only — each creates a batch of its own, the worst case for the contract's
 * storage — in recordBatch transactions of the relayer's default size (RELAYER_BATCH_SIZE, 200),
 * signed once by ANVIL_RELAYER_KEY and sent to both anvils (eth_sendRawTransaction), one at a
 * time (automine); each receipt must have status 1 on both, and one transaction in every 100
 * must have recorded all its events (EventRecorded). The events are signed (EIP-712 digest by
 * eventDigest, ethers' SigningKey.sign) and encoded on two worker threads
 * (lib/chain-size-signer.ts), so that signing overlaps with mining.
 *
 * At each checkpoint, for each anvil in turn (filling paused):
 *   - its RSS and peak RSS (VmRSS, VmHWM of /proc/PID/status), blocks, events, and the size of
 *     the per-block states it keeps on disk;
 *   - a state save exactly as the product takes one: saveSnapshot() of
 *     server/chain/anvil-snapshots.ts with anvil_dumpState over JSON-RPC, into a temporary data
 *     folder: its time, the file's size (bytes, bytes per event), and what the file is made of
 *     (lib/anvil-dump-parts.ts). When the product's save fails (its check refuses the dump, or the
 *     dump is too large for one JavaScript string), the dump anvil gave is written unchecked
 *     instead, so that the restart can still be measured, and the table says so;
 *   - the check the product makes before loading a snapshot (usableSnapshot's snapshotProblem on
 *     the file read whole), timed;
 *   - a restart: SIGKILL, a new anvil with `--load-state <file>` and the same flags on the same
 *     port, timed from spawn until eth_blockNumber answers the saved block; its RSS then; what the
 *     killed anvil left in its cache folder;
 *   - then whether eth_getLogs still returns the ledger's logs of the FIRST filled block, whether
 *     eth_getBlockByNumber and eth_getTransactionReceipt still answer for it, and whether headOf
 *     (eth_call) of the first batch still answers non-zero;
 * and filling carries on on the restarted anvils.
 *
 * Guards for the machine: an anvil whose RSS passes BENCH_CHAIN_MAX_RSS_MB (35% of the memory),
 * or the largest while the temporary folder's disk has less than BENCH_CHAIN_MIN_FREE_GB (20 GB)
 * free, is stopped and the other carries on alone; the tables say when and why.
 *
 * Prints a table per configuration, the fill rate, the machine, and as its last line one JSON
 * object of all figures. Temporary folders are under os.tmpdir() and removed at the end; the
 * anvils are killed on exit and on errors.
 *
 *   BENCH_CHAIN_CHECKPOINTS  events at which to measure, comma-separated (100000,1000000)
 *   BENCH_CHAIN_EVENTS       events to fill in all (the last checkpoint; a larger value adds a checkpoint)
 *   BENCH_KEEP_BLOCKS        the kept blocks of "kept blocks" (the product's EMBEDDED_CHAIN_KEEP_BLOCKS default, 128)
 *   BENCH_CHAIN_FULL_UNTIL   events up to which "full history" is measured (the first checkpoint)
 *   RELAYER_BATCH_SIZE       events per recordBatch transaction (200, the relayer's default)
 *   BENCH_CHAIN_MAX_RSS_MB, BENCH_CHAIN_MIN_FREE_GB   the guards above
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync } from "node:fs";
import http from "node:http";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { ContractFactory, Interface, Wallet, getCreateAddress, id, keccak256, parseUnits, toBeHex } from "ethers";
import { ANVIL_DEV_KEY, ANVIL_RELAYER_KEY, anvilBinaryPath, keptHistoryArgs } from "../server/chain/anvil";
import { DEFAULT_KEEP_BLOCKS } from "../server/config";
import { saveSnapshot, snapshotProblem } from "../server/chain/anvil-snapshots";
import { loadLedgerArtifact } from "../server/chain/ledger-artifact";
import { roleId } from "../server/chain/roles";
import { dumpParts, type DumpParts } from "./lib/anvil-dump-parts";
import { harvestBatchId, startSigners, type SignerSetup } from "./lib/chain-size-signer";
import { freePort } from "./lib/processes";

const CHECKPOINTS = (process.env.BENCH_CHAIN_CHECKPOINTS ?? "100000,1000000")
  .split(",")
  .map((value) => Number(value.trim()))
  .filter((value) => value > 0)
  .sort((a, b) => a - b);
const EVENTS = Number(process.env.BENCH_CHAIN_EVENTS ?? CHECKPOINTS.at(-1));
const KEEP_BLOCKS = Number(process.env.BENCH_KEEP_BLOCKS ?? DEFAULT_KEEP_BLOCKS);
/** anvil's defaults are measured up to here only: their memory grows by some 30 MB a block past 100,000 events. */
const FULL_HISTORY_UNTIL = Number(process.env.BENCH_CHAIN_FULL_UNTIL ?? CHECKPOINTS[0]);
/** The relayer's default batch (server/config.ts RELAYER_BATCH_SIZE). */
const BATCH_SIZE = Number(process.env.RELAYER_BATCH_SIZE ?? 200);
const SIGNING_THREADS = 2;
/** Chunks signed ahead of the one being mined. */
const SIGNED_AHEAD = 8;
const CHECK_LOGS_EVERY = 100;
const DUMP_TIMEOUT_MS = 60 * 60_000;
const RESTART_TIMEOUT_MS = 30 * 60_000;
const MAX_RSS_MB = Number(process.env.BENCH_CHAIN_MAX_RSS_MB ?? Math.floor((totalmem() * 0.35) / 2 ** 20));
const MIN_FREE_GB = Number(process.env.BENCH_CHAIN_MIN_FREE_GB ?? 20);
const GUARD_EVERY_CHUNKS = 5;
/** The product gives anvil 20 s to answer after its spawn (anvil.ts waitForRpc). */
const PRODUCT_START_DEADLINE_S = 20;
const FEES = { maxFeePerGas: parseUnits("10", "gwei"), maxPriorityFeePerGas: parseUnits("1", "gwei") };
const PRODUCER_KEY = id("bench:chain producer");

const ledgerAbi = new Interface(loadLedgerArtifact().abi);
const EVENT_RECORDED = ledgerAbi.getEvent("EventRecorded")!.topicHash;
const EVENT_REJECTED = ledgerAbi.getEvent("EventRejected")!.topicHash;

/** What to undo on the way out, last first; run once, whether the bench ends, fails or is interrupted. */
const cleanups: Array<() => Promise<void> | void> = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const undo of cleanups.reverse()) {
      try {
        await undo();
      } catch (error) {
        console.error(`clean-up: ${message(error)}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: killing the anvils, removing the temporary folder`);
    void cleanUp().finally(() => process.exit(130));
  });
}
/** Every anvil still running when the process exits, however it exits, is killed. */
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

interface ChainConfig {
  key: "full" | "kept";
  name: string;
  flags: string[];
}

interface Receipt {
  status: string;
  blockNumber: string;
  gasUsed: string;
  logs: { address: string; topics: string[]; data: string }[];
}

/** One anvil of the bench, on its own port and folder; started again on the same port after a kill. */
class Chain {
  child: ChildProcess | undefined;
  private agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private output: string[] = [];
  /** Set once the chain has been stopped by a guard or a failed restart: it takes no more transactions. */
  stopped: { events: number; reason: string } | undefined;
  readonly rows: Row[] = [];

  constructor(
    readonly config: ChainConfig,
    readonly port: number,
    readonly dir: string,
  ) {}

  get cacheDir(): string {
    return path.join(this.dir, "anvil-cache");
  }

  /** Spawns anvil (loading `load`) and waits until eth_blockNumber answers `block`; milliseconds from spawn. */
  async start(load?: string, block = 0): Promise<number> {
    const args = ["--host", "127.0.0.1", "--port", String(this.port), "--silent", ...this.config.flags, "--cache-path", this.cacheDir];
    if (load) args.push("--load-state", load);
    this.output = [];
    const spawned = performance.now();
    const child = spawn(anvilBinaryPath(), args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    running.add(child);
    child.once("exit", () => running.delete(child));
    const collect = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 50) this.output.shift();
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const deadline = spawned + (load ? RESTART_TIMEOUT_MS : 30_000);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${this.config.name}: anvil exited (${child.exitCode ?? child.signalCode}) before it answered: ${this.output.join("").slice(-2_000)}`);
      }
      try {
        const answered = Number(await this.call<string>("eth_blockNumber", [], 2_000));
        if (answered === block) return performance.now() - spawned;
        throw new Error(`${this.config.name}: anvil came back at block ${answered}, not ${block}`);
      } catch (error) {
        if (message(error).includes("came back at block")) throw error;
      }
      if (performance.now() > deadline) throw new Error(`${this.config.name}: anvil did not answer block ${block} within ${Math.round((deadline - spawned) / 1000)} s`);
      await sleep(25);
    }
  }

  /** SIGKILL, and wait for the exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      await exited;
    }
    this.agent.destroy();
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  }

  /** The raw JSON-RPC answer, as bytes (an answer may be larger than one JavaScript string). */
  raw(method: string, params: unknown[] = [], timeoutMs = 60_000): Promise<Buffer> {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: "127.0.0.1", port: this.port, path: "/", method: "POST", agent: this.agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () => {
            clearTimeout(timer);
            try {
              resolve(Buffer.concat(chunks));
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      const timer = setTimeout(() => request.destroy(new Error(`${method}: no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      request.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.end(body);
    });
  }

  async call<T>(method: string, params: unknown[] = [], timeoutMs = 60_000): Promise<T> {
    return parseAnswer<T>(method, await this.raw(method, params, timeoutMs));
  }

  async receipt(hash: string): Promise<Receipt> {
    for (let attempt = 0; ; attempt++) {
      const receipt = await this.call<Receipt | null>("eth_getTransactionReceipt", [hash]);
      if (receipt) return receipt;
      if (attempt > 60_000) throw new Error(`${this.config.name}: no receipt for ${hash}`);
      await sleep(Math.min(1 + attempt, 10));
    }
  }

  /** VmRSS and VmHWM of anvil, in MB (NaN once it has exited). */
  memory(): { rssMb: number; peakMb: number } {
    let status = "";
    try {
      status = readFileSync(`/proc/${this.child?.pid}/status`, "utf8");
    } catch {
      // exited
    }
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rssMb: Math.round(kb("VmRSS") / 1024), peakMb: Math.round(kb("VmHWM") / 1024) };
  }

  /** Bytes anvil keeps in its cache folder (the per-block states it moved to disk). */
  cacheBytes(): number {
    return folderBytes(this.cacheDir);
  }
}

function parseAnswer<T>(method: string, raw: Buffer): T {
  const answer = JSON.parse(raw.toString("utf8")) as { result?: T; error?: { message: string } };
  if (answer.error) throw new Error(`${method} failed: ${answer.error.message}`);
  return answer.result as T;
}

function folderBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(full) : statSync(full).size;
  }
  return total;
}

/** What one anvil showed at one checkpoint. */
interface Row {
  events: number;
  blocks: number;
  rssMb: number;
  peakMb: number;
  /** The per-block states anvil kept on disk (its cache folder). */
  cacheMb: number;
  loadAverage: number;
  save: {
    ms: number;
    /** Of which anvil_dumpState over JSON-RPC. */
    dumpMs?: number;
    /** The gzipped hex answer's bytes. */
    answerBytes?: number;
    /** Why the product's saveSnapshot wrote nothing: its check refused the dump, or it failed. */
    refused?: string;
    failed?: string;
    /** The file was written by the bench from anvil's answer, without the product's check. */
    unchecked: boolean;
  };
  fileBytes?: number;
  bytesPerEvent?: number;
  parts?: DumpParts;
  /** The product's check before a load: the file read whole and checked (snapshotProblem). */
  check?: { ms: number; problem?: string; failed?: string };
  restart?: { ms: number; rssMb: number; peakMb: number; leftInCacheMb: number } | { failed: string };
  after?: {
    oldLogs: number | string;
    oldBlock: string;
    oldReceipt: boolean | string;
    head: boolean | string;
  };
}

async function main(): Promise<void> {
  if (!(BATCH_SIZE >= 1 && EVENTS >= BATCH_SIZE && CHECKPOINTS.length > 0)) throw new Error(`need BENCH_CHAIN_CHECKPOINTS and at least RELAYER_BATCH_SIZE (${BATCH_SIZE}) events`);
  const checkpoints = [...new Set([...CHECKPOINTS.filter((n) => n <= EVENTS), EVENTS])].map((n) => Math.ceil(n / BATCH_SIZE) * BATCH_SIZE);
  const totalChunks = checkpoints.at(-1)! / BATCH_SIZE;
  const root = mkdtempSync(path.join(tmpdir(), "bench-chain-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const folder = (name: string) => {
    const dir = path.join(root, name);
    mkdirSync(dir, { mode: 0o700, recursive: true });
    return dir;
  };
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    memoryMb: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    loadAverageAtStart: round(loadavg()[0]),
  };
  console.log(
    `bench:chain  ${machine.cores} cores (${machine.cpu}), ${machine.memoryMb} MB, node ${machine.node}, load average ${machine.loadAverageAtStart}\n` +
      `anvil ${anvilBinaryPath()}\n` +
      `${checkpoints.at(-1)} harvest events in recordBatch transactions of ${BATCH_SIZE}, checkpoints ${checkpoints.join(", ")}: ` +
      "each event creates a batch of its own, the worst case for the contract's storage (two new storage words per event)\n" +
      `guards: an anvil above ${MAX_RSS_MB} MB RSS, or the largest when ${tmpdir()} has less than ${MIN_FREE_GB} GB free, is stopped`,
  );

  // The transactions both chains get: the ledger's deployment and the producer's role.
  const admin = new Wallet(ANVIL_DEV_KEY);
  const relayer = new Wallet(ANVIL_RELAYER_KEY);
  const producer = new Wallet(PRODUCER_KEY);
  const ledger = getCreateAddress({ from: admin.address, nonce: 0 });
  const { bytecode } = loadLedgerArtifact();
  const deployData = (await new ContractFactory(ledgerAbi, bytecode).getDeployTransaction(admin.address)).data;
  const grantData = ledgerAbi.encodeFunctionData("grantRole", [roleId("producer"), producer.address]);

  // The probe: does a chain run with --prune-history still save and load?
  const keeperFlags = keptHistoryArgs(KEEP_BLOCKS);
  const probeChain = new Chain({ key: "kept", name: "probe", flags: keeperFlags }, await freePort(), folder("probe"));
  cleanups.push(() => probeChain.kill());
  await probeChain.start();
  const chainId = Number(await probeChain.call<string>("eth_chainId"));
  const tx = (from: Wallet, nonce: number, fields: { to?: string; data: string; gasLimit: bigint }) =>
    from.signTransaction({ type: 2, chainId, nonce, ...FEES, ...fields });
  const gasOf = async (chain: Chain, from: string, fields: { to?: string; data: string }) =>
    (BigInt(await chain.call<string>("eth_estimateGas", [{ from, ...fields }])) * 12n) / 10n;
  const rawDeploy = await tx(admin, 0, { data: deployData, gasLimit: await gasOf(probeChain, admin.address, { data: deployData }) });
  await sendEverywhere([probeChain], rawDeploy);
  const rawGrant = await tx(admin, 1, { to: ledger, data: grantData, gasLimit: await gasOf(probeChain, admin.address, { to: ledger, data: grantData }) });
  await sendEverywhere([probeChain], rawGrant);
  const probe = await probePruneHistory(probeChain, ledger, producer.address);
  await probeChain.kill();
  rmSync(probeChain.dir, { recursive: true, force: true });
  console.log(`--prune-history with anvil_dumpState / --load-state: ${probe.works ? "works" : "does NOT work"} (${probe.notes.join("; ")})`);

  const configs: ChainConfig[] = [
    { key: "full", name: "full history", flags: [] },
    { key: "kept", name: "kept blocks", flags: keeperFlags },
  ];
  const chains: Chain[] = [];
  for (const config of configs) {
    const chain = new Chain(config, await freePort(), folder(config.key));
    chains.push(chain);
    cleanups.push(() => chain.kill());
    await chain.start();
    console.log(`${config.name}: anvil on 127.0.0.1:${chain.port}, flags: ${config.flags.join(" ") || "(none: anvil's defaults)"} --cache-path <temporary folder>`);
  }
  await sendEverywhere(chains, rawDeploy);
  const setupReceipts = await sendEverywhere(chains, rawGrant);
  for (const chain of chains) {
    if ((await chain.call<string>("eth_getCode", [ledger, "latest"])) === "0x") throw new Error(`${chain.config.name}: no ledger at ${ledger}`);
  }
  console.log(`ledger at ${ledger} (block 1), producer ${producer.address} granted in block ${Number(setupReceipts[0].blockNumber)}; relayer ${relayer.address}`);

  // Filling, with the signing threads ahead of the miner.
  const setup: SignerSetup = { chainId, ledger, signerKey: PRODUCER_KEY, batchSize: BATCH_SIZE };
  const signers = startSigners(setup, SIGNING_THREADS);
  cleanups.push(() => signers.stop());
  const signed = new Map<number, Promise<string>>();
  const ask = (chunk: number) => {
    if (chunk < totalChunks && !signed.has(chunk)) {
      const calldata = signers.sign(chunk);
      calldata.catch(() => {}); // awaited in order below
      signed.set(chunk, calldata);
    }
  };
  for (let chunk = 0; chunk < SIGNED_AHEAD; chunk++) ask(chunk);
  const firstCalldata = await signed.get(0)!;
  const gasLimit = await gasOf(chains[0], relayer.address, { to: ledger, data: firstCalldata });

  let events = 0;
  let fillMs = 0;
  let segmentMs = 0;
  let segmentEvents = 0;
  const segments: { from: number; to: number; seconds: number; eventsPerSecond: number; loadAverage: number }[] = [];
  let firstBlock = 0;
  let firstTx = "";
  let nextCheckpoint = 0;
  let lastNote = performance.now();
  let gasUsed = 0;
  for (let chunk = 0; chunk < totalChunks; chunk++) {
    const started = performance.now();
    const calldata = await signed.get(chunk)!;
    signed.delete(chunk);
    ask(chunk + SIGNED_AHEAD);
    const raw = await tx(relayer, chunk, { to: ledger, data: calldata, gasLimit });
    const receipts = await sendToLive(chains, raw, events);
    if (new Set(receipts.map((r) => `${r.blockNumber}/${r.gasUsed}`)).size > 1) {
      throw new Error(`the anvils disagree on transaction ${chunk}: ${receipts.map((r) => `block ${Number(r.blockNumber)}, gas ${Number(r.gasUsed)}`).join(" vs ")}`);
    }
    if (chunk === 0) {
      firstBlock = Number(receipts[0].blockNumber);
      firstTx = keccak256(raw);
      gasUsed = Number(receipts[0].gasUsed);
    }
    if (chunk % CHECK_LOGS_EVERY === 0) checkRecorded(receipts[0], ledger, chunk);
    events += BATCH_SIZE;
    const took = performance.now() - started;
    fillMs += took;
    segmentMs += took;
    segmentEvents += BATCH_SIZE;

    if (chunk % GUARD_EVERY_CHUNKS === 0) guard(chains, events);
    if (performance.now() - lastNote > 15_000) {
      lastNote = performance.now();
      const memory = chains.filter((chain) => !chain.stopped).map((chain) => `${chain.config.name} ${chain.memory().rssMb} MB (cache ${mb(chain.cacheBytes())} MB)`).join(", ");
      console.error(`  ${events} events, block ${Number(receipts[0].blockNumber)}, ${Math.round(segmentEvents / (segmentMs / 1000))} events/s; RSS ${memory}; load ${loadavg()[0].toFixed(1)}`);
    }

    if (events >= checkpoints[nextCheckpoint]) {
      segments.push({
        from: events - segmentEvents,
        to: events,
        seconds: round(segmentMs / 1000),
        eventsPerSecond: Math.round(segmentEvents / (segmentMs / 1000)),
        loadAverage: round(loadavg()[0]),
      });
      console.error(`checkpoint ${events} events: measuring...`);
      for (const chain of chains) {
        if (chain.stopped) continue;
        const row = await measure(chain, events, { ledger, firstBlock, firstTx, firstBatch: harvestBatchId(0) });
        chain.rows.push(row);
        console.error(`  ${chain.config.name}: ${describe(row)}`);
        console.error(`  ${chain.config.name} at ${events}: ${JSON.stringify(row)}`); // kept in the log should the run be cut short
        if (chain.config.key === "full" && events >= FULL_HISTORY_UNTIL) stopChain(chain, events, `measured up to ${FULL_HISTORY_UNTIL} events (BENCH_CHAIN_FULL_UNTIL)`);
      }
      nextCheckpoint++;
      segmentMs = 0;
      segmentEvents = 0;
      lastNote = performance.now();
    }
  }

  report({ machine, checkpoints, chains, probe, segments, fillMs, events, firstBlock, gasUsed, gasLimit: Number(gasLimit) });
}

/** Sends one raw transaction to every chain, and waits for each receipt (status 1 on all). */
async function sendEverywhere(chains: Chain[], raw: string): Promise<Receipt[]> {
  const hash = keccak256(raw);
  await Promise.all(chains.map((chain) => chain.call("eth_sendRawTransaction", [raw])));
  const receipts = await Promise.all(chains.map((chain) => chain.receipt(hash)));
  receipts.forEach((receipt, i) => {
    if (receipt.status !== "0x1") throw new Error(`${chains[i].config.name}: transaction ${hash} failed (status ${receipt.status})`);
  });
  return receipts;
}

/**
 * sendEverywhere on the chains not stopped; a chain whose anvil died meanwhile (killed by the
 * system for its memory, say) is stopped with the reason, and the others carry on.
 */
async function sendToLive(chains: Chain[], raw: string, events: number): Promise<Receipt[]> {
  const live = chains.filter((chain) => !chain.stopped);
  if (live.length === 0) throw new Error("both anvils were stopped");
  const settled = await Promise.allSettled(live.map((chain) => sendEverywhere([chain], raw)));
  const receipts: Receipt[] = [];
  settled.forEach((result, i) => {
    const child = live[i].child;
    if (result.status === "fulfilled") receipts.push(result.value[0]);
    else if (child && (child.exitCode !== null || child.signalCode !== null)) {
      stopChain(live[i], events, `its anvil exited (${child.exitCode ?? child.signalCode}): ${message(result.reason)}`);
    } else throw result.reason;
  });
  if (receipts.length === 0) throw new Error("both anvils were stopped");
  return receipts;
}

/** Every event of the chunk recorded: BATCH_SIZE EventRecorded logs of the ledger, no EventRejected. */
function checkRecorded(receipt: Receipt, ledger: string, chunk: number): void {
  const ours = receipt.logs.filter((log) => log.address.toLowerCase() === ledger.toLowerCase());
  const recorded = ours.filter((log) => log.topics[0] === EVENT_RECORDED).length;
  const rejected = ours.filter((log) => log.topics[0] === EVENT_REJECTED);
  if (recorded !== BATCH_SIZE || rejected.length > 0) {
    const reasons = rejected.slice(0, 3).map((log) => {
      const reason = ledgerAbi.decodeEventLog("EventRejected", log.data, log.topics).reason as string;
      const parsed = ledgerAbi.parseError(reason);
      return parsed ? `${parsed.name}(${parsed.args.join(", ")})` : reason;
    });
    throw new Error(`transaction ${chunk} recorded ${recorded} of ${BATCH_SIZE} events; rejected ${rejected.length}: ${reasons.join("; ")}`);
  }
}

/** Stops an anvil that passes the memory guard, or the one using the most disk when the disk runs short. */
function guard(chains: Chain[], events: number): void {
  const live = chains.filter((chain) => !chain.stopped);
  for (const chain of live) {
    const { rssMb } = chain.memory();
    if (rssMb > MAX_RSS_MB) stopChain(chain, events, `its RSS reached ${rssMb} MB (guard: ${MAX_RSS_MB} MB)`);
  }
  const { bavail, bsize } = statfsSync(tmpdir());
  const freeGb = (bavail * bsize) / 2 ** 30;
  if (freeGb < MIN_FREE_GB) {
    const largest = chains
      .filter((chain) => !chain.stopped)
      .map((chain) => ({ chain, bytes: chain.cacheBytes() }))
      .sort((a, b) => b.bytes - a.bytes)[0];
    if (largest) stopChain(largest.chain, events, `${tmpdir()} had ${freeGb.toFixed(1)} GB free (guard: ${MIN_FREE_GB} GB); its per-block states on disk took ${mb(largest.bytes)} MB`);
  }
}

function stopChain(chain: Chain, events: number, reason: string): void {
  chain.stopped = { events, reason };
  console.error(`  ${chain.config.name} STOPPED at ${events} events: ${reason}`);
  chain.child?.kill("SIGKILL");
  rmSync(chain.cacheDir, { recursive: true, force: true });
}

/** The checkpoint's figures of one anvil: memory, a save as the product takes it, a restart from it, and what the restarted chain still answers. */
async function measure(chain: Chain, events: number, first: { ledger: string; firstBlock: number; firstTx: string; firstBatch: string }): Promise<Row> {
  const blocks = Number(await chain.call<string>("eth_blockNumber"));
  const { rssMb, peakMb } = chain.memory();
  const row: Row = { events, blocks, rssMb, peakMb, cacheMb: mb(chain.cacheBytes()), loadAverage: round(loadavg()[0]), save: { ms: 0, unchecked: false } };

  // The save, as the product takes it.
  const file = path.join(chain.dir, "data", "chain.json");
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let answer: Buffer | undefined;
  const dumpState = async () => {
    const asked = performance.now();
    answer = await chain.raw("anvil_dumpState", [], DUMP_TIMEOUT_MS);
    row.save.dumpMs = Math.round(performance.now() - asked);
    row.save.answerBytes = answer.length;
    return parseAnswer<string>("anvil_dumpState", answer);
  };
  const saving = performance.now();
  try {
    const problem = saveProblem(await saveSnapshot(dumpState, file));
    if (problem) row.save.refused = problem;
  } catch (error) {
    row.save.failed = message(error);
  }
  row.save.ms = Math.round(performance.now() - saving);
  if ((row.save.refused || row.save.failed) && answer) {
    try {
      await writeAnswerUnchecked(answer, file);
      row.save.unchecked = true;
    } catch (error) {
      row.save.failed = `${row.save.failed ?? row.save.refused}; the answer could not be written either: ${message(error)}`;
    }
  }
  answer = undefined;
  if (!existsSync(file)) return row;
  row.fileBytes = statSync(file).size;
  row.bytesPerEvent = Math.round(row.fileBytes / events);
  row.parts = dumpParts(file);

  // The check the product makes before it loads a snapshot.
  const checking = performance.now();
  try {
    const problem = snapshotProblem(readFileSync(file, "utf8"));
    row.check = { ms: Math.round(performance.now() - checking), ...(problem ? { problem } : {}) };
  } catch (error) {
    row.check = { ms: Math.round(performance.now() - checking), failed: message(error) };
  }

  // The restart.
  await chain.kill();
  const leftInCacheMb = mb(chain.cacheBytes());
  rmSync(chain.cacheDir, { recursive: true, force: true });
  try {
    const ms = await chain.start(file, blocks);
    row.restart = { ms: Math.round(ms), leftInCacheMb, ...chain.memory() };
  } catch (error) {
    row.restart = { failed: message(error) };
    await chain.kill();
    chain.stopped = { events, reason: `its restart failed: ${message(error)}` };
    return row;
  } finally {
    rmSync(file, { force: true });
    rmSync(`${file}.previous`, { force: true });
  }

  // What the restarted chain still answers about the first filled block and the first batch.
  const firstHex = toBeHex(first.firstBlock);
  const attempt = async <T>(read: () => Promise<T>): Promise<T | string> => {
    try {
      return await read();
    } catch (error) {
      return `error: ${message(error)}`;
    }
  };
  const oldLogs = await attempt(async () => (await chain.call<unknown[]>("eth_getLogs", [{ address: first.ledger, fromBlock: firstHex, toBlock: firstHex }])).length);
  const oldBlock = await attempt(async () => {
    const block = await chain.call<{ transactions: string[] } | null>("eth_getBlockByNumber", [firstHex, false]);
    return block ? `header, ${block.transactions.length} tx` : "missing";
  });
  const oldReceipt = await attempt(async () => (await chain.call<unknown>("eth_getTransactionReceipt", [first.firstTx])) !== null);
  const head = await attempt(async () => {
    const result = await chain.call<string>("eth_call", [{ to: first.ledger, data: ledgerAbi.encodeFunctionData("headOf", [first.firstBatch]) }, "latest"]);
    return BigInt(result) !== 0n;
  });
  row.after = { oldLogs, oldBlock, oldReceipt, head };
  return row;
}

/**
 * Why saveSnapshot wrote nothing, or undefined when it wrote the file: it answers the problem as a
 * string (or undefined), or, in a later version, `{ problem }` (or `{ block }`).
 */
function saveProblem(result: unknown): string | undefined {
  if (typeof result === "string") return result;
  if (result && typeof result === "object" && "problem" in result) return String((result as { problem: unknown }).problem);
  return undefined;
}

/** anvil's answer (gzipped JSON in hex) written as the JSON file the product would have written, in pieces: it may be larger than one JavaScript string. */
async function writeAnswerUnchecked(answer: Buffer, file: string): Promise<void> {
  const marker = Buffer.from('"result":"0x');
  const start = answer.indexOf(marker);
  if (start < 0) throw new Error(`anvil answered no state: ${answer.subarray(0, 300).toString("utf8")}`);
  const from = start + marker.length;
  const to = answer.indexOf(0x22, from);
  const pieces: Buffer[] = [];
  const step = 64 << 20;
  for (let at = from; at < to; at += step) pieces.push(Buffer.from(answer.subarray(at, Math.min(to, at + step)).toString("latin1"), "hex"));
  await pipeline(Readable.from([Buffer.concat(pieces)]), createGunzip(), createWriteStream(file, { mode: 0o600 }));
}

/**
 * Runs a chain (already holding the deployment and the grant) with --prune-history through a
 * save as the product takes it, a SIGKILL and a --load-state: whether it comes back whole.
 */
async function probePruneHistory(chain: Chain, ledger: string, producer: string): Promise<{ works: boolean; notes: string[] }> {
  const notes: string[] = [];
  const hasRole = async (block: string) =>
    BigInt(await chain.call<string>("eth_call", [{ to: ledger, data: ledgerAbi.encodeFunctionData("hasRole", [roleId("producer"), producer]) }, block])) === 1n;
  const blocks = Number(await chain.call<string>("eth_blockNumber"));
  try {
    notes.push(`eth_call at block 1 (state of an earlier block) answers ${await hasRole("0x1")}`);
  } catch (error) {
    notes.push(`eth_call at block 1 (state of an earlier block) fails: ${message(error)}`);
  }
  const file = path.join(chain.dir, "data", "chain.json");
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let problem: string | undefined;
  try {
    problem = saveProblem(await saveSnapshot(() => chain.call<string>("anvil_dumpState", [], DUMP_TIMEOUT_MS), file));
  } catch (error) {
    problem = message(error);
  }
  if (problem) return { works: false, notes: [...notes, `saveSnapshot: ${problem}`] };
  notes.push("saveSnapshot writes a snapshot that passes its check");
  await chain.kill();
  try {
    await chain.start(file, blocks);
  } catch (error) {
    return { works: false, notes: [...notes, `--load-state: ${message(error)}`] };
  }
  const code = await chain.call<string>("eth_getCode", [ledger, "latest"]);
  const role = await hasRole("latest");
  const logs = await chain.call<unknown[]>("eth_getLogs", [{ address: ledger, fromBlock: toBeHex(blocks), toBlock: toBeHex(blocks) }]);
  notes.push(`after --load-state: block ${blocks}, ledger code ${code.length > 2 ? "present" : "MISSING"}, role ${role ? "held" : "MISSING"}, ${logs.length} log(s) of the grant's block`);
  return { works: code.length > 2 && role && logs.length > 0, notes };
}

function describe(row: Row): string {
  const restart = row.restart && "ms" in row.restart ? `restart ${(row.restart.ms / 1000).toFixed(1)} s` : `restart ${row.restart?.failed ?? "not measured"}`;
  return (
    `${row.blocks} blocks, RSS ${row.rssMb} MB, file ${row.fileBytes !== undefined ? mb(row.fileBytes) : "-"} MB, save ${row.save.ms} ms` +
    `${row.save.refused ? ` (REFUSED: ${row.save.refused})` : ""}${row.save.failed ? ` (FAILED: ${row.save.failed})` : ""}, ${restart}`
  );
}

interface Report {
  machine: Record<string, unknown>;
  checkpoints: number[];
  chains: Chain[];
  probe: { works: boolean; notes: string[] };
  segments: { from: number; to: number; seconds: number; eventsPerSecond: number; loadAverage: number }[];
  fillMs: number;
  events: number;
  firstBlock: number;
  gasUsed: number;
  gasLimit: number;
}

function report(r: Report): void {
  const yesNo = (value: boolean | number | string | undefined, yes: (v: boolean | number) => boolean = Boolean) =>
    value === undefined ? "-" : typeof value === "string" ? "error" : yes(value) ? "yes" : "NO";
  const lines: string[] = [""];
  for (const chain of r.chains) {
    lines.push(`${chain.config.name}: anvil ${chain.config.flags.join(" ") || "(defaults)"}`);
    const header = ["events", "blocks", "RSS MB", "peak MB", "disk states MB", "file MB", "B/event", "save ms", "check s", "restart s", "RSS after", "old logs", "old block", "old receipt", "heads"];
    const cells = chain.rows.map((row) => {
      const restarted = row.restart && "ms" in row.restart ? row.restart : undefined;
      return [
        row.events.toLocaleString("en-US"),
        row.blocks.toLocaleString("en-US"),
        row.rssMb.toLocaleString("en-US"),
        row.peakMb.toLocaleString("en-US"),
        row.cacheMb.toLocaleString("en-US"),
        row.fileBytes !== undefined ? mb(row.fileBytes).toLocaleString("en-US") + (row.save.unchecked ? "*" : "") : "-",
        row.bytesPerEvent?.toLocaleString("en-US") ?? "-",
        row.save.ms.toLocaleString("en-US") + (row.save.refused || row.save.failed ? "!" : ""),
        row.check ? (row.check.ms / 1000).toFixed(1) + (row.check.problem || row.check.failed ? "!" : "") : "-",
        restarted ? (restarted.ms / 1000).toFixed(1) : row.restart ? "failed" : "-",
        restarted ? restarted.rssMb.toLocaleString("en-US") : "-",
        row.after ? `${yesNo(row.after.oldLogs, (v) => Number(v) > 0)}${typeof row.after.oldLogs === "number" ? ` (${row.after.oldLogs})` : ""}` : "-",
        row.after ? (row.after.oldBlock.startsWith("error") ? "error" : row.after.oldBlock) : "-",
        row.after ? yesNo(row.after.oldReceipt) : "-",
        row.after ? yesNo(row.after.head) : "-",
      ];
    });
    const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
    const format = (line: string[]) => line.map((cell, column) => cell.padStart(widths[column])).join("  ");
    lines.push(format(header), widths.map((width) => "-".repeat(width)).join("  "), ...cells.map(format));
    for (const row of chain.rows) {
      const notes: string[] = [];
      if (row.save.refused) notes.push(`the product's save REFUSED the dump: ${row.save.refused}`);
      if (row.save.failed) notes.push(`the product's save FAILED: ${row.save.failed}`);
      if (row.save.unchecked) notes.push("* file written by the bench from anvil's answer, unchecked, to measure the restart");
      if (row.save.dumpMs !== undefined) notes.push(`anvil_dumpState ${row.save.dumpMs} ms of the save, answer ${mb(row.save.answerBytes ?? 0)} MB (gzip, hex)`);
      if (row.check?.problem || row.check?.failed) notes.push(`the product's load check: ${row.check.problem ?? row.check.failed}`);
      if (row.restart && "failed" in row.restart) notes.push(`restart failed: ${row.restart.failed}`);
      else if (row.restart && row.restart.ms / 1000 > PRODUCT_START_DEADLINE_S) notes.push(`restart over the product's ${PRODUCT_START_DEADLINE_S} s start deadline (anvil.ts waitForRpc)`);
      if (row.restart && "leftInCacheMb" in row.restart && row.restart.leftInCacheMb > 0) notes.push(`the killed anvil left ${row.restart.leftInCacheMb} MB of per-block states in its cache folder`);
      if (row.after && Object.values(row.after).some((v) => typeof v === "string" && v.startsWith("error"))) {
        notes.push(`errors after the restart: ${Object.entries(row.after).filter(([, v]) => typeof v === "string" && v.startsWith("error")).map(([k, v]) => `${k} ${v}`).join("; ")}`);
      }
      if (row.parts) {
        const p = row.parts;
        const part = (name: string) => mb(p.bytes[name] ?? 0);
        notes.push(
          `file: accounts ${part("accounts")} MB (${p.accounts} accounts, ${p.storageSlots.toLocaleString("en-US")} storage slots, ` +
            `${Math.round((p.bytes.accounts ?? 0) / row.events)} B/event), blocks ${part("blocks")} MB (${p.blocks.toLocaleString("en-US")}, ${Math.round((p.bytes.blocks ?? 0) / Math.max(1, p.blocks))} B/block), ` +
            `transactions ${part("transactions")} MB (${p.transactions.toLocaleString("en-US")}, ${p.transactions ? Math.round((p.bytes.transactions ?? 0) / p.transactions).toLocaleString("en-US") : 0} B/tx), ` +
            `historical_states ${part("historical_states")} MB`,
        );
      }
      if (notes.length) lines.push(`  at ${row.events.toLocaleString("en-US")}: ${notes.join("\n    ")}`);
    }
    if (chain.stopped) lines.push(`  STOPPED at ${chain.stopped.events.toLocaleString("en-US")} events: ${chain.stopped.reason}`);
    lines.push("");
  }
  const rate = Math.round(r.events / (r.fillMs / 1000));
  lines.push(
    `old logs/block/receipt: eth_getLogs (ledger logs), eth_getBlockByNumber, eth_getTransactionReceipt of the first filled block (${r.firstBlock}) after the restart; heads: headOf(first batch) ≠ 0 after the restart`,
    `--prune-history probe: ${r.probe.works ? "works" : "does NOT work"} with the product's save and --load-state (${r.probe.notes.join("; ")})`,
    `fill: ${r.events.toLocaleString("en-US")} harvest events (each a new batch: the worst case for contract storage) in ${(r.fillMs / 1000).toFixed(1)} s of filling, ${rate} events/s` +
      ` (recordBatch of ${BATCH_SIZE}: ${r.gasUsed.toLocaleString("en-US")} gas, ${Math.round(r.gasUsed / BATCH_SIZE).toLocaleString("en-US")} per event; ${SIGNING_THREADS} signing threads; checkpoints excluded)`,
    ...r.segments.map((s) => `  ${s.from.toLocaleString("en-US")}–${s.to.toLocaleString("en-US")}: ${s.eventsPerSecond} events/s (${s.seconds} s, load average ${s.loadAverage})`),
    `machine: ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memoryMb} MB; load average ${r.machine.loadAverageAtStart} at the start, ${loadavg().map((v) => v.toFixed(2)).join(" ")} at the end`,
  );
  console.log(lines.join("\n"));
  console.log(
    JSON.stringify({
      machine: { ...r.machine, loadAverageAtEnd: round(loadavg()[0]) },
      batchSize: BATCH_SIZE,
      keepBlocks: KEEP_BLOCKS,
      checkpoints: r.checkpoints,
      pruneHistory: r.probe,
      fill: { events: r.events, seconds: round(r.fillMs / 1000), eventsPerSecond: rate, gasPerTransaction: r.gasUsed, gasLimit: r.gasLimit, segments: r.segments },
      firstFilledBlock: r.firstBlock,
      configurations: Object.fromEntries(r.chains.map((chain) => [chain.config.key, { name: chain.config.name, flags: chain.config.flags, stopped: chain.stopped, checkpoints: chain.rows }])),
    }),
  );
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const round = (value: number) => Math.round(value * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

main()
  .then(() => cleanUp())
  .catch(async (error) => {
    console.error(error);
    await cleanUp();
    process.exit(1);
  });
