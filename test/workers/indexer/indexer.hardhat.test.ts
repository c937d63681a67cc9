import { expect } from "chai";
import { loadFixture, mine } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { artifacts, ethers } from "hardhat";
import { Interface, Log, type Provider } from "ethers";
import { batchId, deployLedgerFixture, MANGO_GTIN, KIWI_GTIN, type LedgerFixture } from "../../helpers/ledger-fixture";
import { hashDetail, ZERO_HASH } from "../../../server/domain/hashes";
import { EventKind } from "../../../server/domain/event-kinds";
import { openDatabase, type Db } from "../../../server/store/database";
import { IndexCursor } from "../../../server/store/index-cursor";
import { productLineKey } from "../../../server/store/index-repository";
import { createIndexer, rebuildIndex, IndexInconsistencyError, type IndexerOptions } from "../../../server/workers/indexer";
import { LEDGER_EVENTS_ABI } from "../../../server/chain/ledger-events";
import { expectIndexMatchesChain, snapshotIndex } from "./helpers";
import { recordStory, STORY, writerFor } from "./story";

const { Harvest, Processing, Shipment, Receipt } = EventKind;

function indexerFor(f: LedgerFixture, db: Db, options: Partial<IndexerOptions> = {}) {
  return createIndexer({
    db,
    provider: ethers.provider,
    address: f.deployment.address,
    deployBlock: f.deployment.deployBlock,
    confirmations: 0,
    ...options,
  });
}

