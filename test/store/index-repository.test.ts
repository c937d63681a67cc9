import { expect } from "chai";
import { ethers } from "hardhat";
import { KIWI_GTIN, MANGO_GTIN } from "../helpers/ledger-fixture";
import { EventKind } from "../../server/domain/event-kinds";
import { IndexRepository, productLineKey } from "../../server/store/index-repository";
import { indexedStoryDb, STORY } from "../workers/indexer/story";

const { Harvest, Processing, Shipment, Receipt, Recall } = EventKind;

/** The story, indexed. */
async function indexedStory() {
  const { f, certs, db } = await indexedStoryDb();
  return { f, certs, repo: new IndexRepository(db) };
}

describe("IndexRepository reads", function () {
  it("getBatch gives the batch, its events, lineage both ways and the certifications of it or its line", async function () {
    const { f, certs, repo } = await indexedStory();
    const { A, B, C, M } = STORY;

    const a = repo.getBatch(A.toUpperCase().replace("0X", "0x"))!;
    expect(a.batch).to.include({
      batchId: A,
      gtin: MANGO_GTIN,
      lot: "TY-A",
      creator: f.producer.address,
      createdBy: Harvest,
      recalled: false,
      eventCount: 6,
    });
    expect(a.batch.head).to.equal(await f.ledger.headOf(A));
    // Through the carrier to the packing house, which sends what it kept back out with the carrier.
    const address = (org: { address: string }) => org.address.toLowerCase();
    expect(a.events.map((e) => [e.position, e.kind, e.counterparty.toLowerCase()])).to.deep.equal([
      [0, Harvest, ethers.ZeroAddress],
      [1, Shipment, address(f.carrier)],
      [2, Receipt, ethers.ZeroAddress],
      [3, Shipment, address(f.processor)],
      [4, Receipt, ethers.ZeroAddress],
      [5, Shipment, address(f.carrier)],
    ]);
    expect(a.events[1].prevHead).to.equal(a.events[0].head);
    expect(a.events[1].custody).to.deep.equal({ holders: [address(f.producer)], pending: [address(f.carrier)] });
    expect(a.events[2].custody).to.deep.equal({ holders: [address(f.producer), address(f.carrier)], pending: [] });
    // What the relayer proves an event on A with: its latest link and custody.
    expect(repo.batchState(A)).to.deep.equal({
      head: a.batch.head,
      link: a.events[5].link,
      custody: { holders: [f.producer, f.carrier, f.processor].map(address), pending: [address(f.carrier)] },
      eventCount: 6,
    });
    expect(a.inputs).to.deep.equal([]);
    expect(a.outputs.map((l) => l.batchId)).to.deep.equal([C, M]);
    // Its own certification (revoked) and its producer's product line; not C's.
    expect(a.certifications.map((c) => c.id)).to.deep.equal([certs.certLine, certs.certA]);
    const [line, own] = a.certifications;
    expect(line).to.include({
      subjectKind: 1,
      subject: productLineKey(f.producer.address, MANGO_GTIN),
      producer: f.producer.address,
      gtin: MANGO_GTIN,
      schemeName: "圳品",
      revokedBy: null,
    });
    expect(own).to.include({
      subjectKind: 0,
      subject: A,
      producer: null,
      gtin: null,
      certificateNo: "SZP-A",
      revokedBy: f.otherCertifier.address,
      revokedReason: "failed a spot check",
    });
    expect(own.revokedBlock).to.be.greaterThan(own.blockNumber);

    const c = repo.getBatch(C)!;
    expect(c.batch).to.include({ createdBy: Processing, creator: f.processor.address, eventCount: 2 });
    expect(c.events[0].inputs).to.deep.equal([A, B]);
    expect(c.inputs.map((l) => l.inputBatchId)).to.deep.equal([A, B]);
    expect(c.certifications.map((cert) => cert.id)).to.deep.equal([certs.certC]);

    const b = repo.getBatch(B)!;
    expect(b.batch.recalled).to.equal(true);
    expect(b.events.at(-1)!.kind).to.equal(Recall);

    expect(repo.getBatch(ethers.ZeroHash)).to.equal(undefined);
  });

  it("listBatches filters by GTIN and creator, newest first, with the total for paging", async function () {
    const { f, repo } = await indexedStory();
    const { A, B, C, K, M } = STORY;
    const ids = (result: { batches: Array<{ batchId: string }> }) => result.batches.map((b) => b.batchId);

    const all = repo.listBatches({ limit: 100, offset: 0 });
    expect(all.total).to.equal(5);
    // Newest first: M (created last), C, K, B, A.
    expect(ids(all)).to.deep.equal([M, C, K, B, A]);

    expect(ids(repo.listBatches({ limit: 2, offset: 1 }))).to.deep.equal([C, K]);
    // A GTIN-13 is the same product as its GTIN-14; an address in any case is the same creator.
    const kiwi = repo.listBatches({ gtin: KIWI_GTIN.slice(1), limit: 10, offset: 0 });
    expect([ids(kiwi), kiwi.total]).to.deep.equal([[K], 1]);
    const byProducer = repo.listBatches({ creator: f.producer.address.toLowerCase(), limit: 10, offset: 0 });
    expect([ids(byProducer), byProducer.total]).to.deep.equal([[M, B, A], 3]);
    const mangoByProcessor = repo.listBatches({ gtin: MANGO_GTIN, creator: f.processor.address, limit: 10, offset: 0 });
    expect(ids(mangoByProcessor)).to.deep.equal([C]);
  });
});
