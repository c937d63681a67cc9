/**
 * EPCIS subscription deliveries across a kill -9, on real processes: a gateway process (on an
 * anvil the test runs, so the chain outlives it) delivers a subscription to a receiver on
 * 127.0.0.1 that first fails twice, then holds a delivery without answering; the gateway is
 * killed with SIGKILL while that delivery is out and later writes are still on their way to the chain.
 * Its SQLite then holds the delivery state (two failures, their reason, nothing acknowledged);
 * restarted on the same data folder, it delivers again from where the receiver last
 * acknowledged, and the receiver ends with every event the gateway serves, by eventID, in seq
 * order, signed: none lost.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { startAnvil, type AnvilHandle } from "../../server/chain/anvil";
import { PROCESS_ADMIN_TOKEN, freePort, spawnGateway, type GatewayProcess } from "../../scripts/lib/processes";
import * as payload from "../../scripts/lib/payloads";
import { signatureHolds, startReceiver, type Receiver } from "../helpers/webhook-receiver";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TOKEN = "crash-test-signature-token-0123456789";
/** Writes before the kill: those the held delivery carries … */
const WRITES = 40;
/** … and those accepted just before it, still on their way to the chain. */
const LATE_WRITES = 10;

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

async function call(base: string, method: string, url: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe("EPCIS webhooks across a kill -9 of the gateway", function () {
  this.timeout(120_000);
  const dataDir = mkdtempSync(path.join(tmpdir(), "webhooks-crash-"));
  // anvil's state apart from the data folder, which the gateway walks at start to tighten its modes.
  const chainDir = mkdtempSync(path.join(tmpdir(), "webhooks-crash-chain-"));
  let anvil: AnvilHandle;
  let gateway: GatewayProcess | undefined;
  let receiver: Receiver;

  before(async function () {
    anvil = await startAnvil({ port: await freePort(), stateFile: path.join(chainDir, "chain.json"), stateInterval: 1 });
    receiver = await startReceiver();
  });

  after(async function () {
    await gateway?.stop().catch(() => undefined);
    await receiver?.stop();
    await anvil?.stop().catch(() => undefined);
    for (const dir of [dataDir, chainDir]) rmSync(dir, { recursive: true, force: true });
  });

  it("loses no event: the restarted gateway delivers again from the last acknowledged one", async function () {
    const env = { API_RATE_LIMIT: "0" };
    gateway = await spawnGateway({ port: await freePort(), rpcUrl: anvil.rpcUrl, dataDir, env });
    const org = await call(gateway.base, "POST", "/api/v1/orgs", PROCESS_ADMIN_TOKEN, { name: "田阳芒果专业合作社", role: "producer" });
    expect(org.status, JSON.stringify(org.body)).to.equal(201);
    const apiKey = org.body.apiKey as string;

    // Two failures, then a delivery held without an answer.
    receiver.answerWith((index) => (index < 2 ? 500 : "hold"));
    const subscription = await call(gateway.base, "POST", "/epcis/queries/SimpleEventQuery/subscriptions", apiKey, {
      dest: receiver.url,
      signatureToken: TOKEN,
      stream: true,
    });
    expect(subscription.status, JSON.stringify(subscription.body)).to.equal(201);
    const id = subscription.body.subscriptionID as string;

    const write = async (lot: string) => {
      const { status, body } = await call(gateway!.base, "POST", "/api/v1/batches", apiKey, payload.harvest(lot));
      expect(status, JSON.stringify(body)).to.equal(202);
    };
    for (let i = 0; i < WRITES; i++) await write(`CRASH-${i}`);
    await until("a delivery held by the receiver", () => (receiver.deliveries.some((d) => d.answer === "hold") ? true : undefined));
    for (let i = 0; i < LATE_WRITES; i++) await write(`LATE-${i}`);
    await gateway.kill();
    gateway = undefined;

    // What the killed gateway left in SQLite: the failures, their reason, nothing acknowledged.
    const db = new Database(path.join(dataDir, "gateway.db"));
    const state = db.prepare(`SELECT failures, last_error AS lastError, last_notified_at AS lastNotifiedAt, next_attempt_at AS nextAttemptAt FROM epcis_subscriptions WHERE id = ?`).get(id);
    db.close();
    expect(state).to.deep.include({ failures: 2, lastError: "the receiver answered HTTP 500", lastNotifiedAt: null });
    const acknowledgedBefore = receiver.acknowledgedEvents().length;
    expect(acknowledgedBefore).to.equal(0);

    receiver.answerWith(() => 200);
    gateway = await spawnGateway({ port: await freePort(), rpcUrl: anvil.rpcUrl, dataDir, env });
    const base = gateway.base;
    // Every write the killed gateway accepted reaches the chain and the EPCIS projection.
    const served = await until("every write served as an EPCIS event", async () => {
      const { status, body } = await call(base, "GET", "/epcis/events?perPage=500");
      expect(status).to.equal(200);
      const events = body.epcisBody.queryResults.resultsBody.eventList as any[];
      return events.length >= WRITES + LATE_WRITES ? events : undefined;
    });
    expect(served).to.have.length(WRITES + LATE_WRITES);
    const expected = served.map((e) => e.eventID as string);
    await until("every event at the receiver", () => {
      const got = new Set(receiver.acknowledgedEvents().map((e) => e.eventID as string));
      return expected.every((e) => got.has(e)) ? true : undefined;
    });

    // In seq order, each event once after its first delivery (a receiver dedupes on eventID).
    const firstSeen: string[] = [];
    for (const e of receiver.acknowledgedEvents()) if (!firstSeen.includes(e.eventID)) firstSeen.push(e.eventID);
    expect(firstSeen).to.deep.equal(expected);
    for (const delivery of receiver.deliveries) expect(signatureHolds(delivery, TOKEN)).to.equal(true);
    const view = await call(base, "GET", `/epcis/queries/SimpleEventQuery/subscriptions/${id}`, apiKey);
    expect(view.body.delivery).to.deep.equal({ failures: 0, lastError: "the receiver answered HTTP 500", lastErrorAt: view.body.delivery.lastErrorAt });
    expect(view.body.lastNotifiedAt).to.be.a("string");
  });
});
