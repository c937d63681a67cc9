/**
 * The one fixture of the contract tests: the real deploy (server/chain/deploy-ledger.ts) on the
 * in-process Hardhat network, with one organisation per role, and a small driver that signs
 * events the way organisations do.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { artifacts, ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { TypedDataDomain } from "ethers";
import type { ProvenanceLedger } from "../../typechain-types";
import { deployLedger, type Deployment } from "../../server/chain/deploy-ledger";
import { ledgerDomain, signEvent, type SignedEventStruct } from "../../server/chain/typed-data";
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

export interface EventOptions {
  inputs?: string[];
  detail?: unknown;
  /** The head to sign over; by default the batch's current head on chain. */
  prevHead?: string;
}

export interface PreparedEvent {
  event: LedgerEvent;
  signed: SignedEventStruct;
  signer: string;
}

/** Signs events as an organisation would and relays them from the relayer's account. */
export class LedgerDriver {
  private detailCounter = 0;

  constructor(
    readonly ledger: ProvenanceLedger,
    readonly domain: TypedDataDomain,
  ) {}

  async prepare(signer: HardhatEthersSigner, batch: string, kind: number, options: EventOptions = {}): Promise<PreparedEvent> {
    const prevHead = options.prevHead ?? (kind === 0 ? ZERO_HASH : await this.ledger.headOf(batch));
    const detail = options.detail ?? { kind, note: `event ${++this.detailCounter}` };
    const event: LedgerEvent = { batchId: batch, kind, prevHead, dataHash: hashDetail(detail), inputs: options.inputs ?? [] };
    return { event, signed: await signEvent(signer, this.domain, event), signer: signer.address };
  }

  /** Signs and records one event; resolves to the transaction response. */
  async record(signer: HardhatEthersSigner, batch: string, kind: number, options: EventOptions = {}) {
    const { signed, event } = await this.prepare(signer, batch, kind, options);
    return this.ledger.record(signed, event.inputs);
  }

  async recordPrepared(prepared: PreparedEvent) {
    return this.ledger.record(prepared.signed, prepared.event.inputs);
  }

  /** Records a batch of prepared events with their inputs concatenated in order. */
  async recordBatch(prepared: PreparedEvent[]) {
    return this.ledger.recordBatch(
      prepared.map((p) => p.signed),
      prepared.flatMap((p) => p.event.inputs),
    );
  }
}
