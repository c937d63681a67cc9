/**
 * Measures the gas the ledger spends per recorded event on the in-process Hardhat network, from
 * transaction receipts (so the 21,000 base, the calldata and the signature check are included),
 * on journeys the custody rules accept — the producer ships a batch it holds to a retailer, the
 * retailer records the receipt, then sells:
 *
 *   - a harvest, a shipment, a receipt, a sale and a correction, each alone through `record`;
 *   - `recordBatch` of 10, 100 and 500 events, each on its own batch (shipments, receipts and
 *     sales in turn, on batches made ready beforehand);
 *   - `recordBatch` of 100 events chained on one batch.
 *
 * Each figure is measured twice: on the current contract (heads that commit to custody: every
 * event but a harvest proves its batch's custody) and on the contract as it was before custody
 * (the parent of the commit that added contracts/libraries/Custody.sol, or BENCH_GAS_BASELINE),
 * compiled here from git with the project's solc settings and cached under cache/. The
 * difference is what the custody check costs per event. With no git history at hand, only the
 * current contract is measured.
 *
 * Prints a table, where the gas of one event alone and of the ×100 batches went by part (from the
 * opcode trace: storage, the signature check, calldata, logs, hashing, the rest), then as its last
 * line a JSON object of the figures.
 *
 *   npm run bench:gas
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import hre, { artifacts, ethers, network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Contract, TypedDataEncoder, ZeroAddress, type InterfaceAbi, type TransactionReceipt, type TypedDataDomain } from "ethers";
import { deployLedger } from "../server/chain/deploy-ledger";
import { chainStep, ledgerDomain, signEvent } from "../server/chain/typed-data";
import { type LedgerEvent } from "../server/domain/ledger-types";
import { type Custody } from "../server/domain/custody";
import { hashDetail, RECALLED_FLAG, ZERO_HASH } from "../server/domain/hashes";
import { EventKind, eventKindName } from "../server/domain/event-kinds";
import { batchIdFor } from "../server/domain/gs1";
import { calldataCost, gasBreakdown, perEventBreakdown, type GasBreakdown } from "./lib/gas-breakdown";

const { Harvest, Shipment, Receipt, Sale, Recall, Correction } = EventKind;

const GTIN = "06901234567892";
const BATCH_SIZES = [10, 100, 500] as const;
const SAME_BATCH_EVENTS = 100;
/** Batches made ready per setup transaction (up to three events each), well inside the block gas limit. */
const SETUP_BATCHES_PER_TRANSACTION = 60;
/** The throughput work's targets: one event alone, and each of 100 batched on existing batches. */
const TARGETS = { singleEventGas: 40_000, batchedEventGas100: 12_000 };

/** The event types the contract signed before custody: no counterparty. */
const EVENT_TYPES_BEFORE = {
  Event: [
    { name: "batchId", type: "bytes32" },
    { name: "kind", type: "uint8" },
    { name: "prevHead", type: "bytes32" },
    { name: "dataHash", type: "bytes32" },
    { name: "inputs", type: "bytes32[]" },
  ],
};

interface Organisations {
  producer: HardhatEthersSigner;
  retailers: HardhatEthersSigner[];
}

/** Where a batch stands: its head, and (with custody) its latest link and its custodians. */
interface BatchState {
  head: string;
  link: string;
  custody?: Custody;
}

/** An event signed and ready to relay, with the proof of its batch's custody (with custody, unless it creates the batch). */
interface Prepared {
  struct: Record<string, unknown>;
  proofs: { link: string; holders: number; pending: number }[];
  custodians: string[];
}

/**
 * One contract under measurement: signs events for it as organisations would, keeping each
 * batch's state off chain (every event is expected to be recorded, and checked to be), and
 * relays them.
 */
class Bench {
  private readonly states = new Map<string, BatchState>();
  private details = 0;
  private lots = 0;

  constructor(
    private readonly ledger: Contract,
    private readonly domain: TypedDataDomain,
    /** Whether the contract's heads commit to custody (its events take a counterparty and proofs). */
    private readonly custody: boolean,
    readonly orgs: Organisations,
  ) {}

  /** A lot no one has used yet. */
  freshBatch(): string {
    return batchIdFor(GTIN, `BENCH-${++this.lots}`);
  }

