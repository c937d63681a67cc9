/**
 * Measures the gas the ledger spends per recorded event on the in-process Hardhat network, from
 * transaction receipts (so the 21,000 base and the signature check are included):
 *
 *   - a shipment alone in its transaction through `record` (and a harvest, for context);
 *   - `recordBatch` of 10, 100 and 500 shipments, receipts and sales, each on its own batch;
 *   - `recordBatch` of 100 events chained on one batch;
 *   - a correction alone, signed by the producer (the kind `_mayMake` tries last), for context.
 *
 * Prints a table, then as its last line a JSON object of the figures.
 *
 *   npm run bench:gas
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { artifacts, ethers, network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionReceipt, ContractTransactionResponse, TypedDataDomain } from "ethers";
import type { ProvenanceLedger } from "../typechain-types";
import { deployLedger } from "../server/chain/deploy-ledger";
import { ledgerDomain, nextHead, signEvent, type SignedEventStruct } from "../server/chain/typed-data";
import { type LedgerEvent } from "../server/domain/ledger-types";
import { hashDetail, ZERO_HASH } from "../server/domain/hashes";
import { EventKind, eventKindName } from "../server/domain/event-kinds";
import { batchIdFor } from "../server/domain/gs1";

const { Harvest, Shipment, Receipt, Sale, Correction } = EventKind;

const GTIN = "06901234567892";
const BATCH_SIZES = [10, 100, 500] as const;
const SAME_BATCH_EVENTS = 100;
/** Harvests are created this many per transaction, well inside the block gas limit. */
const HARVESTS_PER_TRANSACTION = 100;
const TARGETS = { singleEventGas: 45_000, batchedEventGas100: 15_000 };

/** A signed event and the head its batch has once it is recorded. */
interface SignedEvent {
  event: LedgerEvent;
  signed: SignedEventStruct;
  head: string;
}

interface Row {
  label: string;
  events: number;
  gasUsed: bigint;
}

interface Organisations {
  producer: HardhatEthersSigner;
  carriers: HardhatEthersSigner[];
  retailers: HardhatEthersSigner[];
}

/** Signs events off chain, relays them and checks that every one was recorded. */
class Bench {
  private lots = 0;
  private details = 0;

  constructor(
    private readonly ledger: ProvenanceLedger,
    private readonly domain: TypedDataDomain,
    readonly orgs: Organisations,
  ) {}

  async sign(signer: HardhatEthersSigner, batchId: string, kind: number, prevHead: string): Promise<SignedEvent> {
    const detail = { bench: ++this.details, kind: eventKindName(kind) };
    const event: LedgerEvent = { batchId, kind, prevHead, dataHash: hashDetail(detail), inputs: [] };
    return { event, signed: await signEvent(signer, this.domain, event), head: nextHead(event, signer.address) };
  }

  /** A harvest of a batch no one has used yet. */
  signHarvest(): Promise<SignedEvent> {
    return this.sign(this.orgs.producer, batchIdFor(GTIN, `BENCH-${++this.lots}`), Harvest, ZERO_HASH);
  }

  /** Event number `i` of a mix of shipments, receipts and sales by a few carriers and retailers. */
  signMixed(i: number, batchId: string, prevHead: string): Promise<SignedEvent> {
    const { carriers, retailers } = this.orgs;
    const kinds = [Shipment, Receipt, Sale];
    const signers = [carriers, [...carriers, ...retailers], retailers];
    const slot = i % kinds.length;
    return this.sign(pick(signers[slot], Math.floor(i / kinds.length)), batchId, kinds[slot], prevHead);
  }

  /** `count` mixed events on the harvested batch, each extending the head the one before leads to. */
  async signChain(harvest: SignedEvent, count: number): Promise<SignedEvent[]> {
    const events: SignedEvent[] = [];
    for (let i = 0, head = harvest.head; i < count; i++) {
      events.push(await this.signMixed(i, harvest.event.batchId, head));
      head = events[i].head;
    }
    return events;
  }

  /** Harvests `count` new batches ahead of the measurements; resolves to their harvests. */
  async harvested(count: number): Promise<SignedEvent[]> {
    const harvests = await Promise.all(Array.from({ length: count }, () => this.signHarvest()));
    for (let start = 0; start < count; start += HARVESTS_PER_TRANSACTION) {
      await this.recordBatch(harvests.slice(start, start + HARVESTS_PER_TRANSACTION));
    }
    return harvests;
  }

  async record(event: SignedEvent): Promise<bigint> {
    return this.checked(this.ledger.record(event.signed, []), 1);
  }

  async recordBatch(events: SignedEvent[]): Promise<bigint> {
    return this.checked(
      this.ledger.recordBatch(
        events.map((e) => e.signed),
        [],
      ),
      events.length,
    );
  }

