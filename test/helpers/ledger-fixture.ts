/**
 * The one fixture of the contract tests: the real deploy (server/chain/deploy-ledger.ts) on the
 * in-process Hardhat network, with one organisation per role, and a small driver that signs
 * events the way organisations do and proves their batches' custody the way the relayer does.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { artifacts, ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress, type TypedDataDomain } from "ethers";
import type { ProvenanceLedger } from "../../typechain-types";
import { deployLedger, type Deployment } from "../../server/chain/deploy-ledger";
import type { CustodyProof } from "../../server/chain/ledger-calls";
import { batchHistoryFilter, decodeLedgerLogs, replayBatch } from "../../server/chain/ledger-events";
import { chainStep, ledgerDomain, signEvent, type SignedEventStruct } from "../../server/chain/typed-data";
import type { Custody } from "../../server/domain/custody";
import { EventKind } from "../../server/domain/event-kinds";
import { type LedgerEvent } from "../../server/domain/ledger-types";
import { hashDetail, ZERO_HASH } from "../../server/domain/hashes";
import { batchIdFor } from "../../server/domain/gs1";

export interface LedgerFixture {
  ledger: ProvenanceLedger;
  deployment: Deployment;
  deploymentsDir: string;
  domain: TypedDataDomain;
  admin: HardhatEthersSigner;
  producer: HardhatEthersSigner;
  otherProducer: HardhatEthersSigner;
  processor: HardhatEthersSigner;
  certifier: HardhatEthersSigner;
  otherCertifier: HardhatEthersSigner;
  carrier: HardhatEthersSigner;
  retailer: HardhatEthersSigner;
  outsider: HardhatEthersSigner;
  relayer: HardhatEthersSigner;
  driver: LedgerDriver;
}

export async function deployLedgerFixture(): Promise<LedgerFixture> {
  const [admin, producer, otherProducer, processor, certifier, otherCertifier, carrier, retailer, outsider, relayer] =
    await ethers.getSigners();
  const deploymentsDir = mkdtempSync(path.join(tmpdir(), "ledger-deployments-"));
  const deployment = await deployLedger({
    signer: admin,
    artifact: await artifacts.readArtifact("ProvenanceLedger"),
    deploymentsDir,
    grants: [
      { role: "producer", account: producer.address },
      { role: "producer", account: otherProducer.address },
      { role: "processor", account: processor.address },
      { role: "certifier", account: certifier.address },
      { role: "certifier", account: otherCertifier.address },
      { role: "carrier", account: carrier.address },
      { role: "retailer", account: retailer.address },
    ],
  });
  const ledger = (await ethers.getContractAt("ProvenanceLedger", deployment.address)) as unknown as ProvenanceLedger;
  const domain = ledgerDomain(deployment.chainId, deployment.address);
  return {
    ledger,
    deployment,
    deploymentsDir,
    domain,
    admin,
    producer,
    otherProducer,
    processor,
    certifier,
    otherCertifier,
    carrier,
    retailer,
    outsider,
    relayer,
    driver: new LedgerDriver(ledger.connect(relayer), domain),
  };
}

/** A GTIN with a correct check digit, e.g. for Tianyang mangoes. */
export const MANGO_GTIN = "06901234567892";
export const KIWI_GTIN = "06901234567809";

export function batchId(lot: string, gtin = MANGO_GTIN): string {
  return batchIdFor(gtin, lot);
}

/** Where a batch stands: its latest event's link, its custody and its head (see chainStep). */
export interface BatchState {
  link: string;
  custody: Custody;
  head: string;
}

export interface EventOptions {
  inputs?: string[];
  detail?: unknown;
  /** The organisation a shipment goes to; the zero address by default. */
  counterparty?: string | { address: string };
  /** The head to sign over; by default the batch's current one (on chain, or as `after` leaves it). */
  prevHead?: string;
  /**
   * Earlier prepared events of the same recordBatch: the event extends the state the last of
   * them on its batch leaves (and proves an input the same way), instead of the chain's.
   */
  after?: PreparedEvent | PreparedEvent[];
  /** Proofs to send instead of the true ones (its own batch's, then each input's). */
  proofs?: CustodyProof[];
}

export interface PreparedEvent {
  event: LedgerEvent;
  signed: SignedEventStruct;
  signer: string;
  /** The custody proofs sent with it: its own batch's unless it creates it, then each input's. */
  proofs: CustodyProof[];
  /** Where its batch stands once it is recorded, as the TypeScript mirror computes it. */
  step: BatchState;
}

