/**
 * The open ledger across processes: a writing gateway on a real anvil, and read gateways that
 * join the same chain with nothing but its RPC, the ledger's address and their peers. They must
 * show the same journeys, refuse a peer's tampered detail (and never keep it), and a writing
 * gateway that lost gateway.db must get every page's facts back from a bundle.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { createServer, get as httpGet, type Server } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { keccak256, toUtf8Bytes } from "ethers";
import { ANVIL_DEV_KEY, ANVIL_RELAYER_KEY, startAnvil, type AnvilHandle } from "../../server/chain/anvil";
import { PROCESS_ADMIN_TOKEN, freePort, spawnGateway, type GatewayProcess } from "../../scripts/lib/processes";
import { serverCommand } from "../../scripts/lib/server-build";
import { certification, harvest, harvestedBatchId, receipt, sale, shipment, packing } from "../../scripts/lib/payloads";

const ROOT = path.resolve(__dirname, "../..");
const LOT = "OPEN-2026-01";

async function call(base: string, method: string, url: string, options: { token?: string; body?: unknown } = {}) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { ...(options.body !== undefined ? { "content-type": "application/json" } : {}), ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body, text, headers: response.headers };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * What a journey says, whichever gateway serves it: events with their signer, names, details,
 * status and proofs. Not the writing gateway's own bookkeeping: its event ids, and how it kept
 * the signer's key (another gateway cannot know; it says "unknown").
 */
function journeyFacts(batch: any) {
  return {
    batchId: batch.batchId,
    product: batch.product,
    origin: batch.origin,
    recall: batch.recall,
    certification: batch.certification,
    lineage: batch.lineage,
    events: batch.events.map((event: any) => {
      const { eventId: _id, signedWith: _keptHow, ...facts } = event;
      return facts;
    }),
  };
}

