/**
 * `npm run demo`: the product as `npm start` runs it, in ./demo-data unless DATA_DIR is set. On a
 * fresh folder it creates the organisations, a console login for each role and one for the
 * programme office (generated passwords, kept in DATA_DIR/demo-logins.json, 0600), has the office
 * upload its county list through the console, records the journeys of scripts/demo-journeys.ts
 * through the HTTP API, as the organisations themselves would, waits until the chain and the
 * index hold every event, and notes what it recorded in DATA_DIR/demo.json. Every run then prints
 * each batch's shopper page, QR code and label sheet and the console's logins, and keeps serving
 * until Ctrl-C. A folder with demo.json is reused as is.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../server/config";
import { digitalLinkUri } from "../server/domain/digital-link";
import { batchIdFor, normalizeGtin } from "../server/domain/gs1";
import { startProduct } from "../server/index";
import type { EventBody } from "../server/domain/request-shapes";
import { CONSOLE_LOGINS, JOURNEYS, ORGANISATIONS, PROGRAMME_COUNTIES, type DemoBatch, type DemoEvent, type Journey, type OrgKey, type Step } from "./demo-journeys";
import { generatedPassword, loginLines, saveLogins, savedLogins, LOGINS_FILE, type DemoLogin } from "./demo-logins";
import { uploadProgrammeCounties } from "./lib/programme-counties";

/** What demo.json keeps of each batch. */
interface RecordedBatch {
  label: string;
  batchId: string;
  gtin: string;
  lot: string;
  serials: string[];
}

const CONFIRM_TIMEOUT_MS = 120_000;

async function main(): Promise<void> {
  // Its own folder, so the demo never mixes with a real ./data; quiet logs, so the URLs stand out.
  const config = loadConfig({ DATA_DIR: "./demo-data", LOG_LEVEL: "warn", ...process.env });
  const marker = path.join(config.dataDir, "demo.json");
  const recordedBefore = existsSync(marker);
  if (!recordedBefore && existsSync(path.join(config.dataDir, "gateway.db"))) {
    // A ledger the demo did not finish: someone's real data, or a demo stopped halfway.
    throw new Error(`${config.dataDir} holds a ledger without ${path.basename(marker)}: the demo records only into a fresh folder. Delete it, or set DATA_DIR to a new one.`);
  }

  const product = await startProduct(config);
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      stopping = true;
      product.stop().then(() => process.exit(0), (error) => fail(error));
    });
  }
  try {
    let batches: RecordedBatch[];
    if (recordedBefore) {
      batches = (JSON.parse(readFileSync(marker, "utf8")) as { batches: RecordedBatch[] }).batches;
    } else {
      const started = Date.now();
      console.log("\n  Recording the demo journeys · 正在记录演示批次 …");
      batches = await record(product.base, product.adminToken, config.dataDir);
      const withUrls = batches.map((batch) => ({ ...batch, urls: urlsOf(config.publicBaseUrl, batch) }));
      writeFileSync(marker, `${JSON.stringify({ recordedAt: new Date().toISOString(), batches: withUrls }, null, 2)}\n`);
      console.log(`  Recorded and confirmed on chain in ${((Date.now() - started) / 1000).toFixed(1)} s; noted in ${marker}`);
    }
    // Only the logins this demo made in this folder (the file is there only then).
    const logins = savedLogins(config.dataDir);
    print(config.publicBaseUrl, product.base, batches, logins && loginLines(`${product.base}/console`, logins, path.join(config.dataDir, LOGINS_FILE), !recordedBefore));
  } catch (error) {
    if (stopping) return; // Ctrl-C while recording: the signal handler is stopping everything
    await product.stop();
    throw error;
  }
}

/** An organisation the demo created: its id (what a shipment names) and its API key. */
interface DemoOrg {
  id: string;
  apiKey: string;
}

