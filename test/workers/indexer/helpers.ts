/**
 * Helpers of the indexer tests: a writer that signs and relays ledger transactions for any
 * ethers signer (Hardhat's or a Wallet on anvil), a dump of the index for comparisons, and the
 * check that the index says what the chain says.
 */
import { expect } from "chai";
import { createServer, type AddressInfo } from "node:net";
import { ZeroAddress, type Signer, type TypedDataDomain } from "ethers";
import type { ProvenanceLedger } from "../../../typechain-types";
import type { Db } from "../../../server/store/database";
import { signAttestation, signEvent, signRevocation, ZHENPIN_SCHEME, type Attestation, type SignedEventStruct } from "../../../server/chain/typed-data";
import { type LedgerEvent } from "../../../server/domain/ledger-types";
import { hashDetail, isRecalledHead, ZERO_HASH } from "../../../server/domain/hashes";
import { EventKind, SubjectKind } from "../../../server/domain/event-kinds";

export type Actor = Signer & { address: string };

export interface EventOptions {
  inputs?: string[];
  /** The head to sign over; by default the batch's current head on chain. */
  prevHead?: string;
}

export interface Prepared {
  event: LedgerEvent;
  signed: SignedEventStruct;
}

/** Signs as organisations do and relays from `ledger`'s runner (the relayer). */
export class LedgerWriter {
  private counter = 0;

  constructor(
    readonly ledger: ProvenanceLedger,
    readonly domain: TypedDataDomain,
  ) {}

  /** Signs an event; by default it extends the batch's current head on chain. */
  async prepare(signer: Actor, batch: string, kind: number, options: EventOptions = {}): Promise<Prepared> {
    const prevHead =
      options.prevHead ?? (kind === EventKind.Harvest ? ZERO_HASH : await this.ledger.headOf(batch));
    const event: LedgerEvent = {
      batchId: batch,
      kind,
      prevHead,
      dataHash: hashDetail({ kind, note: `event ${++this.counter}` }),
      inputs: options.inputs ?? [],
    };
    return { event, signed: await signEvent(signer, this.domain, event) };
  }

  async record(signer: Actor, batch: string, kind: number, options: EventOptions = {}) {
    const { event, signed } = await this.prepare(signer, batch, kind, options);
    return (await this.ledger.record(signed, event.inputs)).wait();
  }

  async recordBatch(prepared: Prepared[]) {
    return (await this.ledger.recordBatch(prepared.map((p) => p.signed), prepared.flatMap((p) => p.event.inputs))).wait();
  }

  /** The calldata of `record` for a prepared event (to hand to anvil_reorg). */
  recordCalldata(prepared: Prepared): string {
    return this.ledger.interface.encodeFunctionData("record", [prepared.signed, prepared.event.inputs]);
  }

  /** Attests a 圳品 certification of one batch, or of a producer's product line; returns its id. */
  async attest(certifier: Actor, subject: { batch: string } | { producer: string; gtin: string }, certificateNo: string) {
    const attestation: Attestation = {
      scheme: ZHENPIN_SCHEME,
      certificateNo,
      ...("batch" in subject
        ? { subjectKind: SubjectKind.Batch, batchId: subject.batch, producer: ZeroAddress, gtin: 0n }
        : { subjectKind: SubjectKind.ProductLine, batchId: ZERO_HASH, producer: subject.producer, gtin: BigInt(subject.gtin) }),
      validFrom: 1_700_000_000n,
      validUntil: 1_900_000_000n,
      dataHash: hashDetail({ certificateNo }),
    };
    const { r, s, v } = await signAttestation(certifier, this.domain, attestation);
    const receipt = await (await this.ledger.attest(attestation, r, s, v)).wait();
    const log = receipt!.logs.map((l) => this.ledger.interface.parseLog(l)).find((l) => l?.name === "CertificationAttested");
    return log!.args.certificationId as string;
  }

  async revoke(signer: Actor, certificationId: string, reason: string) {
    const { r, s, v } = await signRevocation(signer, this.domain, certificationId, reason);
    return (await this.ledger.revoke(certificationId, reason, r, s, v)).wait();
  }
}

/** A port free on loopback just now: listen on port 0, read the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Every idx_ table, in a stable order. idx_blocks is limited to the blocks with logs: which
 * log-less cursor blocks are kept depends on when the ticks ran, not on the chain.
 */
export function snapshotIndex(db: Db) {
  const all = (sql: string) => db.prepare(sql).all();
  return {
    cursor: all(`SELECT * FROM idx_cursor`),
    blocks: all(`SELECT * FROM idx_blocks WHERE has_logs = 1 ORDER BY number`),
    batches: all(`SELECT * FROM idx_batches ORDER BY batch_id`),
    events: all(`SELECT * FROM idx_events ORDER BY block_number, log_index`),
    lineage: all(`SELECT * FROM idx_lineage ORDER BY batch_id, input_batch_id`),
    certifications: all(`SELECT * FROM idx_certifications ORDER BY id`),
  };
}

/**
 * The index holds exactly the chain's batches and recorded events (read back from the logs
 * with the compiled ABI, independently of the indexer) with the heads, recall flags and
 * origins the contract reports.
 */
export async function expectIndexMatchesChain(db: Db, ledger: ProvenanceLedger, deployBlock: number): Promise<void> {
  const recorded = await ledger.queryFilter(ledger.filters.EventRecorded(), deployBlock, "latest");
  const indexedEvents = db
    .prepare(`SELECT tx_hash, log_index, batch_id, kind, signer, data_hash FROM idx_events ORDER BY block_number, log_index`)
    .all();
  expect(indexedEvents).to.deep.equal(
    recorded.map((log) => ({
      tx_hash: log.transactionHash.toLowerCase(),
      log_index: log.index,
      batch_id: log.args.batchId.toLowerCase(),
      kind: Number(log.args.kind),
      signer: log.args.signer,
      data_hash: log.args.dataHash.toLowerCase(),
    })),
  );

  const batchIds = [...new Set(recorded.map((log) => log.args.batchId.toLowerCase()))].sort();
  const rows = db.prepare(`SELECT * FROM idx_batches ORDER BY batch_id`).all() as Array<Record<string, unknown>>;
  expect(rows.map((row) => row.batch_id)).to.deep.equal(batchIds);
  for (const row of rows) {
    const id = row.batch_id as string;
    const head = await ledger.headOf(id);
    const origin = await ledger.originOf(id);
    expect(row.head, `head of ${id}`).to.equal(head);
    expect(row.recalled, `recalled of ${id}`).to.equal((await ledger.isRecalled(id)) ? 1 : 0);
    expect(isRecalledHead(head)).to.equal(row.recalled === 1);
    expect(row.creator).to.equal(origin.creator);
    expect(row.created_by).to.equal(Number(origin.createdBy));
    expect(row.created_at).to.equal(Number(origin.createdAt));
    expect(row.event_count).to.equal(recorded.filter((log) => log.args.batchId.toLowerCase() === id).length);
  }
}