/** `provider` with some of its methods replaced (the rest bound to the real provider). */
function patched(provider: Provider, overrides: Partial<Record<keyof Provider, unknown>>): Provider {
  return new Proxy(provider, {
    get(target, property, receiver) {
      if (property in overrides) return overrides[property as keyof Provider];
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("indexer on the Hardhat network", function () {
  it("indexes exactly the recorded events, with the chain's heads, lineage and certifications", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const { certC, certLine, certA } = await recordStory(f);
    const db = openDatabase(":memory:");
    const latest = await ethers.provider.getBlockNumber();

    expect(await indexerFor(f, db).tick()).to.deep.equal({ from: f.deployment.deployBlock, to: latest });
    await expectIndexMatchesChain(db, f.ledger, f.deployment.deployBlock);

    // Each batch's events form its hash chain: positions count up, each extends the last head.
    const { A, B, C, K, M } = STORY;
    for (const id of [A, B, C, K, M]) {
      const events = db.prepare(`SELECT * FROM idx_events WHERE batch_id = ? ORDER BY position`).all(id) as Array<
        Record<string, unknown>
      >;
      events.forEach((event, i) => {
        expect(event.position).to.equal(i);
        expect(event.prev_head).to.equal(i === 0 ? ZERO_HASH : events[i - 1].head);
      });
    }
    const processing = db.prepare(`SELECT inputs FROM idx_events WHERE batch_id = ? AND kind = ? ORDER BY position`).pluck();
    const inputsOf = (id: string) => (processing.all(id, Processing) as string[]).map((inputs) => JSON.parse(inputs));
    expect(inputsOf(C)).to.deep.equal([[A, B]]);
    expect(inputsOf(K)).to.deep.equal([[B]]);
    expect(inputsOf(M)).to.deep.equal([[A]]);
    expect(db.prepare(`SELECT batch_id, input_batch_id FROM idx_lineage ORDER BY block_number, log_index`).all()).to.deep.equal([
      { batch_id: C, input_batch_id: A },
      { batch_id: C, input_batch_id: B },
      { batch_id: K, input_batch_id: B },
      { batch_id: M, input_batch_id: A },
    ]);

    expect(db.prepare(`SELECT gtin, lot, created_by FROM idx_batches WHERE batch_id = ?`).get(K)).to.deep.equal({
      gtin: KIWI_GTIN,
      lot: "KW-1",
      created_by: Harvest,
    });
    expect(db.prepare(`SELECT created_by FROM idx_batches WHERE batch_id = ?`).get(C)).to.deep.equal({ created_by: Processing });

    // Event times are their blocks' times.
    const firstOfA = db.prepare(`SELECT block_number, timestamp FROM idx_events WHERE batch_id = ? AND position = 0`).get(A) as {
      block_number: number;
      timestamp: number;
    };
    expect(firstOfA.timestamp).to.equal((await ethers.provider.getBlock(firstOfA.block_number))!.timestamp);

    const certifications = db
      .prepare(
        `SELECT id, certifier, subject_kind, subject, producer, gtin, revoked_by, revoked_reason
         FROM idx_certifications ORDER BY block_number`,
      )
      .all();
    expect(certifications).to.deep.equal([
      {
        id: certC,
        certifier: f.certifier.address,
        subject_kind: 0,
        subject: C,
        producer: ethers.ZeroAddress,
        gtin: "",
        revoked_by: null,
        revoked_reason: null,
      },
      {
        id: certLine,
        certifier: f.certifier.address,
        subject_kind: 1,
        subject: productLineKey(f.producer.address, MANGO_GTIN),
        producer: f.producer.address,
        gtin: MANGO_GTIN,
        revoked_by: null,
        revoked_reason: null,
      },
      {
        id: certA,
        certifier: f.otherCertifier.address,
        subject_kind: 0,
        subject: A,
        producer: ethers.ZeroAddress,
        gtin: "",
        revoked_by: f.otherCertifier.address,
        revoked_reason: "failed a spot check",
      },
    ]);
  });

  it("leaves the newest `confirmations` blocks until they are mined over", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const w = writerFor(f);
    const db = openDatabase(":memory:");
    const indexer = indexerFor(f, db, { confirmations: 2 });
    const { A } = STORY;
    await w.record(f.producer, A, Harvest);
    await w.record(f.producer, A, Shipment, { counterparty: f.retailer });
    await w.record(f.retailer, A, Receipt);
    const kinds = () => db.prepare(`SELECT kind FROM idx_events ORDER BY position`).pluck().all();
    const latest = await ethers.provider.getBlockNumber();

    expect((await indexer.tick()).to).to.equal(latest - 2);
    expect(kinds()).to.deep.equal([Harvest]);
    expect(indexer.status()).to.deep.equal({ cursor: latest - 2, chainHead: latest, caughtUp: true });

    await mine(1);
    await indexer.tick();
    expect(kinds()).to.deep.equal([Harvest, Shipment]);

    await mine(1);
    await indexer.tick();
    expect(kinds()).to.deep.equal([Harvest, Shipment, Receipt]);
    expect(indexer.status().cursor).to.equal(latest);
  });

  it("changes nothing when a tick is repeated or already indexed blocks are replayed", async function () {
    const f = await loadFixture(deployLedgerFixture);
    await recordStory(f);
    const db = openDatabase(":memory:");
    const indexer = indexerFor(f, db);
    const first = await indexer.tick();
    const indexed = snapshotIndex(db);
    expect(indexed.events).to.have.length(18);

    const again = await indexer.tick();
    expect(again).to.deep.equal({ from: first.to + 1, to: first.to });
    expect(snapshotIndex(db)).to.deep.equal(indexed);

    // Every log applied a second time over the rows it already made.
    new IndexCursor(db).setCursor(f.deployment.deployBlock - 1);
    expect(await indexer.tick()).to.deep.equal(first);
    expect(snapshotIndex(db)).to.deep.equal(indexed);
  });

  it("builds the same index whatever the chunk size", async function () {
    const f = await loadFixture(deployLedgerFixture);
    await recordStory(f);
    const whole = openDatabase(":memory:");
    const blockByBlock = openDatabase(":memory:");
    await indexerFor(f, whole).tick();
    const result = await indexerFor(f, blockByBlock, { chunkSize: 1 }).tick();
    expect(result.to).to.equal(await ethers.provider.getBlockNumber());
    expect(snapshotIndex(blockByBlock)).to.deep.equal(snapshotIndex(whole));
  });

  it("rebuilds from the chain an index equal to the incrementally built one", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const db = openDatabase(":memory:");
    const indexer = indexerFor(f, db, { chunkSize: 2 });
    await recordStory(f, () => indexer.tick());
    const incremental = snapshotIndex(db);
    await expectIndexMatchesChain(db, f.ledger, f.deployment.deployBlock);

    // Rows the chain does not justify must not survive a rebuild.
    db.prepare(
      `INSERT INTO idx_batches (batch_id, gtin, lot, creator, created_by, created_block, created_at, head, recalled, event_count)
       VALUES ('0xjunk', '0', 'x', 'x', 0, 0, 0, '0x', 0, 0)`,
    ).run();
    db.prepare(`INSERT INTO idx_blocks (number, hash, timestamp, has_logs) VALUES (999999, '0xjunk', 0, 1)`).run();
    await rebuildIndex(db, ethers.provider, f.deployment.address, f.deployment.deployBlock);
    expect(snapshotIndex(db)).to.deep.equal(incremental);

    const fresh = openDatabase(":memory:");
    await rebuildIndex(fresh, ethers.provider, f.deployment.address, f.deployment.deployBlock);
    expect(snapshotIndex(fresh)).to.deep.equal(incremental);
  });

  it("writes nothing of a chunk that fails halfway, and indexes it whole on the next tick", async function () {
    const f = await loadFixture(deployLedgerFixture);
    await recordStory(f);
    const db = openDatabase(":memory:");
    // After the real logs comes a shipment on a batch that never existed.
    const iface = new Interface(LEDGER_EVENTS_ABI);
    const unknown = batchId("NEVER-HARVESTED");
    const bogus = iface.encodeEventLog("EventRecorded", [unknown, f.carrier.address, Shipment, hashDetail({})]);
    const getLogs = async (filter: Parameters<Provider["getLogs"]>[0]) => {
      const logs = await ethers.provider.getLogs(filter);
      const last = logs[logs.length - 1];
      const extra = new Log(
        { ...last, index: 999, transactionIndex: 0, removed: false, address: f.deployment.address, ...bogus },
        ethers.provider,
      );
      return [...logs, extra];
    };
    const broken = createIndexer({
      db,
      provider: patched(ethers.provider, { getLogs }),
      address: f.deployment.address,
      deployBlock: f.deployment.deployBlock,
      confirmations: 0,
    });
    const empty = snapshotIndex(db);

    let failure: unknown;
    await broken.tick().catch((error) => (failure = error));
    expect(failure).to.be.instanceOf(IndexInconsistencyError);
    expect(snapshotIndex(db)).to.deep.equal(empty);
    expect(broken.status().cursor).to.equal(f.deployment.deployBlock - 1);

    await indexerFor(f, db).tick();
    await expectIndexMatchesChain(db, f.ledger, f.deployment.deployBlock);
  });

  it("starts afresh when pointed at another ledger deployment", async function () {
    const f = await loadFixture(deployLedgerFixture);
    await recordStory(f);
    const db = openDatabase(":memory:");
    await indexerFor(f, db).tick();
    expect(snapshotIndex(db).events).to.not.be.empty;

    const messages: string[] = [];
    const other = ethers.Wallet.createRandom().address;
    const latest = await ethers.provider.getBlockNumber();
    indexerFor(f, db, { address: other, deployBlock: latest, log: (m) => messages.push(m) });
    const snapshot = snapshotIndex(db);
    expect(snapshot.cursor).to.deep.equal([{ id: 1, block_number: latest - 1, address: other, deploy_block: latest }]);
    expect([snapshot.events, snapshot.batches, snapshot.blocks, snapshot.certifications]).to.deep.equal([[], [], [], []]);
    expect(messages.join("\n")).to.match(/another ledger deployment/);
  });

  it("ticks on its own between start() and stop(), logging a failed tick and going on", async function () {
    const f = await loadFixture(deployLedgerFixture);
    const w = writerFor(f);
    const db = openDatabase(":memory:");
    let failures = 1;
    const provider = patched(ethers.provider, {
      getBlockNumber: async () => {
        if (failures-- > 0) throw new Error("connection refused");
        return ethers.provider.getBlockNumber();
      },
    });
    const messages: string[] = [];
    const indexer = indexerFor(f, db, { provider, log: (m) => messages.push(m) });
    expect(indexer.status()).to.deep.equal({ cursor: f.deployment.deployBlock - 1, chainHead: null, caughtUp: false });
    await w.record(f.producer, STORY.A, Harvest);
    const count = () => (db.prepare(`SELECT COUNT(*) AS n FROM idx_events`).get() as { n: number }).n;

    indexer.start(10);
    try {
      await until(() => count() === 1);
      expect(messages.join("\n")).to.match(/tick failed: connection refused/);
      const latest = await ethers.provider.getBlockNumber();
      expect(indexer.status()).to.deep.equal({ cursor: latest, chainHead: latest, caughtUp: true });
    } finally {
      await indexer.stop();
    }
    await w.record(f.producer, STORY.A, Shipment, { counterparty: f.carrier });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(count()).to.equal(1);
  });

  it("knows the events exactly as the compiled contract declares them", async function () {
    const compiled = new Interface((await artifacts.readArtifact("ProvenanceLedger")).abi);
    const ours = new Interface(LEDGER_EVENTS_ABI);
    ours.forEachEvent((event) => {
      expect(event.format("full")).to.equal(compiled.getEvent(event.name)!.format("full"));
    });
    const names: string[] = [];
    ours.forEachEvent((event) => names.push(event.name));
    expect(names).to.have.members([
      "EventRecorded",
      "BatchDerived",
      "BatchShipped",
      "EventRejected",
      "CertificationAttested",
      "CertificationRevoked",
    ]);
  });
});