/** Creates the organisations, their console logins and the county list, records every journey, and issues the unit serials. */
async function record(base: string, adminToken: string, dataDir: string): Promise<RecordedBatch[]> {
  const api = client(base);
  const orgs = Object.fromEntries(
    await Promise.all(
      Object.entries(ORGANISATIONS).map(async ([key, org]) => {
        const created = await api.post("/api/v1/orgs", adminToken, org, 201);
        return [key, { id: created.id as string, apiKey: created.apiKey as string }];
      }),
    ),
  ) as Record<OrgKey, DemoOrg>;
  const logins = await createLogins(api, adminToken, orgs);
  // Kept at once: the members exist from now on, even if the recording stops halfway.
  saveLogins(dataDir, logins);
  const office = logins.find((login) => login.role === PROGRAMME_OFFICE)!;
  await uploadProgrammeCounties(base, office, PROGRAMME_COUNTIES);

  // Journeys side by side; within one, each step waits for the chain before the next, as in
  // life. It must: the chain refuses a 圳品 attestation of a batch it does not hold yet.
  let lastBlock = 0;
  await Promise.all(
    JOURNEYS.map(async (journey) => {
      for (const batch of journey) {
        for (const step of batch.steps) {
          const block = await api.confirmed(await write(api, orgs, journey, batch, step));
          lastBlock = Math.max(lastBlock, block);
        }
      }
    }),
  );
  await api.indexedUpTo(lastBlock);

  const batches: RecordedBatch[] = [];
  for (const batch of JOURNEYS.flat()) {
    const batchId = batchIdFor(batch.gtin, batch.lot);
    const serials = batch.serials ? await issueSerials(api, batchId, orgs[batch.serials.by].apiKey, batch.serials.count) : [];
    batches.push({ label: batch.label, batchId, gtin: normalizeGtin(batch.gtin), lot: batch.lot, serials });
  }
  return batches;
}

const PROGRAMME_OFFICE = "programme office";

/** The console members of CONSOLE_LOGINS, through the admin's API, each with a new password. */
async function createLogins(api: Client, adminToken: string, orgs: Record<OrgKey, DemoOrg>): Promise<DemoLogin[]> {
  const logins: DemoLogin[] = [];
  for (const { org, username } of CONSOLE_LOGINS) {
    const password = generatedPassword();
    if (org === "programmeOffice") {
      await api.post("/api/v1/programme/members", adminToken, { username, password, displayName: "消费帮扶办公室" }, 201);
      logins.push({ role: PROGRAMME_OFFICE, organisation: "消费帮扶办公室", username, password });
    } else {
      await api.post(`/api/v1/orgs/${orgs[org].id}/members`, adminToken, { username, password, isAdmin: true }, 201);
      logins.push({ role: ORGANISATIONS[org].role, organisation: ORGANISATIONS[org].name, username, password });
    }
  }
  return logins;
}

/** One step as its API write; answers the ids of the events it made. */
async function write(api: Client, orgs: Record<OrgKey, DemoOrg>, journey: Journey, batch: DemoBatch, step: Step): Promise<string[]> {
  const on = "on" in step && step.on ? journey.find((b) => b.lot === step.on) : batch;
  if (!on) throw new Error(`the journey of ${batch.lot} has no batch ${"on" in step ? step.on : ""}`);
  const batchId = batchIdFor(on.gtin, on.lot);
  const [url, body] =
    "harvest" in step
      ? ["/api/v1/batches", step.harvest]
      : "event" in step
        ? [`/api/v1/batches/${batchId}/events`, eventBody(orgs, step.event)]
        : [`/api/v1/batches/${batchId}/certifications`, step.certification];
  const answer = await api.post(url, orgs[step.by].apiKey, body, 202);
  return answer.events ? (answer.events as { eventId: string }[]).map((e) => e.eventId) : [answer.eventId as string];
}

/** The event as the API takes it: a shipment names its consignee by the organisation's id. */
function eventBody(orgs: Record<OrgKey, DemoOrg>, event: DemoEvent): EventBody {
  return event.type === "shipment" ? { ...event, consignee: orgs[event.consignee].id } : event;
}

