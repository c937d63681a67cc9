/**
 * provenance audit, as an outside auditor runs it: the CLI as a child process, reading a real
 * anvil directly (over HTTP, and over an IPC socket) and the details from a real gateway process
 * or from bundle files made of its feed. A harvest is shipped to a packing house, which splits it
 * into two packs; the audit of one pack follows its lineage into the harvest.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { AbiCoder, Interface, keccak256, toBeHex } from "ethers";
import { startTarget, type Target } from "../../scripts/lib/attack-target";
import * as payload from "../../scripts/lib/payloads";
import { freePort } from "../../scripts/lib/processes";
import { serverCommand } from "../../scripts/lib/server-build";
import { batchIdFor } from "../../server/domain/gs1";

const ROOT = path.resolve(__dirname, "../..");
const PACK_GTIN = payload.TEA_GTIN;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as its own process, as an auditor runs it. */
function audit(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...serverCommand("server/cli.ts"), "audit", ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "" }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

interface FeedLine {
  block: number;
  logIndex: number;
  kind: "event" | "attestation";
  subject: string;
  dataHash: string;
  detail: string;
}

describe("cli: provenance audit against a real anvil and a real gateway", function () {
  this.timeout(240_000);
  let target: Target;
  let ledger: string;
  let chainId: number;
  let dir: string;
  const harvestId = payload.harvestedBatchId("AUDIT-H1");
  const packId = batchIdFor(PACK_GTIN, "AUDIT-P1");
  let producer: { id: string; address: string; apiKey: string };
  let processor: { id: string; address: string; apiKey: string };

  const chainArgs = () => ["--rpc", target.rpcUrl, "--ledger", ledger];

  /** The gateway's public feed of details, as a bundle file (header line first), with `change` applied to its lines. */
  async function bundleOfFeed(name: string, change: (lines: FeedLine[]) => FeedLine[]): Promise<string> {
    const response = await fetch(`${target.base}/api/v1/details?format=ndjson&limit=2000`);
    expect(response.status).to.equal(200);
    const feed = (await response.text())
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as FeedLine & { cursor: string });
    const header = { type: "ledger-bundle", version: 1, chainId, ledger, deployBlock: 0, toBlock: Math.max(...feed.map((l) => l.block)), exportedAt: new Date().toISOString(), source: target.base };
    const lines = change(feed.map(({ block, logIndex, kind, subject, dataHash, detail }) => ({ block, logIndex, kind, subject, dataHash, detail })));
    const file = path.join(dir, name);
    writeFileSync(file, [header, ...lines.map((line) => ({ type: "detail", ...line }))].map((line) => `${JSON.stringify(line)}\n`).join(""));
    return file;
  }

  /** The data hash of event `position` of a batch, as the gateway indexed it. */
  async function dataHashOf(batchId: string, position: number): Promise<string> {
    const batch = (await target.call("GET", `/api/v1/batches/${batchId}`)).body;
    return String(batch.events[position].proof.dataHash).toLowerCase();
  }

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "audit-test-"));
    target = await startTarget();
    ({ contract: ledger, chainId } = (await target.call("GET", "/api/v1/chain")).body);
    producer = await target.org("田阳芒果专业合作社", "producer");
    processor = await target.org("百色分拣中心", "processor");
    const write = async (token: string, url: string, body: unknown) => {
      const answer = await target.call("POST", url, { token, body });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
      await target.settle(answer.body.eventId);
      return answer.body;
    };
    await write(producer.apiKey, "/api/v1/batches", payload.harvest("AUDIT-H1"));
    await write(producer.apiKey, `/api/v1/batches/${harvestId}/events`, payload.shipment(processor.id, { to: "百色分拣中心" }));
    await write(processor.apiKey, `/api/v1/batches/${harvestId}/events`, { ...payload.receipt, location: "百色分拣中心" });
    const split = await write(processor.apiKey, `/api/v1/batches/${harvestId}/events`, {
      ...payload.packing,
      occurredAt: "2026-06-03T18:00:00+08:00",
      outputs: [
        { gtin: PACK_GTIN, lot: "AUDIT-P1", quantity: { amount: 100, unit: "box" }, conversion: { unit: "box", kg: 5 }, product: { name: "田阳香芒礼盒" } },
        { gtin: PACK_GTIN, lot: "AUDIT-P2", quantity: { amount: 40, unit: "box" }, conversion: { unit: "box", kg: 5 } },
      ],
    });
    for (const event of split.events) await target.settle(event.eventId);
    await target.settle();
    for (const id of [harvestId, packId]) {
      const status = (await target.call("GET", `/api/v1/batches/${id}`)).status;
      expect(status, `batch ${id} indexed`).to.equal(200);
    }
  });

  after(async function () {
    await target?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes (exit 0) on the pack with the gateway as the source, and prints the harvest through the lineage", async function () {
    const run = await audit([...chainArgs(), "--gtin", PACK_GTIN, "--lot", "AUDIT-P1", "--details", target.base]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const out = run.stdout;
    expect(out).to.match(/^audit of 06901234567809 \/ AUDIT-P1/);
    expect(out).to.contain(`batch 06901234567892 / AUDIT-H1  ${harvestId}  (made into 06901234567809 / AUDIT-P1)`);
    // Each event: kind, China time, signer with its roles then and now, the data hash and its source, what the detail says.
    expect(out).to.match(/1\. harvest +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00 {2}block \d+ {2}tx 0x[0-9a-f]{64}/);
    expect(out).to.contain(`signer   ${producer.address}  roles then: producer · now: producer`);
    expect(out).to.contain(`signer   ${processor.address}  roles then: processor · now: processor`);
    expect(out).to.match(new RegExp(`data {5}0x[0-9a-f]{64} ✓ from ${target.base.replace(/[.]/g, "\\.")}`));
    expect(out).to.contain("田阳芒果专业合作社 (producer): 田阳香芒 台农一号, 1200 kg, 百色市田阳区");
    expect(out).to.contain("百色分拣中心 (processor): packing, at 田阳分拣中心, into 06901234567809 / AUDIT-P1 (100 box), took 500 kg of 06901234567892 / AUDIT-H1");
    expect(out).to.contain("3. receipt");
    expect(out).to.contain("also read for the rules, made from these batches: 06901234567809 / AUDIT-P2 (1 event)");
    expect(out).to.contain("rules: no finding");
    expect((out.match(/= the contract's headOf ✓/g) ?? []).length).to.equal(2);
    expect(out.trim().split("\n").at(-1)).to.equal(
      "VERIFIED: 4 events of 2 batches; every detail hashes to the chain's data hash and every head is the contract's headOf",
    );
    expect(run.stderr).to.equal("");
  });

  it("gives one JSON document with --json: the batches audited with their events, no mismatch, nothing missing", async function () {
    const run = await audit([...chainArgs(), packId, "--details", target.base, "--json"]);
    expect(run.code, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout);
    expect(report).to.include({ ok: true, verdict: "verified", batchId: packId });
    expect(report.batches.map((b: { lot: string }) => b.lot)).to.deep.equal(["AUDIT-P1", "AUDIT-H1"]);
    expect(report.batches[1].events.map((e: { kind: string }) => e.kind)).to.deep.equal(["harvest", "shipment", "receipt"]);
    const harvest = report.batches[1].events[0];
    expect(harvest.roles).to.deep.equal({ atBlock: ["producer"], now: ["producer"] });
    expect(harvest.time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    expect(harvest.detail).to.include({ source: target.base, organisation: "田阳芒果专业合作社 (producer)" });
    expect(report.batches[1].events[1].consignee.toLowerCase()).to.equal(processor.address.toLowerCase());
    expect(report.related.map((b: { lot: string }) => b.lot)).to.deep.equal(["AUDIT-P2"]);
    expect(report).to.deep.include({ mismatches: [], missing: [], findings: [] });
  });

  it("exits 4 naming the event whose detail a tampered bundle changed, and still finds the honest detail at the next source", async function () {
    const harvestHash = await dataHashOf(harvestId, 0);
    const tampered = await bundleOfFeed("tampered.ndjson", (lines) =>
      lines.map((line) => {
        if (line.dataHash !== harvestHash) return line;
        expect(line.detail).to.contain('"amount":1200');
        return { ...line, detail: line.detail.replace('"amount":1200', '"amount":1300') };
      }),
    );
    const alone = await audit([...chainArgs(), packId, "--details", tampered]);
    expect(alone.code, alone.stdout + alone.stderr).to.equal(4);
    expect(alone.stdout).to.contain("MISMATCHES (1)");
    expect(alone.stdout).to.match(
      new RegExp(`✗ event 1 \\(harvest\\) of 06901234567892 / AUDIT-H1, block \\d+, tx 0x[0-9a-f]{64}, signer ${producer.address}: the detail from ${tampered} hashes to 0x[0-9a-f]{64}, the chain recorded ${harvestHash}`),
    );
    // The harvest has no honest detail in that bundle: named as missing too.
    expect(alone.stdout).to.match(/no detail found for event 1 \(harvest\) of 06901234567892 \/ AUDIT-H1/);
    expect(alone.stderr).to.match(/^MISMATCH: 1 mismatch\(es\)/);

    const thenGateway = await audit([...chainArgs(), packId, "--details", tampered, "--details", target.base, "--json"]);
    expect(thenGateway.code, thenGateway.stderr).to.equal(4);
    const report = JSON.parse(thenGateway.stdout);
    expect(report).to.include({ ok: false, verdict: "mismatch" });
    expect(report.missing).to.deep.equal([]);
    expect(report.mismatches).to.have.length(1);
    expect(report.mismatches[0]).to.deep.include({ type: "detail", source: tampered, dataHash: harvestHash });
    expect(report.mismatches[0].event).to.deep.include({ lot: "AUDIT-H1", position: 0, kind: "harvest", signer: producer.address });
    expect(report.batches[1].events[0].detail.source).to.equal(target.base);
    expect(report.batches[0].events[0].detail.source).to.equal(tampered);
  });

  it("exits 5 naming the event whose detail no source has, when nothing contradicts the chain", async function () {
    const receiptHash = await dataHashOf(harvestId, 2);
    const lacking = await bundleOfFeed("lacking.ndjson", (lines) => lines.filter((line) => line.dataHash !== receiptHash));
    const run = await audit([...chainArgs(), "--gtin", PACK_GTIN, "--lot", "AUDIT-P1", "--details", lacking]);
    expect(run.code, run.stdout + run.stderr).to.equal(5);
    expect(run.stdout).to.match(new RegExp(`\\? no detail found for event 3 \\(receipt\\) of 06901234567892 / AUDIT-H1, block \\d+, tx 0x[0-9a-f]{64}, signer ${processor.address}: data hash ${receiptHash}, no source gave bytes that hash to it \\(tried ${lacking}\\)`));
    expect(run.stdout).to.contain(`data     ${receiptHash} ? no detail found in any source`);
    expect(run.stdout).not.to.contain("MISMATCHES");
    expect(run.stderr).to.match(/^INCOMPLETE: 1 event\(s\) with no detail in any source; nothing found contradicts the chain/);
  });

  it("reads the chain over an IPC socket as well (here one relaying to the anvil)", async function () {
    const socket = path.join(dir, "chain.ipc");
    const relay = await ipcRelay(socket, target.rpcUrl);
    try {
      const run = await audit(["--rpc", socket, "--ledger", ledger, packId, "--details", target.base, "--json"]);
      expect(run.code, run.stderr).to.equal(0);
      expect(JSON.parse(run.stdout).chain).to.deep.include({ endpoint: socket, chainId });
    } finally {
      relay.close();
    }
  });

  it("refuses what it cannot audit: no such batch (1), bad usage (2), a chain node it cannot reach (3)", async function () {
    const unknown = await audit([...chainArgs(), "--gtin", PACK_GTIN, "--lot", "NO-SUCH-LOT", "--details", target.base]);
    expect(unknown.code, unknown.stderr).to.equal(1);
    expect(unknown.stderr).to.contain("the chain holds no batch 06901234567809 / NO-SUCH-LOT");
    expect((await audit([...chainArgs(), packId, "--url", target.base])).code).to.equal(2);
    expect((await audit(["--rpc", target.rpcUrl, packId])).code).to.equal(2);
    const nowhere = await audit(["--rpc", `http://127.0.0.1:${await freePort()}`, "--ledger", ledger, packId]);
    expect(nowhere.code).to.equal(3);
    expect(nowhere.stderr).to.contain("cannot reach the chain");
  });

  // Last: it changes the pack's head on the chain.
  it("exits 4 when the contract's head is not the one its logs give, saying it changed after the last event", async function () {
    const head = await headOf(packId);
    const slot = await headSlot(packId, head);
    const forged = toBeHex(BigInt(head) ^ 0xff00n, 32);
    // In a block after the pack's last event: anvil credits a change of storage to its latest block.
    await target.provider.send("evm_mine", []);
    await target.provider.send("anvil_setStorageAt", [ledger, slot, forged]);
    await target.provider.send("evm_mine", []);
    expect(await headOf(packId)).to.equal(forged);

    const run = await audit([...chainArgs(), packId, "--details", target.base]);
    expect(run.code, run.stdout + run.stderr).to.equal(4);
    expect(run.stdout).to.contain(`head       ✗ the logs give ${head}, the contract's headOf is ${forged}`);
    expect(run.stdout).to.contain(
      `✗ batch 06901234567809 / AUDIT-P1: the head recomputed from the chain's logs is ${head}, the contract's headOf is ${forged}; ` +
        "the contract agreed after every block with an event, up to event 1 (processing",
    );
    expect(run.stdout).to.contain("its head changed later, with no event logged");
  });

  async function headOf(batchId: string): Promise<string> {
    const ledgerAbi = new Interface(["function headOf(bytes32) view returns (bytes32)"]);
    const result = await target.provider.call({ to: ledger, data: ledgerAbi.encodeFunctionData("headOf", [batchId]) });
    return String(ledgerAbi.decodeFunctionResult("headOf", result)[0]).toLowerCase();
  }

  /** The storage slot of the batch's head: the heads mapping's slot found by what it holds. */
  async function headSlot(batchId: string, head: string): Promise<string> {
    for (let index = 0; index < 64; index++) {
      const slot = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [batchId, index]));
      if ((await target.provider.getStorage(ledger, slot)).toLowerCase() === head) return slot;
    }
    throw new Error("the heads mapping was not found in the ledger's first 64 slots");
  }
});

/** A Unix socket that relays each JSON-RPC line to an HTTP node and writes its answer back as one line. */
async function ipcRelay(file: string, rpcUrl: string): Promise<Server> {
  const server = createServer((connection) => {
    let buffered = "";
    connection.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      for (let newline = buffered.indexOf("\n"); newline !== -1; newline = buffered.indexOf("\n")) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (!line.trim()) continue;
        void fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: line })
          .then((response) => response.json())
          .then((answer) => connection.write(`${JSON.stringify(answer)}\n`))
          .catch(() => connection.destroy());
      }
    });
    connection.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(file, resolve));
  return server;
}