  /** Signs an event on the batch's current state and moves that state on, as the contract will. */
  async sign(signer: HardhatEthersSigner, batchId: string, kind: number, counterparty = ZeroAddress): Promise<Prepared> {
    const before = this.states.get(batchId);
    const prevHead = before?.head ?? ZERO_HASH;
    const dataHash = hashDetail({ bench: ++this.details, kind: eventKindName(kind) });
    if (!this.custody) {
      const event = { batchId, kind, prevHead, dataHash, inputs: [] };
      const { r, s, v } = ethers.Signature.from(await signer.signTypedData(this.domain, EVENT_TYPES_BEFORE, event));
      const structHash = TypedDataEncoder.hashStruct("Event", EVENT_TYPES_BEFORE, event);
      const link = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "address"], [structHash, signer.address]));
      const flags = (BigInt(prevHead) & 0xffn) | (kind === Recall ? RECALLED_FLAG : 0n);
      this.states.set(batchId, { link, head: ethers.toBeHex((BigInt(link) & ~0xffn) | flags, 32) });
      return { struct: { batchId, prevHead, dataHash, kind, inputCount: 0, r, s, v }, proofs: [], custodians: [] };
    }
    const event: LedgerEvent = { batchId, kind, prevHead, dataHash, inputs: [], counterparty };
    const struct = await signEvent(signer, this.domain, event);
    this.states.set(batchId, chainStep(event, signer.address, before?.custody));
    if (!before) return { struct: { ...struct }, proofs: [], custodians: [] };
    const { holders, pending } = before.custody!;
    return {
      struct: { ...struct },
      proofs: [{ link: before.link, holders: holders.length, pending: pending.length }],
      custodians: [...holders, ...pending],
    };
  }

  /** The producer ships the batch to `retailer`. */
  ship(batchId: string, retailer: HardhatEthersSigner): Promise<Prepared> {
    return this.sign(this.orgs.producer, batchId, Shipment, retailer.address);
  }

  /** Harvests `count` new batches and brings each to `stage` (shipped to a retailer, or received by it); resolves to the ids. */
  async ready(count: number, stage: "harvested" | "shipped" | "received"): Promise<string[]> {
    const ids = Array.from({ length: count }, () => this.freshBatch());
    for (let start = 0; start < count; start += SETUP_BATCHES_PER_TRANSACTION) {
      const events: Prepared[] = [];
      for (const [i, id] of ids.slice(start, start + SETUP_BATCHES_PER_TRANSACTION).entries()) {
        const retailer = this.retailerFor(start + i);
        events.push(await this.sign(this.orgs.producer, id, Harvest));
        if (stage !== "harvested") events.push(await this.ship(id, retailer));
        if (stage === "received") events.push(await this.sign(retailer, id, Receipt));
      }
      await this.recordBatch(events);
    }
    return ids;
  }

  /** The retailer that receives the i-th batch made ready. */
  retailerFor(i: number): HardhatEthersSigner {
    return this.orgs.retailers[i % this.orgs.retailers.length];
  }

  async record(event: Prepared): Promise<Measured> {
    const args = this.custody ? [event.struct, [], event.proofs, event.custodians] : [event.struct, []];
    return this.checked(this.ledger.record(...args), 1);
  }

  async recordBatch(events: Prepared[]): Promise<Measured> {
    const structs = events.map((e) => e.struct);
    const args = this.custody ? [structs, [], events.flatMap((e) => e.proofs), events.flatMap((e) => e.custodians)] : [structs, []];
    return this.checked(this.ledger.recordBatch(...args), events.length);
  }

  /** The transaction's gas, and its calldata's share; throws unless it recorded exactly `expected` events. */
  private async checked(sent: Promise<{ data: string; wait(): Promise<TransactionReceipt | null> }>, expected: number): Promise<Measured> {
    const response = await sent;
    const receipt = await response.wait();
    if (!receipt || receipt.status !== 1) throw new Error("the transaction failed");
    let recorded = 0;
    const rejections: string[] = [];
    for (const log of receipt.logs) {
      const parsed = this.ledger.interface.parseLog(log);
      if (parsed?.name === "EventRecorded") recorded++;
      if (parsed?.name === "EventRejected") {
        const reason = this.ledger.interface.parseError(parsed.args.reason);
        rejections.push(`#${parsed.args.index}: ${reason ? `${reason.name}(${reason.args.join(", ")})` : parsed.args.reason}`);
      }
    }
    if (rejections.length > 0 || recorded !== expected) {
      throw new Error(`recorded ${recorded} of ${expected} events; rejected:\n  ${rejections.join("\n  ")}`);
    }
    return { gasUsed: receipt.gasUsed, calldataGas: calldataCost(response.data), hash: receipt.hash, data: response.data };
  }
}

