/**
 * A CSV import survives kill -9: a 10,000-row harvest file is uploaded through the API and
 * started; the gateway process is killed while the rows are being recorded and started again,
 * and the import resumes by itself. In the end each row is recorded exactly once, in the outbox
 * and on chain.
 */
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Contract, JsonRpcProvider } from "ethers";
import { startAnvil, type AnvilHandle } from "../../server/chain/anvil";
import { readDeployment } from "../../server/chain/deploy-ledger";
import { loadLedgerArtifact } from "../../server/chain/ledger-artifact";
import { PROCESS_ADMIN_TOKEN as ADMIN, freePort, spawnGateway, type GatewayProcess } from "../../scripts/lib/processes";
import { harvestedBatchId } from "../../scripts/lib/payloads";
import { goodHarvestCsv } from "../csv/import-fixtures";

const ROWS = 10_000;
const LOT_PREFIX = "IC";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("CSV import through kill -9 of the gateway", function () {
  this.timeout(300_000);
  const dataDir = mkdtempSync(path.join(tmpdir(), "import-crash-"));
  let chainPort: number;
  let port: number;
  let anvil: AnvilHandle | undefined;
  let gateway: GatewayProcess | undefined;
  let db: Database.Database | undefined;

  const api = async (method: string, url: string, token: string, body?: unknown) => {
    const response = await fetch(`http://127.0.0.1:${port}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const count = (sql: string, ...params: unknown[]) => (db!.prepare(sql).get(...params) as { n: number }).n;
  const timings: Record<string, number> = {};
  let clock = Date.now();
  const lap = (name: string) => {
    timings[name] = Date.now() - clock;
    clock = Date.now();
  };

  before(async function () {
    chainPort = await freePort();
    port = await freePort();
    anvil = await startAnvil({ port: chainPort });
    gateway = await spawnGateway({ port, rpcUrl: `http://127.0.0.1:${chainPort}`, dataDir });
  });

  after(async function () {
    db?.close();
    await gateway?.kill().catch(() => undefined);
    await anvil?.stop().catch(() => undefined);
    console.log(`      timings (ms): ${JSON.stringify(timings)}`);
  });

  it(`records each of ${ROWS.toLocaleString("en")} rows exactly once, resuming after the kill`, async function () {
    const { body: org } = await api("POST", "/api/v1/orgs", ADMIN, { name: "乐业猕猴桃合作社", role: "producer" });
    clock = Date.now();

    const upload = await fetch(`http://127.0.0.1:${port}/api/v1/imports?kind=harvest`, {
      method: "POST",
      headers: { authorization: `Bearer ${org.apiKey}`, "content-type": "text/csv", "x-file-name": "kiwi.csv" },
      body: goodHarvestCsv(LOT_PREFIX, ROWS),
    });
    const uploaded = (await upload.json()) as { importId: string; totalRows: number; badRows: number };
    expect(upload.status).to.equal(201);
    expect(uploaded).to.deep.include({ totalRows: ROWS, badRows: 0 });
    lap("upload and check");

    db = new Database(path.join(dataDir, "gateway.db"), { readonly: true });
    const recordedRows = () => count(`SELECT count(*) AS n FROM outbox WHERE org_id = ?`, org.id);
    expect(recordedRows()).to.equal(0);
    const started = await api("POST", `/api/v1/imports/${uploaded.importId}/run`, org.apiKey, { goodOnly: false });
    expect(started.status).to.equal(202);

    // Kill the gateway once a good part of the rows is recorded, well before the end.
    while (recordedRows() < ROWS / 4) await sleep(10);
    await gateway!.kill();
    lap("recording until the kill");
    const atKill = recordedRows();
    const markedAtKill = count(`SELECT count(event_id) AS n FROM csv_import_rows WHERE import_id = ?`, uploaded.importId);
    console.log(`      killed with ${atKill} rows in the outbox, ${markedAtKill} of them marked recorded on their import row`);
    expect(atKill).to.be.greaterThan(0).and.lessThan(ROWS);

    // Started again, the gateway carries on with the import by itself.
    gateway = await spawnGateway({ port, rpcUrl: `http://127.0.0.1:${chainPort}`, dataDir });
    lap("restart");
    for (;;) {
      const { body } = await api("GET", `/api/v1/imports/${uploaded.importId}`, org.apiKey);
      if (body.status === "done") {
        expect(body).to.deep.include({ recorded: ROWS, failed: 0, badRows: 0 });
        break;
      }
      await sleep(100);
    }
    lap("recording the rest");
    while (count(`SELECT count(*) AS n FROM outbox WHERE status != 'confirmed'`) > 0 || !(await fetch(`http://127.0.0.1:${port}/readyz`)).ok) {
      await sleep(200);
    }
    lap("confirming on chain");

    // Checked with plain loops, reporting only what is wrong: chai's deep equality (with
    // Hardhat's matchers) takes seconds over 10,000 items.
    // Exactly once in the outbox: one harvest per row, for the row's own lot.
    const outbox = db.prepare(`SELECT id, batch_id, kind, data_hash FROM outbox WHERE org_id = ?`).all(org.id) as Array<{
      id: string;
      batch_id: string;
      kind: number;
      data_hash: string;
    }>;
    const lotOfLine = (line: number) => `${LOT_PREFIX}${line - 1}`;
    const recordedBatches = new Set(outbox.map((event) => event.batch_id));
    const expectedBatches = Array.from({ length: ROWS }, (_, i) => harvestedBatchId(lotOfLine(i + 2)));
    expect({
      events: outbox.length,
      distinctBatches: recordedBatches.size,
      notHarvests: outbox.filter((event) => event.kind !== 0).length,
      missing: expectedBatches.filter((batchId) => !recordedBatches.has(batchId)),
    }).to.deep.equal({ events: ROWS, distinctBatches: ROWS, notHarvests: 0, missing: [] });

    // Each import row names its own event (of its own lot), and no two rows the same event.
    const rows = db.prepare(`SELECT line, event_id FROM csv_import_rows WHERE import_id = ?`).all(uploaded.importId) as Array<{
      line: number;
      event_id: string | null;
    }>;
    const batchOfEvent = new Map(outbox.map((event) => [event.id, event.batch_id]));
    expect({
      rows: rows.length,
      distinctEvents: new Set(rows.map((row) => row.event_id)).size,
      wrongEvent: rows.filter((row) => batchOfEvent.get(row.event_id ?? "") !== harvestedBatchId(lotOfLine(row.line))).map((row) => row.line),
    }).to.deep.equal({ rows: ROWS, distinctEvents: ROWS, wrongEvent: [] });
    lap("outbox checks");

    // And on chain: the ledger logged each of these events once. EventRecorded(bytes32 indexed
    // batchId, address indexed signer, uint8 kind, bytes32 dataHash): the data is kind, dataHash.
    const provider = new JsonRpcProvider(`http://127.0.0.1:${chainPort}`, undefined, { cacheTimeout: -1 });
    const deployment = readDeployment(path.join(dataDir, "deployments", "31337.json"))!;
    const ledger = new Contract(deployment.address, loadLedgerArtifact().abi, provider);
    const logs = await provider.getLogs({
      address: deployment.address,
      topics: [ledger.interface.getEvent("EventRecorded")!.topicHash],
      fromBlock: deployment.deployBlock,
    });
    lap("reading the logs");
    const onChain = new Set(logs.map((log) => `${log.topics[1]}:0x${log.data.slice(2 + 64, 2 + 128)}`));
    expect({
      logs: logs.length,
      distinct: onChain.size,
      notOnChain: outbox.filter((event) => !onChain.has(`${event.batch_id}:${event.data_hash}`)).map((event) => event.id),
    }).to.deep.equal({ logs: ROWS, distinct: ROWS, notOnChain: [] });
    provider.destroy();
    lap("chain checks");
  });
});
