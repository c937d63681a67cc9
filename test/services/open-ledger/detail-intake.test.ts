/**
 * The intake of details from outside (peers, bundles): kept only when the chain holds the hash
 * and the bytes hash to it; refused and recorded otherwise; the organisations a kept detail
 * names are learned (the signer's own name only when the chain says it signed).
 */
import { expect } from "chai";
import { keccak256, toUtf8Bytes, Wallet } from "ethers";
import { canonicalize } from "../../../server/domain/canonical-json";
import { openDatabase, type Db } from "../../../server/store/database";
import { DetailFeedReads } from "../../../server/store/detail-feed-reads";
import { DetailRefusals } from "../../../server/store/detail-refusals";
import { EventDetails } from "../../../server/store/event-details";
import { OrgRepository } from "../../../server/store/org-repository";
import { PhotoRepository } from "../../../server/store/photo-repository";
import { DetailIntake, emptyReport } from "../../../server/services/open-ledger/detail-intake";

const farm = Wallet.createRandom().address;
const packer = Wallet.createRandom().address;

function onChain(db: Db, dataHash: string, signer: string, logIndex: number): void {
  db.prepare(
    `INSERT INTO idx_events (tx_hash, log_index, batch_id, position, kind, signer, data_hash, prev_head, head, inputs, block_number, timestamp)
     VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, '[]', 5, 0)`,
  ).run(`0x${"01".repeat(32)}`, logIndex, `0x${"02".repeat(32)}`, logIndex, signer, dataHash, `0x${"00".repeat(32)}`, `0x${"03".repeat(32)}`);
}

describe("open ledger: the detail intake", function () {
  let db: Db;
  let intake: DetailIntake;
  let refusals: DetailRefusals;
  const shipment = canonicalize({
    v: 2,
    type: "shipment",
    org: { id: "farm-1", name: "田阳芒果专业合作社", role: "producer", address: farm },
    consignee: { id: "packer-1", name: "百色农产品分拣中心", role: "processor", address: packer },
  });
  const hash = keccak256(toUtf8Bytes(shipment));

  beforeEach(() => {
    db = openDatabase(":memory:");
    refusals = new DetailRefusals(db);
    intake = new DetailIntake(new EventDetails(db), new DetailFeedReads(db), new OrgRepository(db), new PhotoRepository(db), (h, source, reason) =>
      refusals.record(h, source, reason),
    );
  });

  it("keeps a detail whose hash the chain holds, once, and learns the signer and the consignee it names", () => {
    onChain(db, hash, farm, 0);
    const report = emptyReport();
    expect(intake.takeDetail(hash, shipment, "peer A", report)).to.equal("kept");
    expect(intake.takeDetail(hash, shipment, "peer B", report)).to.equal("known");
    expect(new EventDetails(db).get(hash)?.detail).to.equal(shipment);
    const orgs = new OrgRepository(db);
    expect(orgs.byAddress(farm)).to.include({ id: "farm-1", name: "田阳芒果专业合作社", learned: true, custodial: false });
    expect(orgs.byAddress(packer)?.name).to.equal("百色农产品分拣中心");
    expect(report).to.deep.include({ kept: 1, known: 1, unreferenced: 0 });
  });

  it("refuses bytes that do not hash to the chain's data hash, keeps nothing and records who served them", () => {
    onChain(db, hash, farm, 0);
    const tampered = shipment.replace("百色农产品分拣中心", "污染严重，请勿购买");
    const report = emptyReport();
    expect(intake.takeDetail(hash, tampered, "http://peer.example", report)).to.equal("refused");
    expect(new EventDetails(db).get(hash)).to.equal(undefined);
    expect(new OrgRepository(db).byAddress(packer)).to.equal(undefined);
    expect(refusals.latest(5)).to.have.length(1);
    expect(refusals.latest(5)[0]).to.include({ dataHash: hash, source: "http://peer.example" });
  });

  it("ignores a detail the chain holds no hash of, however well it hashes", () => {
    const report = emptyReport();
    expect(intake.takeDetail(hash, shipment, "bundle", report)).to.equal("unreferenced");
    expect(new EventDetails(db).get(hash)).to.equal(undefined);
    expect(report.unreferenced).to.equal(1);
  });

  it("does not take a detail's word for its signer's name when the chain says another signed it", () => {
    onChain(db, hash, packer, 0); // the chain's signer is not the org the detail claims
    intake.takeDetail(hash, shipment, "peer", emptyReport());
    expect(new OrgRepository(db).byAddress(farm)).to.equal(undefined);
  });
});