/** What a transaction cost: all its gas, and what its calldata cost of it (4 a zero byte, 16 another). */
interface Measured {
  gasUsed: bigint;
  calldataGas: number;
  /** The transaction and its calldata, to trace where its gas went. */
  hash: string;
  data: string;
}

interface Row extends Measured {
  label: string;
  events: number;
}

/** Measures each scenario on batches made ready for it, in the order of the table. */
async function measure(bench: Bench): Promise<Row[]> {
  const { producer } = bench.orgs;
  const rows: Row[] = [];
  const alone = async (label: string, event: Prepared) => {
    rows.push({ label: `${label} alone, record`, events: 1, ...(await bench.record(event)) });
  };
  await alone("harvest (creates the batch)", await bench.sign(producer, bench.freshBatch(), Harvest));
  const [toShip] = await bench.ready(1, "harvested");
  await alone("shipment by the holder", await bench.ship(toShip, bench.retailerFor(0)));
  const [toReceive] = await bench.ready(1, "shipped");
  await alone("receipt by the consignee", await bench.sign(bench.retailerFor(0), toReceive, Receipt));
  const [toSell] = await bench.ready(1, "received");
  await alone("sale by the holder", await bench.sign(bench.retailerFor(0), toSell, Sale));

  for (const size of BATCH_SIZES) {
    // shipments, receipts and sales in turn, each on a batch made ready for it
    const kinds = Array.from({ length: size }, (_, i) => [Shipment, Receipt, Sale][i % 3]);
    const count = (kind: number) => kinds.filter((k) => k === kind).length;
    const ready = {
      [Shipment]: await bench.ready(count(Shipment), "harvested"),
      [Receipt]: await bench.ready(count(Receipt), "shipped"),
      [Sale]: await bench.ready(count(Sale), "received"),
    };
    const events: Prepared[] = [];
    for (const [i, kind] of kinds.entries()) {
      const at = Math.floor(i / 3);
      const id = ready[kind as 2 | 3 | 4][at];
      events.push(kind === Shipment ? await bench.ship(id, bench.retailerFor(at)) : await bench.sign(bench.retailerFor(at), id, kind));
    }
    rows.push({ label: `recordBatch, ${size} events on ${size} batches`, events: size, ...(await bench.recordBatch(events)) });
  }

  const [chained] = await bench.ready(1, "harvested");
  const retailer = bench.retailerFor(0);
  const events: Prepared[] = [];
  for (let i = 0; i < SAME_BATCH_EVENTS; i++) {
    const kind = [Shipment, Receipt, Sale][i % 3];
    events.push(kind === Shipment ? await bench.ship(chained, retailer) : await bench.sign(retailer, chained, kind));
  }
  const label = `recordBatch, ${SAME_BATCH_EVENTS} events chained on 1 batch`;
  rows.push({ label, events: SAME_BATCH_EVENTS, ...(await bench.recordBatch(events)) });

  const [corrected] = await bench.ready(1, "harvested");
  await alone("correction by the creator", await bench.sign(producer, corrected, Correction));
  return rows;
}

function perEvent(row: Row): number {
  return Math.round(Number(row.gasUsed) / row.events);
}

function calldataPerEvent(row: Row): number {
  return Math.round(row.calldataGas / row.events);
}

const signed = (value: number) => `${value >= 0 ? "+" : ""}${value.toLocaleString("en-US")}`;

