/**
 * The rules behind /readyz and /metrics, without processes: when the gateway is not ready and
 * why, the chain probe's deadline and cache, who may read /metrics, and the send queue's
 * figures (each confirmation counted once, in acceptance order).
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createChainProbe } from "../../server/services/operations/chain-probe";
import { capacityWarnings, judgeReadiness, READINESS_DEFAULTS, type ReadinessFigures } from "../../server/services/operations/readiness";
import { openDatabase, type Db } from "../../server/store/database";
import { OrgRepository } from "../../server/store/org-repository";
import { OutboxRepository } from "../../server/store/outbox-repository";
import { SendQueueFigures } from "../../server/store/send-queue-figures";
import { mayReadMetrics, routeClass } from "../../server/web/metrics";

const NOW = Date.parse("2026-06-01T08:00:00Z");
const healthy: ReadinessFigures = {
  now: NOW,
  stopping: false,
  chain: { reachable: true, head: 100, answeredAt: NOW },
  indexedBlock: 100,
  finalBlock: (head) => head,
  relayerProgressAt: NOW,
};
const codes = (figures: Partial<ReadinessFigures>) => judgeReadiness({ ...healthy, ...figures }).map((reason) => reason.code);

describe("readiness rules", function () {
  it("is ready when the chain answers, the index keeps up and nothing waits", function () {
    expect(judgeReadiness(healthy)).to.deep.equal([]);
  });

  it("is not ready while stopping", function () {
    expect(codes({ stopping: true })).to.deep.equal(["stopping"]);
  });

  it("names a chain that has not answered, and for how long", function () {
    const reasons = judgeReadiness({ ...healthy, chain: { reachable: false, head: 100, answeredAt: NOW - 7_000, error: "connect ECONNREFUSED 127.0.0.1:8545" } });
    expect(reasons.map((r) => r.code)).to.deep.equal(["chain_unreachable"]);
    expect(reasons[0].message).to.equal("the chain has not answered for 7 s: connect ECONNREFUSED 127.0.0.1:8545");
  });

  it("names an embedded chain whose process is down, with its restarts and last exit", function () {
    const reasons = judgeReadiness({ ...healthy, chainProcess: { up: false, restarts: 2, lastExit: "killed by SIGKILL" } });
    expect(reasons.map((r) => r.code)).to.deep.equal(["embedded_chain_down"]);
    expect(reasons[0].message).to.contain("killed by SIGKILL").and.to.contain("restarted 2 time(s)");
    expect(codes({ chainProcess: { up: true, restarts: 2 } })).to.deep.equal([]);
  });

  it("lets the index lag a few blocks, not more, behind the last final block", function () {
    const limit = READINESS_DEFAULTS.indexLagBlocks;
    expect(codes({ indexedBlock: 100 - limit })).to.deep.equal([]);
    expect(codes({ indexedBlock: 99 - limit })).to.deep.equal(["index_behind"]);
    expect(codes({ indexedBlock: 99 - limit, finalBlock: (head) => head - 1 })).to.deep.equal([]); // one confirmation waited for
    expect(codes({ indexedBlock: 80, finalBlock: (head) => Math.min(head, 85) })).to.deep.equal([]); // the embedded chain saved up to 85
  });

  it("names an embedded chain whose state cannot be saved while blocks wait to be final", function () {
    const failing = { up: true, restarts: 0, savedBlock: 90, saveProblem: "ENOSPC: no space left on device" };
    const reasons = judgeReadiness({ ...healthy, indexedBlock: 90, finalBlock: (head) => Math.min(head, 90), chainProcess: failing });
    expect(reasons.map((r) => r.code)).to.deep.equal(["chain_state_unsaved"]);
    expect(reasons[0].message).to.contain("ENOSPC").and.to.contain("last 10 block(s)");
    expect(codes({ chainProcess: failing })).to.deep.equal([]); // nothing waits to be saved
  });

  it("names an index that stopped before blocks the chain no longer keeps the logs of", function () {
    const reasons = judgeReadiness({ ...healthy, indexedBlock: 40, historyGap: { from: 41, keptFrom: 90 } });
    expect(reasons.map((r) => r.code)).to.include("history_pruned");
    expect(reasons.find((r) => r.code === "history_pruned")!.message).to.contain("blocks 41..89");
  });

  it("warns of the embedded chain's state file from its warning size, and past the size it is made for, ready all the same", function () {
    const limits = { warnBytes: 256 * 1_048_576, limitBytes: 1_024 * 1_048_576 };
    const at = (mb: number) => capacityWarnings({ up: true, restarts: 0, stateBytes: mb * 1_048_576, lastSaveMs: 4_200 }, limits);
    expect(at(255)).to.deep.equal([]);
    expect(at(300)[0]).to.contain("300 MB").and.to.contain("29% of the 1024 MB").and.to.contain("4.2 s").and.to.contain("RPC_URL");
    expect(at(1_500)[0]).to.contain("past the 1024 MB");
    expect(capacityWarnings(undefined, limits)).to.deep.equal([]); // a remote chain
  });

  it("calls the send queue stuck only when its oldest event waited long and nothing was confirmed meanwhile", function () {
    const long = READINESS_DEFAULTS.queueStuckMs + 1_000;
    expect(codes({ oldestUnsettledAt: NOW - long, relayerProgressAt: NOW - long })).to.deep.equal(["send_queue_stuck"]);
    expect(codes({ oldestUnsettledAt: NOW - long, relayerProgressAt: NOW - 1_000 })).to.deep.equal([]); // a long backlog that moves
    expect(codes({ oldestUnsettledAt: NOW - 1_000, relayerProgressAt: NOW - long })).to.deep.equal([]);
  });

  it("calls the relayer failing once its ticks have failed for a while, with the last error", function () {
    const reasons = judgeReadiness({ ...healthy, relayerFailingSince: NOW - READINESS_DEFAULTS.relayerFailingMs - 1_000, relayerLastError: "nonce too low" });
    expect(reasons.map((r) => r.code)).to.deep.equal(["relayer_failing"]);
    expect(reasons[0].message).to.contain("nonce too low");
    expect(codes({ relayerFailingSince: NOW - 1_000 })).to.deep.equal([]);
  });
});

describe("chain probe", function () {
  it("asks the chain at most once per cache period", async function () {
    let calls = 0;
    let now = 0;
    const probe = createChainProbe({ blockNumber: async () => ++calls, now: () => now });
    expect(await probe.check()).to.deep.include({ reachable: true, head: 1 });
    now = 500;
    expect((await probe.check()).head).to.equal(1);
    now = 1_500;
    expect((await probe.check()).head).to.equal(2);
    expect(calls).to.equal(2);
  });

  it("gives up on a silent chain at its deadline, and calls it unreachable once it has been silent a few seconds", async function () {
    let now = 0;
    let silent = false;
    const probe = createChainProbe({
      blockNumber: () => (silent ? new Promise<number>(() => undefined) : Promise.resolve(7)),
      timeoutMs: 20,
      silenceMs: 3_000,
      now: () => now,
    });
    await probe.check();
    silent = true;
    now = 2_000;
    const brief = await probe.check();
    expect(brief).to.deep.include({ reachable: true, head: 7, answeredAt: 0 });
    expect(brief.error).to.match(/no answer to eth_blockNumber within 20 ms/);
    now = 4_000;
    expect(await probe.check()).to.deep.include({ reachable: false, head: 7, answeredAt: 0 });
  });
});

describe("metrics access and route classes", function () {
  it("answers clients on this machine, and others only with the admin token", function () {
    for (const local of ["127.0.0.1", "::1", "::ffff:127.0.0.1"]) expect(mayReadMetrics(local, false), local).to.equal(true);
    for (const remote of ["192.0.2.2", "::ffff:192.0.2.2", "fd00::2", undefined]) expect(mayReadMetrics(remote, false), String(remote)).to.equal(false);
    expect(mayReadMetrics("192.0.2.2", true)).to.equal(true);
  });

  it("labels requests by a few kinds of route", function () {
    expect(routeClass("POST", "/api/v1/batches")).to.equal("api_write");
    expect(routeClass("GET", "/api/v1/batches/0xab")).to.equal("api_read");
    expect(routeClass("GET", "/readyz")).to.equal("system");
    expect(routeClass("POST", "/console/login")).to.equal("console");
    expect(routeClass("GET", "/01/06901234567892/10/LOT")).to.equal("page");
    expect(routeClass("GET", "/photos/0xab")).to.equal("photo");
  });
});

describe("send queue figures", function () {
  let db: Db;
  let outbox: OutboxRepository;
  let orgId: string;
  const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
  const SIGNER = "0x0000000000000000000000000000000000000001";

  beforeEach(function () {
    db = openDatabase(":memory:");
    outbox = new OutboxRepository(db);
    orgId = randomUUID();
    new OrgRepository(db).insert({ id: orgId, name: "co-op", role: "producer", address: SIGNER, custodial: true, keystore: null, createdAt: "2026-01-01T00:00:00Z" }, "key-hash");
  });

  afterEach(function () {
    db.close();
  });

  function accept(n: number, createdAt: string): void {
    outbox.insert({
      id: `e${n}`,
      batchId: hash(0xb000 + n),
      kind: 0,
      orgId,
      signer: SIGNER,
      prevHead: hash(0),
      head: hash(n),
      counterparty: "0x0000000000000000000000000000000000000000",
      link: hash(5000 + n),
      custody: { holders: [SIGNER], pending: [] },
      dataHash: hash(1000 + n),
      detail: "{}",
      inputs: [],
      r: hash(1),
      s: hash(2),
      v: 27,
    });
    db.prepare(`UPDATE outbox SET created_at = ? WHERE id = ?`).run(createdAt, `e${n}`);
  }
  const confirm = (n: number, at: string) => db.prepare(`UPDATE outbox SET status = 'confirmed', updated_at = ? WHERE id = ?`).run(at, `e${n}`);

  it("counts the backlog by status and dates its oldest unsettled event", function () {
    const figures = new SendQueueFigures(db);
    expect(figures.backlog()).to.deep.equal({ pending: 0, submitted: 0, failed: 0 });
    accept(1, "2026-06-01T08:00:00.000Z");
    accept(2, "2026-06-01T08:00:05.000Z");
    db.prepare(`UPDATE outbox SET status = 'submitted' WHERE id = 'e2'`).run();
    expect(figures.backlog()).to.deep.equal({ pending: 1, submitted: 1, failed: 0, oldestUnsettledAt: Date.parse("2026-06-01T08:00:00.000Z") });
  });

  it("hands out each confirmation's lag once, after every earlier event has settled", function () {
    const figures = new SendQueueFigures(db);
    accept(1, "2026-06-01T08:00:00.000Z");
    accept(2, "2026-06-01T08:00:00.000Z");
    accept(3, "2026-06-01T08:00:00.000Z");
    confirm(2, "2026-06-01T08:00:02.000Z");
    expect(figures.newlyConfirmed()).to.deep.equal([]); // e1, accepted before it, still waits
    confirm(1, "2026-06-01T08:00:03.000Z");
    expect(figures.newlyConfirmed()).to.deep.equal([3, 2]);
    db.prepare(`UPDATE outbox SET status = 'failed' WHERE id = 'e3'`).run();
    expect(figures.newlyConfirmed()).to.deep.equal([]); // a failed event has no confirmation
    expect(figures.newlyConfirmed()).to.deep.equal([]);
  });
});