/** What a proof for a batch that has no history holds: nothing, which no head commits to. */
export const NO_PROOF: CustodyProof = { link: ZERO_HASH, custody: { holders: [], pending: [] } };

/** A custody proof as the contract takes it; its custodians travel beside it. */
export interface ProofStruct {
  link: string;
  holders: number;
  pending: number;
}

/** The `proofs` and `custodians` arguments of record and recordBatch. */
export function proofArgs(proofs: readonly CustodyProof[]): [ProofStruct[], string[]] {
  return [
    proofs.map((p) => ({ link: p.link, holders: p.custody.holders.length, pending: p.custody.pending.length })),
    proofs.flatMap((p) => [...p.custody.holders, ...p.custody.pending]),
  ];
}

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Signs events as an organisation would and relays them, with their custody proofs, from the relayer's account. */
export class LedgerDriver {
  private detailCounter = 0;

  constructor(
    readonly ledger: ProvenanceLedger,
    readonly domain: TypedDataDomain,
  ) {}

  /** The batch as its logs on chain replay (see replayBatch); undefined when it has no event. */
  async stateOf(batch: string): Promise<BatchState | undefined> {
    const filter = batchHistoryFilter(String(this.domain.verifyingContract), batch, 0);
    const last = replayBatch(batch, decodeLedgerLogs(await ethers.provider.getLogs(filter))).at(-1);
    return last && { link: last.link, custody: last.custody, head: last.head };
  }

  async prepare(signer: HardhatEthersSigner, batch: string, kind: number, options: EventOptions = {}): Promise<PreparedEvent> {
    const after = [options.after ?? []].flat();
    const stateOf = async (id: string) => after.findLast((p) => sameId(p.event.batchId, id))?.step ?? (await this.stateOf(id));
    const inputs = options.inputs ?? [];
    // the batch's own state, unless the caller said both what to extend and how to prove it
    const own = options.prevHead !== undefined && options.proofs ? undefined : await stateOf(batch);
    const prevHead = options.prevHead ?? (kind === EventKind.Harvest ? ZERO_HASH : (own?.head ?? ZERO_HASH));
    const extending = prevHead !== ZERO_HASH;
    const proofs = options.proofs ?? [
      ...(extending ? [own ?? NO_PROOF] : []),
      ...(await Promise.all(inputs.map(async (input) => (await stateOf(input)) ?? NO_PROOF))),
    ].map(({ link, custody }) => ({ link, custody }));
    const detail = options.detail ?? { kind, note: `event ${++this.detailCounter}` };
    const counterparty = options.counterparty ?? ZeroAddress;
    const event: LedgerEvent = {
      batchId: batch,
      kind,
      prevHead,
      dataHash: hashDetail(detail),
      inputs,
      counterparty: typeof counterparty === "string" ? counterparty : counterparty.address,
    };
    // the custody the contract starts from is the one the event proves
    const step = chainStep(event, signer.address, extending ? (proofs[0] ?? NO_PROOF).custody : undefined);
    return { event, signed: await signEvent(signer, this.domain, event), signer: signer.address, proofs, step };
  }

  /** record's arguments for a prepared event. */
  recordArgs(prepared: PreparedEvent): [SignedEventStruct, string[], ProofStruct[], string[]] {
    return [prepared.signed, prepared.event.inputs, ...proofArgs(prepared.proofs)];
  }

  /** recordBatch's arguments: the events in order, their inputs, proofs and custodians concatenated. */
  batchArgs(prepared: readonly PreparedEvent[]): [SignedEventStruct[], string[], ProofStruct[], string[]] {
    return [prepared.map((p) => p.signed), prepared.flatMap((p) => p.event.inputs), ...proofArgs(prepared.flatMap((p) => p.proofs))];
  }

  /** Signs and records one event; resolves to the transaction response. */
  async record(signer: HardhatEthersSigner, batch: string, kind: number, options: EventOptions = {}) {
    return this.recordPrepared(await this.prepare(signer, batch, kind, options));
  }

  async recordPrepared(prepared: PreparedEvent) {
    return this.ledger.record(...this.recordArgs(prepared));
  }

  /** Records prepared events in one recordBatch. */
  async recordBatch(prepared: readonly PreparedEvent[]) {
    return this.ledger.recordBatch(...this.batchArgs(prepared));
  }

  /** `from`, a holder, ships the batch to `to`, which receives it: `to` holds it from then on. */
  async handOver(batch: string, from: HardhatEthersSigner, to: HardhatEthersSigner): Promise<void> {
    await (await this.record(from, batch, EventKind.Shipment, { counterparty: to })).wait();
    await (await this.record(to, batch, EventKind.Receipt)).wait();
  }
}
