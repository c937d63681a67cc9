/**
 * A history that exercises every log the indexer applies, recorded on the fixture's ledger:
 * harvests, processing that creates a batch from inputs, processing in place with an input,
 * two events on one batch in one transaction, a rejected event, a recall, certifications of a
 * batch and of a product line, and a revocation.
 *
 * Its events carry placeholder details, but their order is a journey that could be true under
 * the chain's custody: the cooperative ships A to the carrier, which receives it and takes it on
 * to the packing house; B and K go to the packing house straight from their producers. The
 * packing house receives them before it processes them and sends what it kept of A back out
 * with the carrier; the cooperative, still a holder of A, merges A into M.
 */
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { ethers } from "hardhat";
import { batchId, deployLedgerFixture, KIWI_GTIN, MANGO_GTIN, type LedgerFixture } from "../../helpers/ledger-fixture";
import { openDatabase } from "../../../server/store/database";
import { createIndexer } from "../../../server/workers/indexer";
import { EventKind } from "../../../server/domain/event-kinds";
import { LedgerWriter } from "./helpers";

const { Harvest, Processing, Shipment, Receipt, Recall } = EventKind;

export const STORY = {
  A: batchId("TY-A"),
  B: batchId("TY-B"),
  C: batchId("PACK-C"),
  K: batchId("KW-1", KIWI_GTIN),
  M: batchId("TY-M"),
};

export function writerFor(f: LedgerFixture): LedgerWriter {
  return new LedgerWriter(f.ledger.connect(f.relayer), f.domain);
}

/** Records the story; `between` runs after each transaction (e.g. an indexer tick). */
export async function recordStory(f: LedgerFixture, between: () => Promise<unknown> = async () => {}) {
  const w = writerFor(f);
  const { A, B, C, K, M } = STORY;
  const step = async (write: () => Promise<unknown>) => {
    await write();
    await between();
  };
  await step(() => w.record(f.producer, A, Harvest));
  await step(() => w.record(f.producer, B, Harvest));
  await step(() => w.record(f.otherProducer, K, Harvest));
  await step(() => w.record(f.producer, A, Shipment, { counterparty: f.carrier }));
  await step(() => w.record(f.carrier, A, Receipt));
  await step(() => w.record(f.carrier, A, Shipment, { counterparty: f.processor }));
  await step(() => w.record(f.processor, A, Receipt));
  for (const [batch, producer] of [
    [B, f.producer],
    [K, f.otherProducer],
  ] as const) {
    await step(() => w.record(producer, batch, Shipment, { counterparty: f.processor }));
    await step(() => w.record(f.processor, batch, Receipt));
  }
  await step(() => w.record(f.processor, C, Processing, { inputs: [A, B] }));
  await step(() => w.record(f.processor, A, Shipment, { counterparty: f.carrier })); // what the packing house kept of A
  await step(async () =>
    w.recordBatch([
      await w.prepare(f.processor, C, Shipment, { counterparty: f.retailer }),
      await w.prepare(f.outsider, K, Shipment, { counterparty: f.retailer }), // rejected: no role
      await w.prepare(f.processor, K, Processing, { inputs: [B] }),
    ]),
  );
  await step(async () => {
    const harvest = await w.prepare(f.producer, M, Harvest);
    const processing = await w.prepare(f.producer, M, Processing, { inputs: [A], after: harvest });
    return w.recordBatch([harvest, processing]);
  });
  await step(() => w.record(f.producer, B, Recall));
  const certC = await w.attest(f.certifier, { batch: C }, "SZP-C");
  await between();
  const certLine = await w.attest(f.certifier, { producer: f.producer.address, gtin: MANGO_GTIN }, "SZP-LINE");
  await between();
  const certA = await w.attest(f.otherCertifier, { batch: A }, "SZP-A");
  await between();
  await step(() => w.revoke(f.otherCertifier, certA, "failed a spot check"));
  return { certC, certLine, certA };
}

/** The story recorded on a fresh fixture and indexed into an in-memory database by one tick. */
export async function indexedStoryDb() {
  const f = await loadFixture(deployLedgerFixture);
  const certs = await recordStory(f);
  const db = openDatabase(":memory:");
  const indexer = createIndexer({
    db,
    provider: ethers.provider,
    address: f.deployment.address,
    deployBlock: f.deployment.deployBlock,
    confirmations: 0,
  });
  await indexer.tick();
  return { f, certs, db };
}