describe("open ledger: read gateways, tampered peers and a rebuild from a bundle (real anvil, real gateways)", function () {
  this.timeout(300_000);
  let anvil: AnvilHandle;
  let writer: GatewayProcess;
  const readers: GatewayProcess[] = [];
  const folders: string[] = [];
  let writerDir: string;
  let ledger: { chainId: number; contract: string; deployBlock: number };
  const batchId = harvestedBatchId(LOT);
  let eventHashes: string[];
  let bundle: string;

  const folder = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "open-ledger-"));
    folders.push(dir);
    return dir;
  };
  const settled = async (base: string) => {
    const rpc = await fetch(anvil.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }) });
    const target = Number(((await rpc.json()) as { result: string }).result);
    await until(`${base} to index block ${target}`, async () => {
      const ready = await call(base, "GET", "/readyz");
      return ready.status === 200 && ready.body.indexedBlock >= target ? true : undefined;
    });
  };
  const startReader = async (peers: string[]) => {
    const reader = await spawnGateway({ port: await freePort(), rpcUrl: anvil.rpcUrl, dataDir: folder(), read: { ledger: ledger.contract, deployBlock: ledger.deployBlock, peers } });
    readers.push(reader);
    return reader;
  };

  before(async function () {
    writerDir = folder();
    anvil = await startAnvil({ port: await freePort(), stateFile: path.join(writerDir, "chain.json"), stateInterval: 60 });
    writer = await spawnGateway({ port: await freePort(), rpcUrl: anvil.rpcUrl, dataDir: writerDir, env: { PUBLIC_RATE_LIMIT: "0", API_RATE_LIMIT: "0" } });
    const org = async (name: string, role: string) => {
      const created = await call(writer.base, "POST", "/api/v1/orgs", { token: PROCESS_ADMIN_TOKEN, body: { name, role } });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      return created.body as { id: string; apiKey: string };
    };
    const farm = await org("田阳芒果专业合作社", "producer");
    const packer = await org("百色农产品分拣中心", "processor");
    const counter = await org("福田区消费帮扶专柜", "retailer");
    const certifier = await org("深圳市圳品认证中心", "certifier");
    const write = async (key: string, url: string, body: unknown) => {
      const answer = await call(writer.base, "POST", `${url}?wait=confirmed`, { token: key, body });
      expect(answer.status, JSON.stringify(answer.body)).to.be.oneOf([200, 201, 202]);
      return answer.body;
    };
    await write(farm.apiKey, "/api/v1/batches", harvest(LOT));
    await write(certifier.apiKey, `/api/v1/batches/${batchId}/certifications`, certification("ZP-OPEN-0001"));
    const events = `/api/v1/batches/${batchId}/events`;
    await write(farm.apiKey, events, shipment(packer.id, { shippedAt: "2026-06-01T10:00:00+08:00", to: "百色分拣中心" }));
    await write(packer.apiKey, events, { ...receipt, location: "百色分拣中心", receivedAt: "2026-06-01T14:00:00+08:00" });
    await write(packer.apiKey, events, packing);
    await write(packer.apiKey, events, shipment(counter.id));
    await write(counter.apiKey, events, receipt);
    await write(counter.apiKey, events, sale);
    await settled(writer.base);
    ledger = (await call(writer.base, "GET", "/api/v1/chain")).body;
    const batch = (await call(writer.base, "GET", `/api/v1/batches/${batchId}`)).body;
    eventHashes = batch.events.map((event: any) => event.dataHash ?? event.proof?.dataHash);
    expect(eventHashes).to.have.length(7);
    expect(batch.certification).to.include({ status: "valid", certificateNo: "ZP-OPEN-0001" });
  });

  after(async () => {
    for (const reader of readers) await reader.stop().catch(() => undefined);
    await writer?.stop().catch(() => undefined);
    await anvil?.stop();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it("serves each detail by its hash: the exact bytes the chain's hash commits to, an ETag, cacheable for ever; 404 for an unknown hash", async function () {
    for (const hash of eventHashes) {
      const answer = await call(writer.base, "GET", `/api/v1/details/${hash}`);
      expect(answer.status).to.equal(200);
      expect(keccak256(toUtf8Bytes(answer.text))).to.equal(hash);
      expect(answer.headers.get("etag")).to.equal(`"${hash}"`);
      expect(answer.headers.get("cache-control")).to.contain("immutable");
    }
    // node:http, not fetch: fetch adds Cache-Control: no-cache to a conditional request.
    const again = await new Promise<number>((resolve, reject) =>
      httpGet(`${writer.base}/api/v1/details/${eventHashes[0]}`, { headers: { "if-none-match": `"${eventHashes[0]}"` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on("error", reject),
    );
    expect(again).to.equal(304);
    expect((await call(writer.base, "GET", `/api/v1/details/0x${"ab".repeat(32)}`)).status).to.equal(404);
    // The feed: every event's detail and the attestation's, in chain order, a page at a time.
    const all = (await call(writer.base, "GET", "/api/v1/details")).body.items;
    expect(all.filter((item: any) => item.kind === "event").map((item: any) => item.dataHash)).to.deep.equal(eventHashes);
    expect(all.filter((item: any) => item.kind === "attestation")).to.have.length(1);
    for (const item of all) expect(keccak256(toUtf8Bytes(item.detail))).to.equal(item.dataHash);
    const first = await call(writer.base, "GET", "/api/v1/details?limit=3");
    const rest = await call(writer.base, "GET", `/api/v1/details?after=${first.body.next}&format=ndjson`);
    const paged = [...first.body.items, ...rest.text.trim().split("\n").map((line: string) => JSON.parse(line))];
    expect(paged.map((item: any) => item.dataHash)).to.deep.equal(all.map((item: any) => item.dataHash));
  });

  it("a read gateway that joins with the RPC, the ledger's address and a peer shows the same journey, and refuses writes", async function () {
    const reader = await startReader([writer.base]);
    await settled(reader.base);
    const original = journeyFacts((await call(writer.base, "GET", `/api/v1/batches/${batchId}`)).body);
    const copy = await until("the read gateway's journey to match", async () => {
      const answer = await call(reader.base, "GET", `/api/v1/batches/${batchId}`);
      if (answer.status !== 200) return undefined;
      const facts = journeyFacts(answer.body);
      return JSON.stringify(facts) === JSON.stringify(original) ? facts : undefined;
    }).catch(async (error) => {
      const answer = await call(reader.base, "GET", `/api/v1/batches/${batchId}`);
      expect(journeyFacts(answer.body)).to.deep.equal(original);
      throw error;
    });
    expect(copy.events.map((e: any) => e.org?.name ?? e.signerName ?? null)).to.deep.equal(original.events.map((e: any) => e.org?.name ?? e.signerName ?? null));
    const page = await call(reader.base, "GET", `/01/06901234567892/10/${LOT}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain("田阳芒果专业合作社").and.to.contain("福田区消费帮扶专柜");
    // Unit serials stay with the gateway that issued them: a read gateway neither vouches nor warns.
    const unit = await call(reader.base, "GET", `/01/06901234567892/10/${LOT}/21/UNIT0001`);
    expect(unit.status).to.equal(200);
    expect(unit.text).to.contain('data-unit="unchecked"').and.not.to.contain('data-warning="counterfeit"');
    const write = await call(reader.base, "POST", "/api/v1/batches", { token: "anything", body: harvest("OPEN-2026-02") });
    expect(write.status).to.equal(405);
    expect(write.body.error.code).to.equal("read_only");
    expect((await call(reader.base, "GET", "/console/login")).status).to.equal(404);
  });

  it("a peer that serves a tampered detail is caught: the detail is refused and not kept; an honest peer's copy is taken instead", async function () {
    const victim = eventHashes[2]; // the packing house's receipt, "百色分拣中心"
    const tampering = await tamperingPeer(writer.base, victim);
    try {
      const lied = await startReader([tampering.base]);
      await settled(lied.base);
      const status = await until("the refusal", async () => {
        const ready = await call(lied.base, "GET", "/readyz");
        return ready.body.details?.refused > 0 && ready.body.details?.missing === 1 ? ready.body.details : undefined;
      });
      expect(status.refused).to.be.greaterThan(0);
      expect((await call(lied.base, "GET", `/api/v1/details/${victim}`)).status).to.equal(404);
      expect((await call(lied.base, "GET", `/api/v1/details/${eventHashes[3]}`)).status).to.equal(200);

      const helped = await startReader([tampering.base, writer.base]);
      await until("the honest copy", async () => {
        const answer = await call(helped.base, "GET", `/api/v1/details/${victim}`);
        return answer.status === 200 ? answer : undefined;
      }).then((answer) => expect(keccak256(toUtf8Bytes(answer.text))).to.equal(victim));
      expect((await call(helped.base, "GET", "/readyz")).body.details.refused).to.be.greaterThan(0);
    } finally {
      await new Promise<void>((resolve) => tampering.server.close(() => resolve()));
    }
  });

  it("deleting gateway.db, then reindexing with a bundle, restores every page's facts", async function () {
    const before = journeyFacts((await call(writer.base, "GET", `/api/v1/batches/${batchId}`)).body);
    const pageBefore = (await call(writer.base, "GET", `/01/06901234567892/10/${LOT}`)).text;
    bundle = path.join(folder(), "ledger-bundle.ndjson");
    const exported = spawnSync(process.execPath, [...serverCommand("server/cli.ts"), "export", "--out", bundle, "--url", writer.base, "--json"], { cwd: ROOT, encoding: "utf8" });
    expect(exported.status, exported.stderr).to.equal(0);
    expect(JSON.parse(exported.stdout).details).to.equal(8);
    const header = JSON.parse(readFileSync(bundle, "utf8").split("\n")[0]);
    expect(header).to.include({ type: "ledger-bundle", chainId: ledger.chainId, deployBlock: ledger.deployBlock });

    const port = Number(new URL(writer.base).port);
    await writer.stop();
    for (const file of ["gateway.db", "gateway.db-wal", "gateway.db-shm"]) rmSync(path.join(writerDir, file), { force: true });
    const env = { PATH: process.env.PATH ?? "", DATA_DIR: writerDir, RPC_URL: anvil.rpcUrl, ADMIN_KEY: ANVIL_DEV_KEY, RELAYER_KEY: ANVIL_RELAYER_KEY, MASTER_SECRET: "process-test-master-secret-0123456789abcdef", ADMIN_TOKEN: PROCESS_ADMIN_TOKEN };
    const reindex = spawnSync(process.execPath, [...serverCommand("server/reindex.ts"), "--bundle", bundle], { cwd: ROOT, encoding: "utf8", env });
    expect(reindex.status, reindex.stderr + reindex.stdout).to.equal(0);
    expect(reindex.stdout).to.contain("8 kept").and.to.contain("8 of the 8");

    writer = await spawnGateway({ port, rpcUrl: anvil.rpcUrl, dataDir: writerDir, env: { PUBLIC_RATE_LIMIT: "0", API_RATE_LIMIT: "0" } });
    await settled(writer.base);
    const after = journeyFacts((await call(writer.base, "GET", `/api/v1/batches/${batchId}`)).body);
    expect(after).to.deep.equal(before);
    const pageAfter = (await call(writer.base, "GET", `/01/06901234567892/10/${LOT}`)).text;
    expect(visibleText(pageAfter)).to.equal(visibleText(pageBefore));
  });

  it("import bundle reads an export into a read gateway: a tampered detail is refused (exit 4) and the honest copy completes the journey", async function () {
    const reader = await startReader([]);
    await settled(reader.base);
    const lines = readFileSync(bundle, "utf8").trimEnd().split("\n");
    const victim = eventHashes[2];
    const tampered = path.join(folder(), "tampered.ndjson");
    writeFileSync(tampered, `${lines.map((line) => (line.includes(victim) ? line.replace("百色分拣中心", "污染严重，请勿购买") : line)).join("\n")}\n`);
    const cli = (file: string) =>
      spawnSync(process.execPath, [...serverCommand("server/cli.ts"), "import", "bundle", file, "--url", reader.base, "--json"], {
        cwd: ROOT,
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "", ADMIN_TOKEN: PROCESS_ADMIN_TOKEN },
      });
    const lied = cli(tampered);
    expect(lied.status, lied.stderr).to.equal(4);
    expect(JSON.parse(lied.stdout)).to.include({ kept: 7 });
    expect(JSON.parse(lied.stdout).refused.map((r: any) => r.hash)).to.deep.equal([victim]);
    expect((await call(reader.base, "GET", `/api/v1/details/${victim}`)).status).to.equal(404);
    const honest = cli(bundle);
    expect(honest.status, honest.stderr).to.equal(0);
    expect(JSON.parse(honest.stdout)).to.include({ kept: 1, known: 7 });
    const original = journeyFacts((await call(writer.base, "GET", `/api/v1/batches/${batchId}`)).body);
    expect(journeyFacts((await call(reader.base, "GET", `/api/v1/batches/${batchId}`)).body)).to.deep.equal(original);
  });
});

/**
 * A page's words without its markup: what a shopper reads. How the signer's key was kept is the
 * writing gateway's own bookkeeping, lost with gateway.db (the page then says the signer is not
 * registered here), so that phrase is not compared.
 */
function visibleText(page: string): string {
  return page
    .replace(/由平台代该机构保管的密钥签名|签名者未在本平台登记/g, "<signature>")
    .replace(/<script[\s\S]*?<\/script>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** A peer that passes the honest gateway's answers on, except that it changes one detail's bytes. */
async function tamperingPeer(honest: string, victim: string): Promise<{ base: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const upstream = await fetch(`${honest}${req.url}`);
    let text = await upstream.text();
    if (req.url?.startsWith(`/api/v1/details/${victim}`)) text = text.replace("百色分拣中心", "污染严重，请勿购买");
    else if (req.url?.startsWith("/api/v1/details?")) {
      text = text
        .split("\n")
        .map((line) => (line.includes(victim) ? line.replace("百色分拣中心", "污染严重，请勿购买") : line))
        .join("\n");
    }
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "text/plain" });
    res.end(text);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  return { base: `http://127.0.0.1:${port}`, server };
}
