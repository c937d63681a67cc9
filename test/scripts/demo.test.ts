/**
 * `npm run demo` as a newcomer runs it: a child process on a fresh data folder with its own
 * anvil, read back through the public API once it has printed its URLs; then stopped, and run
 * again on the same folder, where it must record nothing and print the same URLs.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { batchIdFor } from "../../server/domain/gs1";
import { freePort } from "../../scripts/lib/processes";

const ROOT = path.resolve(__dirname, "../..");
const JOURNEY = ["harvest", "processing", "shipment", "receipt", "sale"];

interface Demo {
  child: ChildProcess;
  output(): string;
  /** SIGTERM, as Ctrl-C would; answers the exit code. */
  stop(): Promise<number | null>;
}

/** Starts scripts/demo.ts and waits until it has printed its URLs (it records first on a fresh folder). */
async function startDemo(env: Record<string, string>): Promise<Demo> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/demo.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const chunks: string[] = [];
  child.stdout?.on("data", (chunk) => chunks.push(chunk.toString()));
  child.stderr?.on("data", (chunk) => chunks.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const output = () => chunks.join("");
  const deadline = Date.now() + 240_000;
  while (!output().includes("Stop with Ctrl-C.")) {
    if (child.exitCode !== null) throw new Error(`the demo exited:\n${output()}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the demo printed no URLs within 240 s:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    child,
    output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const types = (batch: Record<string, any>) => batch.events.map((e: { type: string }) => e.type);

describe("npm run demo", function () {
  this.timeout(600_000);
  const dataDir = mkdtempSync(path.join(tmpdir(), "demo-test-"));
  let demo: Demo | undefined;
  let env: Record<string, string>;
  let base: string;
  type MarkedBatch = { label: string; batchId: string; gtin: string; lot: string; serials: string[]; urls: { page: string; qr: string; labels: string; units: string[]; unitLabels?: string } };
  let marked: MarkedBatch[];
  const batch = (lot: string) => {
    const found = marked.find((b) => b.lot === lot);
    if (!found) throw new Error(`the demo recorded no lot ${lot}`);
    return found;
  };
  const read = async (lot: string) => {
    const { status, body } = await getJson(`${base}/api/v1/batches/${batch(lot).batchId}`);
    expect(status, `${lot}: ${JSON.stringify(body)}`).to.equal(200);
    return body;
  };

  before(async function () {
    const port = await freePort();
    env = { PORT: String(port), CHAIN_PORT: String(await freePort()), DATA_DIR: dataDir };
    base = `http://127.0.0.1:${port}`;
    demo = await startDemo(env);
    marked = JSON.parse(readFileSync(path.join(dataDir, "demo.json"), "utf8")).batches;
  });

  after(async function () {
    await demo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("records each product's journey on chain, in order, with its origin county and a valid 圳品", async function () {
    for (const [lot, name, countyCode] of [
      ["TY2026-0708", "田阳香芒", "451003"],
      ["LY2026-0906", "乐业猕猴桃", "451028"],
      ["BM2026-1020", "巴马香猪", "451227"],
    ]) {
      const body = await read(lot);
      expect(types(body), lot).to.deep.equal(JOURNEY);
      expect(body.product.name, lot).to.equal(name);
      expect(body.origin.countyCode, lot).to.equal(countyCode);
      expect(body.certification, lot).to.deep.include({ status: "valid", scheme: "圳品" });
      expect(body.recall.recalled, lot).to.equal(false);
      expect(body.events[2].detail.temperature, lot).to.have.keys("min", "max");
      expect(body.events[2].detail.vehicle, lot).to.be.a("string");
      expect(body.events[4].detail.channel, lot).to.equal("counter");
    }
    const tea = await read("ZJ2026-0326");
    expect(tea.product.name).to.equal("紫金绿茶");
    expect(tea.origin.countyCode).to.equal("441621");
  });

  it("has every batch on chain: no event waiting, and each event and the head verified against the chain", async function () {
    expect(marked).to.have.length(7);
    for (const { lot, gtin, batchId } of marked) {
      expect(batchIdFor(gtin, lot), lot).to.equal(batchId);
      expect((await read(lot)).unconfirmedEvents, lot).to.deep.equal([]);
      const { body } = await getJson(`${base}/api/v1/batches/${batchId}/verify`);
      expect(body.ok, `${lot}: ${JSON.stringify(body.problems)}`).to.equal(true);
    }
  });

  it("shows the recalled mango lot recalled, with its reason, after its sale", async function () {
    const body = await read("TY2026-0715");
    expect(types(body)).to.deep.equal([...JOURNEY, "recall"]);
    expect(body.recall).to.deep.equal({ recalled: true, self: true, viaInputs: [] });
    expect(body.events[5].detail.reason).to.be.a("string").and.not.be.empty;
  });

  it("splits the Zijin tea into retail packs, each certified, shipped, received and sold", async function () {
    const parent = await read("ZJ2026-0326");
    const packs = ["ZJ2026-0326-G", "ZJ2026-0326-L"];
    expect(parent.lineage.outputs).to.have.members(packs.map((lot) => batch(lot).batchId));
    for (const lot of packs) {
      const pack = await read(lot);
      expect(types(pack), lot).to.deep.equal(["processing", "shipment", "receipt", "sale"]);
      expect(pack.lineage.inputs, lot).to.deep.equal([parent.batchId]);
      expect(pack.certification, lot).to.deep.include({ status: "valid", scheme: "圳品" });
    }
  });

  it("prints each batch's page, QR code and label sheet, and the unit serials it issued", function () {
    const output = demo!.output();
    for (const { lot, gtin, batchId, urls } of marked) {
      expect(urls.page, lot).to.equal(`${base}/01/${gtin}/10/${lot}`);
      expect(output).to.contain(urls.page).and.to.contain(`${urls.page}/qr.svg`).and.to.contain(`${base}/labels/${batchId}`);
    }
    const tin = batch("ZJ2026-0326-G");
    expect(tin.serials).to.have.length(5);
    for (const serial of tin.serials) expect(output).to.contain(`${tin.urls.page}/21/${serial}`);
  });

  it("serves the printed page, QR code, label sheet and unit URLs", async function () {
    const expectations: [string, RegExp][] = [];
    for (const { urls } of marked) expectations.push([urls.page, /^text\/html/], [urls.qr, /^image\/svg\+xml/], [urls.labels, /^text\/html/]);
    const { units, unitLabels } = batch("ZJ2026-0326-G").urls;
    expectations.push([units[0], /^text\/html/], [unitLabels!, /^text\/html/]);
    for (const [url, type] of expectations) {
      const response = await fetch(url);
      expect(response.status, url).to.equal(200);
      expect(response.headers.get("content-type"), url).to.match(type);
    }
  });

  it("stops cleanly, and run again records nothing and prints the same URLs", async function () {
    const before = (await getJson(`${base}/api/v1/batches?limit=100`)).body.total;
    const firstOutput = demo!.output();
    expect(await demo!.stop()).to.equal(0);
    demo = await startDemo(env);
    const again = demo.output();
    expect(again).not.to.match(/Recording/);
    for (const { urls } of marked) expect(again).to.contain(urls.page).and.to.contain(urls.labels);
    const printed = (text: string) => text.split("\n").filter((line) => /^\s+(page|QR|labels|unit)\s/.test(line));
    expect(printed(again)).to.deep.equal(printed(firstOutput));
    expect((await getJson(`${base}/api/v1/batches?limit=100`)).body.total).to.equal(before);
  });

  it("refuses a data folder that holds a ledger it did not record, and writes nothing there", async function () {
    const other = mkdtempSync(path.join(tmpdir(), "demo-test-other-"));
    writeFileSync(path.join(other, "gateway.db"), "");
    try {
      const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/demo.ts"], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", DATA_DIR: other, PORT: String(await freePort()), CHAIN_PORT: String(await freePort()) },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr?.on("data", (chunk) => (stderr += chunk.toString()));
      const code = await new Promise((resolve) => child.once("exit", resolve));
      expect(code).to.equal(1);
      expect(stderr).to.match(/holds a ledger without demo\.json/);
      expect(readdirSync(other)).to.deep.equal(["gateway.db"]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
