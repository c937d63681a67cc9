/**
 * The page cache over real SQLite: a kept page is dropped when a row it depends on is written
 * (the triggers of store/batch-versions.ts) and kept when an unrelated row is. Rows are written
 * with the index's own repository, as the indexer writes them. What the gateway's pages depend
 * on, written through the API on a real chain, is page-cache-dependencies.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { PageCache } from "../../server/web/page-cache";
import { BatchVersions } from "../../server/store/batch-versions";
import { openDatabase, type Db } from "../../server/store/database";
import { EventDetails } from "../../server/store/event-details";
import { IndexCursor } from "../../server/store/index-cursor";
import { IndexRepository } from "../../server/store/index-repository";
import { OrgRepository } from "../../server/store/org-repository";
import { ProgrammeCountyRepository } from "../../server/store/programme-county-repository";
import { EventKind } from "../../server/domain/event-kinds";

const hex = (byte: string) => `0x${byte.repeat(32)}`;
const PARENT = hex("a1");
const CHILD = hex("b2");
const OTHER = hex("c3");
const SIGNER = "0x00000000000000000000000000000000000000f1";

describe("the page cache", function () {
  let dir: string;
  let db: Db;
  let index: IndexRepository;
  let now: number;
  let renders: number;
  let cache: PageCache;
  let txCount = 0;
  const render = (dependsOn: string[] | undefined, changesAt?: number) => () => ({ body: `page ${++renders}`, etag: `"${renders}"`, dependsOn, changesAt });

  function batch(batchId: string): void {
    index.insertBatch({
      batchId, gtin: "06901234567892", lot: batchId.slice(2, 8), creator: SIGNER, createdBy: EventKind.Harvest, createdBlock: 1, createdAt: 0,
      head: hex("00"), link: hex("00"), custody: { holders: [], pending: [] }, recalled: false, eventCount: 1,
    });
  }

  function event(batchId: string, kind: number, dataHash: string, inputs: string[] = []): void {
    index.insertEvent({
      txHash: hex((++txCount).toString(16).padStart(2, "0")), logIndex: 0, batchId, position: txCount, kind, signer: SIGNER, dataHash,
      prevHead: hex("00"), head: hex("00"), inputs, counterparty: ZeroAddress, link: hex("00"), custody: { holders: [], pending: [] },
      blockNumber: 2, timestamp: 0,
    });
  }

  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), "page-cache-"));
    db = openDatabase(path.join(dir, "gateway.db"));
    index = new IndexRepository(db);
    now = 1_000_000;
    renders = 0;
    cache = new PageCache(BatchVersions.of(db), () => now);
    batch(PARENT);
    batch(CHILD);
    batch(OTHER);
    index.insertLineage({ batchId: CHILD, inputBatchId: PARENT, blockNumber: 2, logIndex: 0 });
  });

  afterEach(function () {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("renders a page once while nothing it depends on changes", function () {
    expect(cache.get("a", render([CHILD]))).to.deep.equal({ body: "page 1", etag: `"1"`, hit: false });
    expect(cache.get("a", render([CHILD]))).to.deep.equal({ body: "page 1", etag: `"1"`, hit: true });
    expect(cache.get("b", render([OTHER]))?.body).to.equal("page 2");
    expect(renders).to.equal(2);
  });

  it("renders afresh after an event on a batch it depends on, and keeps it through an event on another batch", function () {
    cache.get("child", render([CHILD, PARENT]));
    event(OTHER, EventKind.Shipment, hex("d1"));
    expect(cache.get("child", render([CHILD, PARENT]))?.hit).to.equal(true);
    event(PARENT, EventKind.Shipment, hex("d2"));
    expect(cache.get("child", render([CHILD, PARENT]))).to.include({ body: "page 2", hit: false });
    index.updateBatchHead(CHILD, { head: hex("01"), link: hex("01"), custody: { holders: [], pending: [] } }, 2, false);
    expect(cache.get("child", render([CHILD, PARENT]))?.body).to.equal("page 3");
  });

  it("drops an input's page when a batch made from it records a processing event or a correction (its draws), not a sale", function () {
    cache.get("parent", render([PARENT]));
    event(CHILD, EventKind.Sale, hex("e1"));
    expect(cache.get("parent", render([PARENT]))?.hit).to.equal(true);
    event(CHILD, EventKind.Correction, hex("e2"));
    expect(cache.get("parent", render([PARENT]))?.hit).to.equal(false);
    event(OTHER, EventKind.Processing, hex("e3"), [PARENT]); // a merge taking from PARENT
    expect(cache.get("parent", render([PARENT]))?.hit).to.equal(false);
    expect(cache.get("parent", render([PARENT]))?.hit).to.equal(true);
  });

  it("drops a page when a batch is derived from its batch (what was made from it)", function () {
    cache.get("other", render([OTHER]));
    index.insertLineage({ batchId: hex("f4"), inputBatchId: OTHER, blockNumber: 3, logIndex: 0 });
    expect(cache.get("other", render([OTHER]))?.hit).to.equal(false);
  });

  it("drops a page when a detail it lacked arrives, of its own event or of a draw on it", function () {
    event(CHILD, EventKind.Processing, hex("d5"), [PARENT]);
    event(OTHER, EventKind.Receipt, hex("d6"));
    cache.get("parent", render([PARENT]));
    cache.get("other", render([OTHER]));
    new EventDetails(db).put(hex("d5"), `{"type":"processing"}`);
    expect(cache.get("parent", render([PARENT]))?.hit).to.equal(false);
    expect(cache.get("other", render([OTHER]))?.hit).to.equal(true);
    new EventDetails(db).put(hex("d6"), `{"type":"receipt"}`);
    expect(cache.get("other", render([OTHER]))?.hit).to.equal(false);
  });

  it("drops a page when a certificate of its subject is attested or revoked, and when the block dating a revocation is written", function () {
    const cert = {
      id: hex("c0"), certifier: SIGNER, subjectKind: 0, subject: CHILD, scheme: hex("00"), certificateNo: "ZP-1", producer: null, gtin: null,
      validFrom: 0, validUntil: 1, dataHash: hex("c1"), blockNumber: 4, txHash: hex("c2"), logIndex: 0,
    };
    cache.get("child", render([CHILD]));
    index.insertCertification(cert);
    expect(cache.get("child", render([CHILD]))?.hit).to.equal(false);
    expect(cache.get("child", render([CHILD]))?.hit).to.equal(true);
    index.revokeCertification(cert.id, SIGNER, "抽检不合格", 9);
    expect(cache.get("child", render([CHILD, "block:9"]))?.hit).to.equal(false);
    new IndexCursor(db).saveBlock({ number: 9, hash: hex("09"), timestamp: 1_700_000_000, hasLogs: true });
    expect(cache.get("child", render([CHILD, "block:9"]))?.hit).to.equal(false);
  });

  it("drops every page when an organisation or the programme's counties change, and no page when the index cursor only moves on", function () {
    const cursor = new IndexCursor(db);
    cursor.useLedger(hex("11").slice(0, 42), 1);
    cache.get("child", render([CHILD]));
    cursor.setCursor(500);
    expect(cache.get("child", render([CHILD]))?.hit).to.equal(true);
    new OrgRepository(db).learn({ id: "farm-1", name: "田阳芒果专业合作社", role: "producer", address: SIGNER });
    expect(cache.get("child", render([CHILD]))?.hit).to.equal(false);
    new ProgrammeCountyRepository(db).replace([{ code: "451003", name: "百色市田阳区" }]);
    expect(cache.get("child", render([CHILD]))?.hit).to.equal(false);
  });

  it("drops every page when another connection writes (no trigger of this one saw what)", function () {
    cache.get("child", render([CHILD]));
    const other = openDatabase(path.join(dir, "gateway.db"));
    try {
      new IndexRepository(other).insertLineage({ batchId: hex("f5"), inputBatchId: OTHER, blockNumber: 3, logIndex: 0 });
    } finally {
      other.close();
    }
    expect(cache.get("child", render([CHILD]))?.hit).to.equal(false);
    expect(cache.get("child", render([CHILD]))?.hit).to.equal(true);
  });

  it("keeps nothing rendered inside an open transaction, whose writes may yet be rolled back", function () {
    try {
      db.transaction(() => {
        event(CHILD, EventKind.Sale, hex("e9"));
        cache.get("child", render([CHILD]));
        throw new Error("rolled back");
      })();
    } catch {
      // the sale is gone; so must be the page that showed it
    }
    expect(cache.get("child", render([CHILD]))).to.include({ body: "page 2", hit: false });
  });

  it("keeps nothing that names no dependencies, or that is not there", function () {
    cache.get("a", render(undefined));
    expect(cache.get("a", render(undefined))?.body).to.equal("page 2");
    expect(cache.get("b", () => undefined)).to.equal(undefined);
    expect(cache.get("b", render([OTHER]))?.body).to.equal("page 3");
  });

  it("renders afresh when the 圳品 status may change with time, and after a minute in any case", function () {
    cache.get("a", render([CHILD], now + 5_000));
    now += 4_999;
    expect(cache.get("a", render([CHILD]))?.body).to.equal("page 1");
    now += 1;
    expect(cache.get("a", render([CHILD]))?.body).to.equal("page 2");
    now += 59_999;
    expect(cache.get("a", render([CHILD]))?.body).to.equal("page 2");
    now += 1;
    expect(cache.get("a", render([CHILD]))?.body).to.equal("page 3");
  });
});
