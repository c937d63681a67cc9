import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { openDatabase, type Db } from "../../server/store/database";
import { OrgRepository } from "../../server/store/org-repository";
import { ChainTxRepository } from "../../server/store/chain-tx-repository";
import { OutboxRepository, type NewOutboxEvent } from "../../server/store/outbox-repository";

const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const BATCH = hash(0xb1);
const SIGNER = "0x0000000000000000000000000000000000000001";
const CONSIGNEE = "0x00000000000000000000000000000000000000C0";
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

describe("outbox repository", function () {
  let db: Db;
  let outbox: OutboxRepository;
  let txs: ChainTxRepository;
  let orgId: string;

  beforeEach(function () {
    db = openDatabase(":memory:");
    outbox = new OutboxRepository(db);
    txs = new ChainTxRepository(db);
    orgId = randomUUID();
    new OrgRepository(db).insert(
      {
        id: orgId,
        name: "co-op",
        role: "producer",
        address: SIGNER,
        custodial: true,
        keystore: null,
        createdAt: "2026-01-01T00:00:00Z",
      },
      "key-hash",
    );
  });

  afterEach(function () {
    db.close();
  });

  /** e1 creates the batch; every later event is a shipment of it to CONSIGNEE. */
  function add(n: number, batchId = BATCH): NewOutboxEvent {
    const event: NewOutboxEvent = {
      id: `e${n}`,
      batchId,
      kind: n === 1 ? 0 : 2,
      orgId,
      signer: SIGNER,
      prevHead: hash(n - 1),
      head: hash(n),
      counterparty: n === 1 ? ZERO_ADDRESS : CONSIGNEE,
      link: hash(5000 + n),
      custody: { holders: [SIGNER], pending: n === 1 ? [] : [CONSIGNEE.toLowerCase()] },
      dataHash: hash(1000 + n),
      detail: "{}",
      inputs: n === 2 ? [hash(0xa1)] : [],
      r: hash(1),
      s: hash(2),
      v: 27,
    };
    outbox.insert(event);
    return event;
  }

  it("keeps the batches each event names as inputs, each once and in lower case, by input", function () {
    add(1);
    add(2);
    outbox.insert({ ...add(3, hash(0xb2)), id: "e3b", dataHash: hash(2003), inputs: [hash(0xa1).toUpperCase().replace("0X", "0x"), hash(0xa1), hash(0xa2)] });
    const rows = db.prepare(`SELECT i.input_batch_id AS input, o.id FROM outbox_inputs i JOIN outbox o ON o.seq = i.seq ORDER BY i.input_batch_id, o.seq`).all();
    expect(rows).to.deep.equal([
      { input: hash(0xa1), id: "e2" },
      { input: hash(0xa1), id: "e3b" },
      { input: hash(0xa2), id: "e3b" },
    ]);
  });

  it("keeps the head of a batch's latest event that has not failed, for the API to sign over", function () {
    add(1);
    add(2);
    add(3);
    expect(outbox.latestHead(BATCH)).to.equal(hash(3));
    outbox.markFailed("e3", "refused");
    expect(outbox.latestHead(BATCH)).to.equal(hash(2));
    expect(outbox.latestHead(hash(0xdead))).to.equal(undefined);
    expect(outbox.predecessor(BATCH, outbox.byId("e3")!.seq)?.id).to.equal("e2");
  });

  it("hands out pending events in seq order, and round-trips every field", function () {
    const events = [add(1), add(2), add(3)];
    expect(outbox.pending(2).map((e) => e.id)).to.deep.equal(["e1", "e2"]);
    expect(outbox.byId("e2")).to.deep.include({ ...events[1], status: "pending", txNonce: null, solo: false });
    expect(outbox.byId("e1")).to.deep.include({ counterparty: ZERO_ADDRESS, link: hash(5001), custody: { holders: [SIGNER], pending: [] } });
  });

  it("gives what an event extends, for the relayer's custody proofs: the latest earlier link and custody not failed", function () {
    add(1);
    add(2);
    add(3);
    const seq3 = outbox.byId("e3")!.seq;
    expect(outbox.predecessor(BATCH, seq3)).to.deep.include({ link: hash(5002), custody: { holders: [SIGNER], pending: [CONSIGNEE.toLowerCase()] } });
    outbox.markFailed("e2", "refused");
    expect(outbox.predecessor(BATCH, seq3)).to.deep.include({ id: "e1", link: hash(5001), custody: { holders: [SIGNER], pending: [] } });
    expect(outbox.latest(BATCH)).to.deep.include({ id: "e3", link: hash(5003) });
  });

  it("settles an event only from the transaction it is submitted in", function () {
    add(1);
    add(2);
    outbox.markSubmitted(["e1", "e2"], 7, hash(77));
    expect(() => outbox.markSubmitted(["e1"], 8, hash(88))).to.throw(/not pending/);
    expect(outbox.markConfirmed("e1", hash(77), 12, { inTx: 6 })).to.equal(false); // an older tx's answer
    expect(outbox.markConfirmed("e1", hash(77), 12, { inTx: 7 })).to.equal(true);
    expect(outbox.requeue(["e2"], { inTx: 6 })).to.equal(0);
    expect(outbox.requeue(["e2"], { inTx: 7, solo: true })).to.equal(1);
    expect(outbox.byId("e2")).to.include({ status: "pending", txNonce: null, txHash: null, solo: true });
    expect(outbox.byId("e1")).to.include({ status: "confirmed", txNonce: 7, txHash: hash(77), blockNumber: 12 });
    // A lost block takes confirmed events back too.
    expect(outbox.requeueTx(7)).to.equal(0);
    expect(outbox.requeueTx(7, { includeConfirmed: true })).to.equal(1);
    expect(outbox.countByStatus()).to.deep.equal({ pending: 2, submitted: 0, confirmed: 0, failed: 0 });
  });

  it("derives the next nonce from transactions not dropped, and reuses a dropped nonce", function () {
    expect(txs.nextNonce()).to.equal(undefined);
    const tx = { hash: hash(1), eventIds: ["e1"], data: "0x", gasLimit: 100n, maxFee: 10n, priorityFee: 1n, sentAt: 1 };
    txs.record({ ...tx, nonce: 0 });
    txs.record({ ...tx, nonce: 1, hash: hash(2) });
    expect(txs.nextNonce()).to.equal(2);
    expect(() => txs.record({ ...tx, nonce: 1 })).to.throw(/already in use/);

    txs.replace(1, hash(3), { maxFee: 12n, priorityFee: 2n }, 5);
    expect(txs.byNonce(1)).to.deep.include({
      hash: hash(3),
      hashes: [hash(2), hash(3)],
      maxFee: 12n,
      priorityFee: 2n,
      sentAt: 5,
    });

    txs.markMined(0, hash(1), 40);
    txs.markDropped(1);
    expect(txs.nextNonce()).to.equal(1);
    expect(txs.minedFrom(0).map((t) => t.nonce)).to.deep.equal([0]);
    txs.record({ ...tx, nonce: 1, hash: hash(4) });
    expect(txs.byNonce(1)).to.deep.include({ status: "sent", hashes: [hash(4)], blockNumber: null });
  });
});