function printTable(after: Row[], before: Row[] | undefined): void {
  const header = ["measurement", "events", "gas per event", ...(before ? ["before custody", "custody check", "of which calldata"] : [])];
  const cells = after.map((row, i) => {
    const line = [row.label, String(row.events), perEvent(row).toLocaleString("en-US")];
    if (before) {
      line.push(
        perEvent(before[i]).toLocaleString("en-US"),
        signed(perEvent(row) - perEvent(before[i])),
        signed(calldataPerEvent(row) - calldataPerEvent(before[i])),
      );
    }
    return line;
  });
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
  const format = (line: string[]) =>
    line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ");
  console.log(format(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  cells.forEach((line) => console.log(format(line)));
}

/** The figures of one contract, by measurement. */
function figuresOf(rows: Row[]) {
  const [harvest, shipment, receipt, sale, ...rest] = rows;
  const batched = rest.slice(0, BATCH_SIZES.length);
  const [sameBatch, correction] = rest.slice(BATCH_SIZES.length);
  return {
    singleEventGas: perEvent(shipment),
    singleEventCalldataGas: calldataPerEvent(shipment),
    batchedCalldataGas100: calldataPerEvent(batched[1]),
    receiptGas: perEvent(receipt),
    saleGas: perEvent(sale),
    batchedEventGas: Object.fromEntries(batched.map((row) => [String(row.events), perEvent(row)])),
    harvestGas: perEvent(harvest),
    sameBatch100: perEvent(sameBatch),
    correctionGas: perEvent(correction),
  };
}

/** The rows whose gas is broken down by part: one event alone, and the ×100 batches. */
const BROKEN_DOWN = ["shipment by the holder alone, record", "recordBatch, 100 events on 100 batches", `recordBatch, ${SAME_BATCH_EVENTS} events chained on 1 batch`];

/** Where each broken-down row's gas went, per event. */
async function breakdowns(rows: Row[]): Promise<{ label: string; parts: GasBreakdown }[]> {
  const tracer = { send: (method: string, params: unknown[]) => network.provider.send(method, params) };
  const out: { label: string; parts: GasBreakdown }[] = [];
  for (const row of rows.filter((r) => BROKEN_DOWN.includes(r.label))) {
    out.push({ label: row.label, parts: perEventBreakdown(await gasBreakdown(tracer, row.hash, row.data, row.gasUsed), row.events) });
  }
  return out;
}

function printBreakdown(broken: { label: string; parts: GasBreakdown }[]): void {
  const parts: (keyof GasBreakdown)[] = ["base", "calldata", "storage", "signature", "logs", "hashing", "rest", "refund"];
  const names: Record<keyof GasBreakdown, string> = {
    base: "21,000 base",
    calldata: "calldata",
    storage: "storage (SLOAD/SSTORE)",
    signature: "signature (ecrecover)",
    logs: "logs",
    hashing: "hashing (KECCAK256)",
    rest: "the rest (decoding, memory, checks)",
    refund: "refund (taken off)",
  };
  console.log("");
  console.log("gas per event, by part (from the opcode trace):");
  const header = ["part", ...broken.map((b) => b.label.replace(", record", ""))];
  const cells = parts.map((part) => [names[part], ...broken.map((b) => (part === "refund" && b.parts.refund !== 0 ? -b.parts.refund : b.parts[part]).toLocaleString("en-US"))]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
  const format = (line: string[]) => line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ");
  console.log(format(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  cells.forEach((line) => console.log(format(line)));
}

/** The table, whether the targets are met, and last the figures as one line of JSON. */
function report(after: Row[], before: Row[] | undefined, baseline: string | undefined, broken: { label: string; parts: GasBreakdown }[]): void {
  const figures = figuresOf(after);
  printTable(after, before);
  printBreakdown(broken);
  const verdict = (value: number, target: number) =>
    `${value.toLocaleString("en-US")} (target ≤ ${target.toLocaleString("en-US")}: ${value <= target ? "met" : "MISSED"})`;
  console.log("");
  console.log(`single event (a shipment): ${verdict(figures.singleEventGas, TARGETS.singleEventGas)}`);
  console.log(`batched, 100 events: ${verdict(figures.batchedEventGas["100"], TARGETS.batchedEventGas100)} per event`);
  if (before) {
    const was = figuresOf(before);
    const alone = figures.singleEventGas - was.singleEventGas;
    const batched = figures.batchedEventGas["100"] - was.batchedEventGas["100"];
    const calldata = (now: number, then: number) => `of which ${signed(now - then)} calldata`;
    console.log(
      `custody check, per event: ${signed(alone)} alone (a shipment; ${calldata(figures.singleEventCalldataGas, was.singleEventCalldataGas)}), ` +
        `${signed(batched)} batched ×100 (${calldata(figures.batchedCalldataGas100, was.batchedCalldataGas100)}), against ${baseline}`,
    );
    console.log(JSON.stringify({ ...figures, before: { baseline, ...was } }));
  } else {
    console.log("no contract before custody to compare with (no git history, or BENCH_GAS_BASELINE=none)");
    console.log(JSON.stringify(figures));
  }
}

/** The commit whose contracts are the baseline: BENCH_GAS_BASELINE, or the parent of the one that added custody. */
function baselineCommit(): string | undefined {
  const named = process.env.BENCH_GAS_BASELINE;
  if (named === "none") return undefined;
  const git = (...args: string[]) => execFileSync("git", args, { cwd: hre.config.paths.root, encoding: "utf8" }).trim();
  try {
    const rev = named ?? `${git("log", "--diff-filter=A", "--format=%H", "--", "contracts/libraries/Custody.sol").split("\n").at(-1)}~1`;
    return git("rev-parse", "--verify", `${rev}^{commit}`);
  } catch {
    if (named) throw new Error(`BENCH_GAS_BASELINE=${named} is not a commit of this repository`);
    return undefined;
  }
}

/**
 * The ProvenanceLedger of `commit`, compiled with the project's compiler settings by the pinned
 * solc-js (OpenZeppelin from node_modules); cached in cache/bench-gas-<commit>.json.
 */
function compileAt(commit: string): { abi: InterfaceAbi; bytecode: string } {
  const root = hre.config.paths.root;
  const cached = path.join(hre.config.paths.cache, `bench-gas-${commit}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, "utf8"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  const files = git("ls-tree", "-r", "--name-only", commit, "contracts").split("\n").filter((file) => file.endsWith(".sol"));
  const sources = Object.fromEntries(files.map((file) => [file, { content: git("show", `${commit}:${file}`) }]));
  const { version, settings } = hre.config.solidity.compilers[0];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  if (!String(solc.version()).startsWith(version)) throw new Error(`solc-js is ${solc.version()}, the project compiles with ${version}`);
  console.log(`compiling the contracts of ${commit.slice(0, 10)} (the baseline) with solc-js ${version}...`);
  const input = {
    language: "Solidity",
    sources,
    settings: { ...settings, outputSelection: { "contracts/ProvenanceLedger.sol": { ProvenanceLedger: ["abi", "evm.bytecode.object"] } } },
  };
  const findImports = (file: string) => {
    try {
      return { contents: readFileSync(require.resolve(file, { paths: [root] }), "utf8") };
    } catch {
      return { error: `not found: ${file}` };
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e: { formattedMessage: string }) => e.formattedMessage).join("\n"));
  const contract = output.contracts["contracts/ProvenanceLedger.sol"].ProvenanceLedger;
  const artifact = { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
  mkdirSync(path.dirname(cached), { recursive: true });
  writeFileSync(cached, JSON.stringify(artifact));
  return artifact;
}

/** Deploys `artifact`, grants the bench's roles, and measures it. */
async function measureContract(artifact: { abi: InterfaceAbi; bytecode: string }, custody: boolean): Promise<Row[]> {
  const [admin, producer, relayer, retailerA, retailerB] = await ethers.getSigners();
  const orgs: Organisations = { producer, retailers: [retailerA, retailerB] };
  const deploymentsDir = mkdtempSync(path.join(tmpdir(), "bench-gas-"));
  try {
    const deployment = await deployLedger({
      signer: admin,
      artifact,
      deploymentsDir,
      grants: [
        { role: "producer", account: producer.address },
        ...orgs.retailers.map((retailer) => ({ role: "retailer" as const, account: retailer.address })),
      ],
    });
    const ledger = new Contract(deployment.address, artifact.abi, relayer);
    return await measure(new Bench(ledger, ledgerDomain(deployment.chainId, deployment.address), custody, orgs));
  } finally {
    rmSync(deploymentsDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (network.name !== "hardhat") throw new Error(`bench:gas measures on the in-process hardhat network, not "${network.name}"`);
  const baseline = baselineCommit();
  // the baseline first: deployLedger refuses a deployment of another ledger version, so each gets its own folder
  const before = baseline ? await measureContract(compileAt(baseline), false) : undefined;
  const after = await measureContract(await artifacts.readArtifact("ProvenanceLedger"), true);
  report(after, before, baseline?.slice(0, 10), await breakdowns(after));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