/**
 * Unit serials through the gateway's serials route. A gateway without the route (it answers
 * 404) leaves the batch without serials: the demo notes it and goes on.
 */
async function issueSerials(api: Client, batchId: string, apiKey: string, count: number): Promise<string[]> {
  const url = `/api/v1/batches/${batchId}/serials`;
  const { status, body } = await api.send("POST", url, apiKey, { count });
  if (status === 404) {
    console.log(`  Note: this gateway issues no unit serials yet (POST ${url} answered 404); going on without them.`);
    return [];
  }
  if (status !== 201) throw new Error(`POST ${url} answered ${status}: ${JSON.stringify(body)}`);
  return (body.serials as { serial: string }[]).map((s) => s.serial);
}

type Client = ReturnType<typeof client>;

/** A JSON client of the running gateway, over real HTTP as any organisation would use it. */
function client(base: string) {
  const send = async (method: string, url: string, token?: string, body?: unknown) => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, any> };
  };
  const poll = async <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + CONFIRM_TIMEOUT_MS;
    for (;;) {
      const done = await check();
      if (done !== undefined) return done;
      if (Date.now() > deadline) throw new Error(`${what}: not done within ${CONFIRM_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return {
    send,
    async post(url: string, token: string, body: unknown, expected: number): Promise<Record<string, any>> {
      const answer = await send("POST", url, token, body);
      if (answer.status !== expected) throw new Error(`POST ${url} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
    /** Waits until every event is confirmed on chain; answers the highest block among them. */
    async confirmed(eventIds: string[]): Promise<number> {
      let highest = 0;
      for (const id of eventIds) {
        const block = await poll(`event ${id}`, async () => {
          const { body } = await send("GET", `/api/v1/events/${id}`);
          if (body.status === "failed") throw new Error(`event ${id} (${body.type}) failed: ${body.error}`);
          return body.status === "confirmed" ? (body.blockNumber as number) : undefined;
        });
        highest = Math.max(highest, block);
      }
      return highest;
    },
    /** Waits until the index (what the pages read) has caught up with the chain past `block`. */
    async indexedUpTo(block: number): Promise<void> {
      await poll("the index", async () => {
        const { status, body } = await send("GET", "/readyz");
        return status === 200 && body.indexedBlock >= block ? true : undefined;
      });
    },
  };
}

/** The GS1 Digital Link URIs a batch's QR code and labels carry, and its label sheets. */
function urlsOf(publicBase: string, batch: RecordedBatch) {
  const page = digitalLinkUri(publicBase, batch.gtin, batch.lot);
  const labels = `${publicBase.replace(/\/+$/, "")}/labels/${batch.batchId}`;
  return {
    page,
    qr: `${page}/qr.svg`,
    labels,
    units: batch.serials.map((serial) => digitalLinkUri(publicBase, batch.gtin, batch.lot, serial)),
    // One label per issued unit, each with its own code.
    unitLabels: batch.serials.length ? `${labels}?serials=${batch.serials.join(",")}` : undefined,
  };
}

function print(publicBase: string, base: string, batches: RecordedBatch[], logins: string[] | undefined): void {
  const lines = ["", "  演示批次 · Demo batches (scan, open or print):"];
  for (const batch of batches) {
    const urls = urlsOf(publicBase, batch);
    lines.push("", `  ${batch.label}  ·  lot ${batch.lot}`, `    page    ${urls.page}`, `    QR      ${urls.qr}`, `    labels  ${urls.labels}`);
    for (const unit of urls.units) lines.push(`    unit    ${unit}`);
    if (urls.unitLabels) lines.push(`    labels  ${urls.unitLabels}  (one per unit)`);
  }
  if (logins) lines.push(...logins);
  lines.push("", `  API: ${base}/api/v1 (GET /api/v1/batches/{batchId} for a journey with its proofs)`, "  Stop with Ctrl-C.", "");
  console.log(lines.join("\n"));
}

function fail(error: unknown): never {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

main().catch(fail);
