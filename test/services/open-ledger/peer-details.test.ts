/**
 * Filling in missing details from a peer: what is missing anywhere on the chain is found and
 * taken, and a pass after the first looks only past the prefix already known complete (a
 * replica with a million details does not look them all over on every pass). The peer is a
 * real HTTP server on loopback serving its own SQLite database's feed.
 */
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { keccak256, toUtf8Bytes, Wallet } from "ethers";
import { canonicalize } from "../../../server/domain/canonical-json";
import { openDatabase, type Db } from "../../../server/store/database";
import { DetailFeedReads, parseCursor, type ChainPosition } from "../../../server/store/detail-feed-reads";
import { EventDetails } from "../../../server/store/event-details";
import { OrgRepository } from "../../../server/store/org-repository";
import { PhotoRepository } from "../../../server/store/photo-repository";
import { DetailIntake } from "../../../server/services/open-ledger/detail-intake";
import { PeerDetails } from "../../../server/services/open-ledger/peer-details";

const farm = Wallet.createRandom().address;

/** The i-th event's detail: a harvest by the farm, one per block from block 10. */
function detailOf(i: number): string {
  return canonicalize({ v: 2, type: "harvest", lot: `PD-${i}`, org: { id: "farm-1", name: "田阳芒果专业合作社", role: "producer", address: farm } });
}
const hashOf = (i: number) => keccak256(toUtf8Bytes(detailOf(i)));

/** Events `from`..`to` (exclusive) on chain in `db`, with their details except those in `without`. */
function record(db: Db, from: number, to: number, without: number[] = []): void {
  const insert = db.prepare(
    `INSERT INTO idx_events (tx_hash, log_index, batch_id, position, kind, signer, data_hash, prev_head, head, inputs, block_number, timestamp)
     VALUES (?, 0, ?, 0, 1, ?, ?, ?, ?, '[]', ?, 0)`,
  );
  const details = new EventDetails(db);
  db.transaction(() => {
    for (let i = from; i < to; i++) {
      const filler = i.toString(16).padStart(64, "0");
      insert.run(`0x${filler}`, `0x${filler}`, farm, hashOf(i), `0x${"00".repeat(32)}`, `0x${filler}`, 10 + i);
      if (!without.includes(i)) details.put(hashOf(i), detailOf(i));
    }
  })();
}

/** A peer gateway's two detail routes, over its own database. */
async function servePeer(db: Db): Promise<{ url: string; close(): Promise<void> }> {
  const feed = new DetailFeedReads(db);
  const details = new EventDetails(db);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://peer");
    const byHash = /^\/api\/v1\/details\/(0x[0-9a-f]{64})$/.exec(url.pathname);
    if (byHash) {
      const kept = details.get(byHash[1]);
      res.writeHead(kept ? 200 : 404).end(kept?.detail ?? "");
      return;
    }
    const after = parseCursor(url.searchParams.get("after") ?? "");
    const page = feed.page(after, Number(url.searchParams.get("limit") ?? 100));
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.end(page.map((item) => JSON.stringify({ dataHash: item.dataHash, detail: item.detail })).join("\n"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("open ledger: details filled in from a peer", function () {
  let local: Db;
  let peerDb: Db;
  let peer: Awaited<ReturnType<typeof servePeer>>;
  /** Where each search for missing details started, as the sync asked the feed. */
  let searchedAfter: Array<ChainPosition | undefined>;
  let sync: PeerDetails;

  beforeEach(async () => {
    local = openDatabase(":memory:");
    peerDb = openDatabase(":memory:");
    peer = await servePeer(peerDb);
    const feed = new DetailFeedReads(local);
    searchedAfter = [];
    const missing = feed.missing.bind(feed);
    feed.missing = (limit, after) => {
      searchedAfter.push(after);
      return missing(limit, after);
    };
    const intake = new DetailIntake(new EventDetails(local), feed, new OrgRepository(local), new PhotoRepository(local), () => {});
    sync = new PeerDetails({ peers: [peer.url], intake, feed, pageSize: 100, transaction: (work) => local.transaction(work)() });
  });

  afterEach(async () => {
    await peer.close();
  });

  it("takes what is missing anywhere on the chain, and says what no peer had", async () => {
    record(peerDb, 0, 300);
    record(local, 0, 300, [5, 250]);
    const first = await sync.fill();
    expect(first).to.include({ kept: 2, stillMissing: 0 });
    expect(new EventDetails(local).get(hashOf(5))?.detail).to.equal(detailOf(5));
    expect(new EventDetails(local).get(hashOf(250))?.detail).to.equal(detailOf(250));

    record(peerDb, 300, 320, [310]);
    record(local, 300, 320, [310, 315]);
    const second = await sync.fill();
    expect(second).to.include({ kept: 1, stillMissing: 1 });
    expect(new DetailFeedReads(local).counts()).to.deep.equal({ onChain: 320, missing: 1 });
  });

  it("after the first pass, looks for missing details only past the prefix it knows is complete", async () => {
    record(peerDb, 0, 400);
    record(local, 0, 300, [7]);
    await sync.fill();
    expect(searchedAfter[0]).to.equal(undefined); // the first pass looks over the whole chain

    record(local, 300, 400, [350]);
    searchedAfter = [];
    const next = await sync.fill();
    expect(next).to.include({ kept: 1, stillMissing: 0 });
    expect(searchedAfter.length).to.be.greaterThan(0);
    // Event 299 sits in block 309: everything through it was complete after the first pass.
    for (const after of searchedAfter) expect(after?.block, "where a search started").to.be.at.least(309);
  });
});
