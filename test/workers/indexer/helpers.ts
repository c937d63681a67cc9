/**
 * Helpers of the indexer tests: a writer that signs and relays ledger transactions for any
 * ethers signer (Hardhat's or a Wallet on anvil), proving custody from the chain's logs, a dump of the index for comparisons, and the
 * check that the index says what the chain says.
 */
import { expect } from "chai";
import { createServer, type AddressInfo } from "node:net";
import { ZeroAddress, type Signer, type TypedDataDomain } from "ethers";
import type { ProvenanceLedger } from "../../../typechain-types";
import type { Db } from "../../../server/store/database";
import {
  chainStep,
  signAttestation,
  signEvent,
  signRevocation,
  ZHENPIN_SCHEME,
  type Attestation,
  type SignedEventStruct,
} from "../../../server/chain/typed-data";
import type { CustodyProof } from "../../../server/chain/ledger-calls";
import { batchHistoryFilter, decodeLedgerLogs, replayBatch } from "../../../server/chain/ledger-events";
import { decodeCustody, type Custody } from "../../../server/domain/custody";
import { proofArgs } from "../../helpers/ledger-fixture";
import { type LedgerEvent } from "../../../server/domain/ledger-types";
import { hashDetail, isRecalledHead, ZERO_HASH } from "../../../server/domain/hashes";
import { EventKind, SubjectKind } from "../../../server/domain/event-kinds";

export type Actor = Signer & { address: string };

export interface EventOptions {
  inputs?: string[];
  /** The organisation a shipment goes to; the zero address by default. */
  counterparty?: string | { address: string };
  /** The head to sign over; by default the batch's current head (on chain, or as `after` leaves it). */
  prevHead?: string;
  /** Earlier prepared events of the same transaction: the event extends (and proves) the state they leave. */
  after?: Prepared | Prepared[];
}

export interface Prepared {
  event: LedgerEvent;
  signed: SignedEventStruct;
  /** Its custody proofs: its own batch's unless it creates it, then each input's. */
  proofs: CustodyProof[];
  /** Where its batch stands once it is recorded. */
  step: BatchState;
}

/** Where a batch stands: its latest event's link, its custody and its head. */
export interface BatchState {
  link: string;
  custody: Custody;
  head: string;
}

/** What a proof for a batch with no history holds: nothing, which no head commits to. */
const NO_PROOF: CustodyProof = { link: ZERO_HASH, custody: { holders: [], pending: [] } };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Signs as organisations do and relays from `ledger`'s runner (the relayer), proving each
 * event's custody from the chain's logs as the gateway's relayer does.
 */
export class LedgerWriter {
  private counter = 0;

  constructor(
    readonly ledger: ProvenanceLedger,
    readonly domain: TypedDataDomain,
  ) {}

  /** The batch's events as its logs on chain replay them. */
  async history(batch: string) {
    const provider = this.ledger.runner!.provider!;
    const filter = batchHistoryFilter(await this.ledger.getAddress(), batch, 0);
    return replayBatch(batch, decodeLedgerLogs(await provider.getLogs(filter)));
  }

  /**
   * Signs an event; by default it extends the batch's current head on chain (or the one `after`
   * leaves), with proofs of what that head and each input's commit to. With `prevHead`, it
   * proves the state of the batch's history that has that head.
   */
  async prepare(signer: Actor, batch: string, kind: number, options: EventOptions = {}): Promise<Prepared> {
    const after = [options.after ?? []].flat();
    const stateOf = async (id: string, head?: string): Promise<BatchState | undefined> => {
      const earlier = after.filter((p) => same(p.event.batchId, id)).map((p) => p.step);
      const states = [...(await this.history(id)), ...earlier];
      return head === undefined ? states.at(-1) : states.findLast((s) => same(s.head, head));
    };
    const inputs = options.inputs ?? [];
    const own = kind === EventKind.Harvest && options.prevHead === undefined ? undefined : await stateOf(batch, options.prevHead);
    const prevHead = options.prevHead ?? own?.head ?? ZERO_HASH;
    const extending = prevHead !== ZERO_HASH;
    const proofs = [
      ...(extending ? [own ?? NO_PROOF] : []),
      ...(await Promise.all(inputs.map(async (input) => (await stateOf(input)) ?? NO_PROOF))),
    ].map(({ link, custody }) => ({ link, custody }));
    const counterparty = options.counterparty ?? ZeroAddress;
    const event: LedgerEvent = {
      batchId: batch,
      kind,
      prevHead,
      dataHash: hashDetail({ kind, note: `event ${++this.counter}` }),
      inputs,
      counterparty: typeof counterparty === "string" ? counterparty : counterparty.address,
    };
    const step = chainStep(event, signer.address, extending ? proofs[0].custody : undefined);
    return { event, signed: await signEvent(signer, this.domain, event), proofs, step };
  }

  async record(signer: Actor, batch: string, kind: number, options: EventOptions = {}) {
    const prepared = await this.prepare(signer, batch, kind, options);
    return (await this.ledger.record(prepared.signed, prepared.event.inputs, ...proofArgs(prepared.proofs))).wait();
  }

  /** `from`, a holder, ships the batch to `to`, which receives it. */
  async handOver(batch: string, from: Actor, to: Actor) {
    await this.record(from, batch, EventKind.Shipment, { counterparty: to });
    return this.record(to, batch, EventKind.Receipt);
  }

  async recordBatch(prepared: Prepared[]) {
    return (
      await this.ledger.recordBatch(
        prepared.map((p) => p.signed),
        prepared.flatMap((p) => p.event.inputs),
        ...proofArgs(prepared.flatMap((p) => p.proofs)),
      )
    ).wait();
  }

  /** The calldata of `record` for a prepared event (to hand to anvil_reorg). */
  recordCalldata(prepared: Prepared): string {
    return this.ledger.interface.encodeFunctionData("record", [prepared.signed, prepared.event.inputs, ...proofArgs(prepared.proofs)]);
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
 * origins the contract reports, and each batch's latest link and custody as its logs replay.
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
    // What the head commits to: the latest link and the custody, as the logs replay them.
    const filter = batchHistoryFilter(await ledger.getAddress(), id, deployBlock);
    const last = replayBatch(id, decodeLedgerLogs(await ledger.runner!.provider!.getLogs(filter))).at(-1)!;
    expect(row.link, `link of ${id}`).to.equal(last.link);
    expect(decodeCustody(row.custody as string), `custody of ${id}`).to.deep.equal(last.custody);
    expect(last.head, `replayed head of ${id}`).to.equal(head);
  }
}
