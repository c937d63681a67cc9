/**
 * `npm run demo` as a newcomer runs it: a child process on a fresh data folder with its own
 * anvil, read back through the public API once it has printed its URLs, and through the console
 * with a login it printed; then stopped, and run again on the same folder, where it must record
 * nothing and print the same URLs.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { batchIdFor } from "../../server/domain/gs1";
import { freePort } from "../../scripts/lib/processes";
import { ConsoleClient } from "../helpers/console-client";

const ROOT = path.resolve(__dirname, "../..");
/**
 * A harvest its cooperative ships to the carrier, which receives it and ships it on to the
 * packing house, which receives it and packs it into boxes (a new batch).
 */
const HARVEST_JOURNEY = ["harvest", "shipment", "receipt", "shipment", "receipt"];
/** The boxes, from the packing through the carrier to the counter's sale. */
const PACK_JOURNEY = ["processing", "shipment", "receipt", "shipment", "receipt", "sale"];
/** Where in PACK_JOURNEY the carrier's shipment to the counter and the sale are. */
const TO_COUNTER = 3;
const SALE = 5;

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

/** The console logins as the demo printed them: "login USER  password PW  ·  ROLE: ORGANISATION". */
function printedLogins(output: string): Array<{ username: string; password: string; role: string; organisation: string }> {
  return [...output.matchAll(/^ +login (\S+) +password (\S+) +· +([^:]+): (.+)$/gm)].map(([, username, password, role, organisation]) => ({ username, password, role, organisation }));
}

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
    // The test reads and verifies every batch the demo recorded, within the minute the demo's own
    // calls fall in: more than one client address may ask a minute (API_RATE_LIMIT, VERIFY_RATE_LIMIT).
    env = { PORT: String(port), CHAIN_PORT: String(await freePort()), DATA_DIR: dataDir, API_RATE_LIMIT: "0", VERIFY_RATE_LIMIT: "0" };
    base = `http://127.0.0.1:${port}`;
    demo = await startDemo(env);
    marked = JSON.parse(readFileSync(path.join(dataDir, "demo.json"), "utf8")).batches;
  });

  after(async function () {
    await demo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("records each product's journey on chain, in order, from its origin county to the counter, with a valid 圳品 on the boxes", async function () {
    for (const [lot, packLot, name, countyCode, sold] of [
      ["TY2026-0708", "TY2026-0708-5K", "田阳香芒", "451003", { amount: 580, unit: "box" }],
      ["LY2026-0906", "LY2026-0906-25", "乐业猕猴桃", "451028", { amount: 560, unit: "box" }],
      ["BM2026-1020", "BM2026-1020-05", "巴马香猪", "451227", { amount: 1480, unit: "bag" }],
    ] as const) {
      const harvest = await read(lot);
      expect(types(harvest), lot).to.deep.equal(HARVEST_JOURNEY);
      expect(harvest.product.name, lot).to.equal(name);
      expect(harvest.origin.countyCode, lot).to.equal(countyCode);
      expect(harvest.recall.recalled, lot).to.equal(false);
      expect(harvest.custody.holders.map((h: { name: string }) => h.name), lot).to.deep.equal(["广西供深农产品集配中心"]);

      const pack = await read(packLot);
      expect(types(pack), packLot).to.deep.equal(PACK_JOURNEY);
      expect(pack.lineage.inputs, packLot).to.deep.equal([harvest.batchId]);
      expect(pack.events[0].detail.output.conversion, packLot).to.have.keys("unit", "kg");
      expect(pack.certification, packLot).to.deep.include({ status: "valid", scheme: "圳品" });
      expect(pack.recall.recalled, packLot).to.equal(false);
      // The packing house ships to the carrier, which receives the boxes and ships them on to the counter.
      expect(pack.events[1].detail.consignee.name, packLot).to.equal("深圳市鹏城冷链物流有限公司");
      expect(pack.events[1].signer.organisation.name, packLot).to.equal("广西供深农产品集配中心");
      expect(pack.events[2].signer.organisation.name, packLot).to.equal("深圳市鹏城冷链物流有限公司");
      expect(pack.events[TO_COUNTER].signer.organisation.name, packLot).to.equal("深圳市鹏城冷链物流有限公司");
      expect(pack.events[TO_COUNTER].detail.temperature, packLot).to.have.keys("min", "max");
      // The truck's licence plate is committed, never in the clear: the carrier alone reads it.
      expect(pack.events[TO_COUNTER].detail, packLot).not.to.have.property("vehicle");
      expect(pack.events[TO_COUNTER].detail.committed.vehicle, packLot).to.match(/^0x[0-9a-f]{64}$/);
      expect(pack.events[TO_COUNTER].detail.consignee.name, packLot).to.equal("深圳市福田区消费扶贫专柜");
      expect(pack.events[SALE].detail.channel, packLot).to.equal("counter");
      // What the counter still holds after the sale.
      expect(pack.custody.holders.map((h: { name: string; quantity: unknown }) => [h.name, h.quantity]), packLot).to.deep.equal([["深圳市福田区消费扶贫专柜", sold]]);
    }
    const tea = await read("ZJ2026-0326");
    expect(tea.product.name).to.equal("紫金绿茶");
    expect(tea.origin.countyCode).to.equal("441621");
  });

  it("has every batch on chain: no event waiting, no rule broken, and each event and the head verified against the chain", async function () {
    expect(marked).to.have.length(11);
    for (const { lot, gtin, batchId } of marked) {
      expect(batchIdFor(gtin, lot), lot).to.equal(batchId);
      const body = await read(lot);
      expect(body.unconfirmedEvents, lot).to.deep.equal([]);
      expect(body.findings, lot).to.deep.equal([]);
      const { body: verified } = await getJson(`${base}/api/v1/batches/${batchId}/verify`);
      expect(verified.ok, `${lot}: ${JSON.stringify(verified.problems)}`).to.equal(true);
    }
  });

  it("shows the recalled mango harvest recalled, with its reason, after its boxes were sold, and the recall on the boxes", async function () {
    const harvest = await read("TY2026-0715");
    expect(types(harvest)).to.deep.equal([...HARVEST_JOURNEY, "recall"]);
    expect(harvest.recall).to.deep.equal({ recalled: true, self: true, viaInputs: [] });
    expect(harvest.events[HARVEST_JOURNEY.length].detail.reason).to.be.a("string").and.not.be.empty;
    const boxes = await read("TY2026-0715-5K");
    expect(types(boxes)).to.deep.equal(PACK_JOURNEY);
    expect(boxes.recall).to.deep.equal({ recalled: true, self: false, viaInputs: [harvest.batchId] });
  });

  it("splits the Zijin tea into retail packs, each certified, shipped, received and sold", async function () {
    const parent = await read("ZJ2026-0326");
    expect(types(parent)).to.deep.equal(["harvest"]);
    const packs = ["ZJ2026-0326-G", "ZJ2026-0326-L"];
    expect(parent.lineage.outputs).to.have.members(packs.map((lot) => batch(lot).batchId));
    for (const lot of packs) {
      const pack = await read(lot);
      expect(types(pack), lot).to.deep.equal(PACK_JOURNEY);
      expect(pack.lineage.inputs, lot).to.deep.equal([parent.batchId]);
      expect(pack.certification, lot).to.deep.include({ status: "valid", scheme: "圳品" });
    }
    // 600 tins of 250 g and 180 boxes of 500 g: 240 kg of the 300 kg the cooperative holds.
    expect(parent.custody.remaining).to.deep.equal({ amount: 60, unit: "kg" });
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

  it("prints one console login per role, kept in a 0600 file of its folder; a printed login logs in at the console", async function () {
    const output = demo!.output();
    expect(output).to.contain(`Console logins: ${base}/console`);
    const logins = printedLogins(output);
    expect(logins.map((login) => login.role)).to.have.members(["producer", "processor", "certifier", "carrier", "retailer", "programme office"]);
    const file = path.join(dataDir, "demo-logins.json");
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(JSON.parse(readFileSync(file, "utf8")).logins).to.deep.equal(logins);

    const counter = logins.find((login) => login.role === "retailer")!;
    expect(counter.organisation).to.equal("深圳市福田区消费扶贫专柜");
    const wrong = new ConsoleClient(base);
    expect((await wrong.login(counter.username, `${counter.password}x`)).status).to.equal(401);
    const member = new ConsoleClient(base);
    const loggedIn = await member.login(counter.username, counter.password);
    expect(loggedIn.status, loggedIn.text).to.equal(303);
    const home = await member.get("/console");
    expect(home.status).to.equal(303);
    expect((await member.get(home.location!)).status).to.equal(200);
  });

  it("has its programme office's county list, the four counties of its products, marked on their pages", async function () {
    const office = printedLogins(demo!.output()).find((login) => login.role === "programme office")!;
    const member = new ConsoleClient(base);
    expect((await member.login(office.username, office.password)).status).to.equal(303);
    const list = await member.get("/programme/counties");
    expect(list.status).to.equal(200);
    expect(list.text).to.contain('data-county-count="4"');
    const page = await fetch(batch("TY2026-0708").urls.page);
    expect(await page.text()).to.contain('data-programme-county="true"');
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
    // The same logins, the passwords left in their file this time.
    const first = printedLogins(firstOutput);
    for (const { username, password } of first) expect(again).to.contain(`login ${username}`).and.not.to.contain(password);
    expect(again).to.contain(path.join(dataDir, "demo-logins.json"));
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