  /** The transaction's gas; throws unless it recorded exactly `expected` events. */
  private async checked(sent: Promise<ContractTransactionResponse>, expected: number): Promise<bigint> {
    const receipt = await (await sent).wait();
    if (!receipt || receipt.status !== 1) throw new Error("the transaction failed");
    const { recorded, rejections } = this.readLogs(receipt);
    if (rejections.length > 0 || recorded !== expected) {
      throw new Error(`recorded ${recorded} of ${expected} events; rejected:\n  ${rejections.join("\n  ")}`);
    }
    return receipt.gasUsed;
  }

  private readLogs(receipt: ContractTransactionReceipt) {
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
    return { recorded, rejections };
  }
}

function pick<T>(items: T[], i: number): T {
  return items[i % items.length];
}

/** Measures each scenario on freshly harvested batches, in the order of the table. */
async function measure(bench: Bench): Promise<Row[]> {
  const rows: Row[] = [];
  rows.push({ label: "harvest alone, record (creates the batch)", events: 1, gasUsed: await bench.record(await bench.signHarvest()) });

  const [alone] = await bench.harvested(1);
  const shipment = await bench.sign(bench.orgs.carriers[0], alone.event.batchId, Shipment, alone.head);
  rows.push({ label: "shipment alone, record", events: 1, gasUsed: await bench.record(shipment) });

  for (const size of BATCH_SIZES) {
    const batches = await bench.harvested(size);
    const events = await Promise.all(batches.map((h, i) => bench.signMixed(i, h.event.batchId, h.head)));
    rows.push({ label: `recordBatch, ${size} events on ${size} batches`, events: size, gasUsed: await bench.recordBatch(events) });
  }

  const [chained] = await bench.harvested(1);
  const events = await bench.signChain(chained, SAME_BATCH_EVENTS);
  rows.push({ label: `recordBatch, ${SAME_BATCH_EVENTS} events chained on 1 batch`, events: SAME_BATCH_EVENTS, gasUsed: await bench.recordBatch(events) });

  const [corrected] = await bench.harvested(1);
  const correction = await bench.sign(bench.orgs.producer, corrected.event.batchId, Correction, corrected.head);
  rows.push({ label: "correction alone, record", events: 1, gasUsed: await bench.record(correction) });
  return rows;
}

function perEvent(row: Row): number {
  return Math.round(Number(row.gasUsed) / row.events);
}

function printTable(rows: Row[]): void {
  const header = ["measurement", "events", "gas used", "gas per event"];
  const cells = rows.map((row) => [row.label, String(row.events), row.gasUsed.toLocaleString("en-US"), perEvent(row).toLocaleString("en-US")]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
  const format = (line: string[]) => line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ");
  console.log(format(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  cells.forEach((line) => console.log(format(line)));
}

/** The table, whether the targets are met, and last the figures as one line of JSON. */
function report(rows: Row[]): void {
  const [harvest, single, ...rest] = rows;
  const batched = rest.slice(0, BATCH_SIZES.length);
  const [sameBatch, correction] = rest.slice(BATCH_SIZES.length);
  const figures = {
    singleEventGas: perEvent(single),
    batchedEventGas: Object.fromEntries(batched.map((row) => [String(row.events), perEvent(row)])),
    harvestGas: perEvent(harvest),
    sameBatch100: perEvent(sameBatch),
    correctionGas: perEvent(correction),
  };
  printTable(rows);
  const verdict = (value: number, target: number) => `${value.toLocaleString("en-US")} (target ≤ ${target.toLocaleString("en-US")}: ${value <= target ? "met" : "MISSED"})`;
  console.log("");
  console.log(`single event: ${verdict(figures.singleEventGas, TARGETS.singleEventGas)}`);
  console.log(`batched, 100 events: ${verdict(figures.batchedEventGas["100"], TARGETS.batchedEventGas100)} per event`);
  console.log(JSON.stringify(figures));
}

async function main(): Promise<void> {
  if (network.name !== "hardhat") throw new Error(`bench:gas measures on the in-process hardhat network, not "${network.name}"`);
  const [admin, producer, relayer, carrierA, carrierB, carrierC, retailerA, retailerB] = await ethers.getSigners();
  const orgs: Organisations = { producer, carriers: [carrierA, carrierB, carrierC], retailers: [retailerA, retailerB] };

  const deploymentsDir = mkdtempSync(path.join(tmpdir(), "bench-gas-"));
  try {
    const deployment = await deployLedger({
      signer: admin,
      artifact: await artifacts.readArtifact("ProvenanceLedger"),
      deploymentsDir,
      grants: [
        { role: "producer", account: producer.address },
        ...orgs.carriers.map((carrier) => ({ role: "carrier" as const, account: carrier.address })),
        ...orgs.retailers.map((retailer) => ({ role: "retailer" as const, account: retailer.address })),
      ],
    });
    const ledger = (await ethers.getContractAt("ProvenanceLedger", deployment.address, relayer)) as unknown as ProvenanceLedger;
    report(await measure(new Bench(ledger, ledgerDomain(deployment.chainId, deployment.address), orgs)));
  } finally {
    rmSync(deploymentsDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
