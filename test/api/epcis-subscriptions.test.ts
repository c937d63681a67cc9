/**
 * EPCIS 2.0 query subscriptions delivered as signed webhooks, on a whole gateway (real chain,
 * real SQLite, real HTTP) with real receivers on 127.0.0.1: made, listed, read and deleted by
 * their organisation only; bad requests refused naming the field, nothing stored; every new event
 * delivered, signed (GS1-Signature: base64 HMAC-SHA256 of the exact bytes), in seq order, none
 * skipped, also past a receiver that fails for a while (retried with back-off); a filter delivers
 * only what it matches; a receiver that refuses or does not answer is a failure, and a stop
 * abandons a delivery it waits for too long without counting it.
 */
import { expect } from "chai";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { expectValidEpcis } from "../helpers/epcis";
import { startReceiver, signatureHolds, type Receiver } from "../helpers/webhook-receiver";
import { freePort } from "../../scripts/lib/processes";
import * as payload from "../../scripts/lib/payloads";
import { EpcisEventStore } from "../../server/store/epcis-events";
import { EpcisSubscriptionRepository } from "../../server/store/epcis-subscription-repository";
import { EpcisProjector } from "../../server/services/epcis/epcis-projector";
import { TokenSeal } from "../../server/services/epcis/webhook-delivery";
import { createEpcisWebhooks } from "../../server/workers/epcis-webhooks";

type Org = { id: string; address: string; apiKey: string };

const PATH = "/epcis/queries/SimpleEventQuery/subscriptions";
const TOKEN = "whsec-2026-田阳-0123456789abcdef";
/** The harness's master secret (test/helpers/gateway-harness.ts): the worker built here opens the same sealed tokens. */
const HARNESS_MASTER_SECRET = "test-master-secret-0123456789abcdefghijklmnop";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, limitMs = 20_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(25);
  }
}

describe("EPCIS 2.0 subscriptions: signed webhooks, retried until answered, nothing skipped", function () {
  this.timeout(60_000);
  let h: Harness;
  let producer: Org, carrier: Org, other: Org;
  const receivers: Receiver[] = [];
  let lot = 0;

  const subscribe = (org: Org, body: Record<string, unknown>, query = "") => h.call("POST", `${PATH}${query}`, { token: org.apiKey, body });
  async function subscribed(org: Org, body: Record<string, unknown>, query = ""): Promise<string> {
    const { status, body: answer } = await subscribe(org, { signatureToken: TOKEN, stream: true, ...body }, query);
    expect(status, JSON.stringify(answer)).to.equal(201);
    return answer.subscriptionID;
  }
  const unsubscribe = async (org: Org, id: string) => expect((await h.call("DELETE", `${PATH}/${id}`, { token: org.apiKey })).status).to.equal(204);
  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const started = await startReceiver(...args);
    receivers.push(started);
    return started;
  };
  /** A new harvest by the producer; answers its batch id. */
  async function harvest(): Promise<string> {
    const { status, body } = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest(`WH-${++lot}`) });
    expect(status, JSON.stringify(body)).to.equal(202);
    return body.batchId;
  }
  async function ship(batchId: string): Promise<void> {
    const { status, body } = await h.call("POST", `/api/v1/batches/${batchId}/events`, { token: producer.apiKey, body: payload.shipment(carrier.id) });
    expect(status, JSON.stringify(body)).to.equal(202);
  }
  /** Every event the gateway serves (the query, in seq order). */
  async function served(query = ""): Promise<any[]> {
    const { status, body } = await h.call("GET", `/epcis/events?perPage=500${query}`);
    expect(status, JSON.stringify(body)).to.equal(200);
    return body.epcisBody.queryResults.resultsBody.eventList;
  }
  const ids = (events: any[]) => events.map((e) => e.eventID as string);
  const rowCount = () => (h.db.prepare(`SELECT count(*) AS n FROM epcis_subscriptions`).get() as { n: number }).n;

  before(async function () {
    h = await startHarness({ loops: true });
    // Ticks every 50 ms rather than every second: the back-off is the real one.
    await h.gateway.epcisWebhooks!.stop();
    h.gateway.epcisWebhooks!.start(50);
    producer = await h.org("田阳芒果专业合作社", "producer");
    carrier = await h.org("顺丰冷运", "carrier");
    other = await h.org("百色另一合作社", "producer");
    await ship(await harvest());
    await h.settle();
  });

  after(async function () {
    for (const r of receivers) await r.stop();
    await h?.stop();
  });

  describe("managing subscriptions", function () {
    it("refuses every call without an organisation's API key, as a SecurityException problem", async function () {
      const id = "00000000-0000-4000-8000-000000000000";
      for (const [method, url] of [["POST", PATH], ["GET", PATH], ["GET", `${PATH}/${id}`], ["DELETE", `${PATH}/${id}`]]) {
        for (const token of [undefined, "plk_not-a-key"]) {
          const { status, body, headers } = await h.call(method, url, { token, body: method === "POST" ? { dest: "https://x.example/h", signatureToken: TOKEN, stream: true } : undefined });
          expect(status, `${method} ${url}`).to.equal(401);
          expect(headers.get("content-type")).to.match(/^application\/problem\+json/);
          expect(body.type).to.equal("epcisException:SecurityException");
        }
      }
      expect(rowCount()).to.equal(0);
    });

    it("creates (201, Location), lists and reads the organisation's own, never answers the token back, and deletes (204)", async function () {
      const created = await subscribe(producer, { dest: "https://partner.example/epcis/callback?tenant=7", signatureToken: TOKEN, stream: true }, "?EQ_bizStep=shipping");
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const id = created.body.subscriptionID;
      expect(id).to.match(/^[0-9a-f-]{36}$/);
      expect(created.headers.get("location")).to.equal(`${PATH}/${id}`);
      expect(created.headers.get("gs1-epcis-version")).to.equal("2.0.0");
      expect(created.body).to.deep.include({
        queryName: "SimpleEventQuery",
        dest: "https://partner.example/epcis/callback?tenant=7",
        stream: true,
        reportIfEmpty: false,
        query: { EQ_bizStep: "shipping" },
        delivery: { failures: 0 },
      });
      expect(Date.parse(created.body.createdAt)).to.be.closeTo(Date.now(), 60_000);

      const list = await h.call("GET", PATH, { token: producer.apiKey });
      expect(list.status).to.equal(200);
      expect(list.body.map((s: any) => s.subscriptionID)).to.deep.equal([id]);
      const one = await h.call("GET", created.headers.get("location")!, { token: producer.apiKey });
      expect(one.status).to.equal(200);
      expect(one.body).to.deep.equal(list.body[0]);
      for (const answer of [created, list, one]) {
        expect(JSON.stringify(answer.body)).not.to.include(TOKEN);
        expect(JSON.stringify(answer.body)).not.to.include("signatureToken");
      }
      // Not even the database holds it in the clear.
      expect(JSON.stringify(h.db.prepare(`SELECT * FROM epcis_subscriptions`).all())).not.to.include(TOKEN);

      // Another organisation neither sees it nor deletes it.
      expect((await h.call("GET", PATH, { token: other.apiKey })).body).to.deep.equal([]);
      for (const method of ["GET", "DELETE"]) {
        const { status, body } = await h.call(method, `${PATH}/${id}`, { token: other.apiKey });
        expect(status, method).to.equal(404);
        expect(body.type).to.equal("epcisException:NoSuchResourceException");
      }

      await unsubscribe(producer, id);
      expect((await h.call("GET", `${PATH}/${id}`, { token: producer.apiKey })).status).to.equal(404);
      expect((await h.call("DELETE", `${PATH}/${id}`, { token: producer.apiKey })).status).to.equal(404);
      expect(rowCount()).to.equal(0);
    });

    it("refuses a bad dest, token, stream, time or query parameter with a problem naming it, and stores nothing", async function () {
      const good = { dest: "https://partner.example/callback", signatureToken: TOKEN, stream: true };
      const cases: Array<[Record<string, unknown>, string, string, string?]> = [
        [{ ...good, dest: "http://partner.example/callback" }, "dest", "ValidationException"],
        [{ ...good, dest: "http://10.0.0.7/callback" }, "dest", "ValidationException"],
        [{ ...good, dest: "ftp://127.0.0.1/callback" }, "dest", "ValidationException"],
        [{ ...good, dest: "partner.example/callback" }, "dest", "ValidationException"],
        [{ ...good, dest: `https://partner.example/${"a".repeat(2000)}` }, "dest", "ValidationException"],
        [{ ...good, dest: "https://user:secret@partner.example/callback" }, "dest", "ValidationException"],
        [{ ...good, dest: 42 }, "dest", "ValidationException"],
        [{ stream: true, dest: good.dest }, "signatureToken", "ValidationException"],
        [{ ...good, signatureToken: "short" }, "signatureToken", "ValidationException"],
        [{ dest: good.dest, signatureToken: TOKEN }, "stream", "ValidationException"],
        [{ ...good, stream: false }, "stream", "ValidationException"],
        [{ ...good, schedule: { hour: "1", minute: "5" } }, "schedule", "ValidationException"],
        [{ ...good, reportIfEmpty: true }, "reportIfEmpty", "ValidationException"],
        [{ ...good, initialRecordTime: "yesterday" }, "initialRecordTime", "ValidationException"],
        [{ ...good, secret: "x" }, "secret", "ValidationException"],
        [good, "EQ_bizstep", "QueryParameterException", "?EQ_bizstep=shipping"],
        [good, "GE_recordTime", "QueryParameterException", "?GE_recordTime=2026-13-45"],
        [good, "perPage", "QueryParameterException", "?perPage=10"],
        [{ ...good, query: { eventType: ["ObjectEvent", "NoSuchEvent"] } }, "eventType", "QueryParameterException"],
        [{ ...good, query: { EQ_bizStep: ["shipping"] } }, "EQ_bizStep", "QueryParameterException", "?EQ_bizStep=receiving"],
      ];
      for (const [body, field, exception, query] of cases) {
        const { status, body: problem, headers } = await subscribe(producer, body, query);
        const label = `${JSON.stringify(body).slice(0, 120)} ${query ?? ""}`;
        expect(status, label).to.equal(400);
        expect(headers.get("content-type"), label).to.match(/^application\/problem\+json/);
        expect(problem, label).to.include({ type: `epcisException:${exception}`, status: 400, instance: field });
      }
      expect(rowCount()).to.equal(0);
    });

    it("holds at most ten subscriptions per organisation", async function () {
      const made: string[] = [];
      for (let i = 0; i < 10; i++) made.push(await subscribed(producer, { dest: `https://partner.example/callback/${i}` }));
      const refused = await subscribe(producer, { dest: "https://partner.example/callback/10", signatureToken: TOKEN, stream: true });
      expect(refused.status).to.equal(409);
      expect(refused.body.type).to.equal("epcisException:ValidationException");
      // Another organisation's count is its own.
      const others = await subscribed(other, { dest: "https://other.example/callback" });
      for (const id of made) await unsubscribe(producer, id);
      await unsubscribe(other, others);
      expect(rowCount()).to.equal(0);
    });
  });

  describe("deliveries", function () {
    it("delivers every event recorded after the subscription, signed over the exact bytes, and none from before", async function () {
      const before = ids(await served());
      expect(before).to.have.length.greaterThan(0);
      const r = await receiver();
      const id = await subscribed(producer, { dest: r.url });
      const batch = await harvest();
      await ship(batch);
      await harvest();
      await h.settle();
      const expected = ids(await served()).filter((e) => !before.includes(e));
      expect(expected).to.have.length(3);
      await until("every new event", () => (r.acknowledgedEvents().length >= 3 ? true : undefined));
      await sleep(200); // and nothing more comes
      expect(ids(r.acknowledgedEvents())).to.deep.equal(expected);
      for (const delivery of r.deliveries) {
        expect(signatureHolds(delivery, TOKEN)).to.equal(true);
        expect(signatureHolds(delivery, `${TOKEN}x`)).to.equal(false);
        expect(delivery.headers["content-type"]).to.equal("application/json");
        expect(delivery.headers["gs1-epcis-version"]).to.equal("2.0.0");
        expectValidEpcis(delivery.document);
        expect(delivery.document.type).to.equal("EPCISQueryDocument");
        expect(delivery.document.epcisBody.queryResults).to.include({ queryName: "SimpleEventQuery", subscriptionID: id });
      }
      const view = (await h.call("GET", `${PATH}/${id}`, { token: producer.apiKey })).body;
      expect(view.delivery).to.deep.equal({ failures: 0 });
      expect(Date.parse(view.lastNotifiedAt)).to.be.closeTo(Date.now(), 10_000);
      await unsubscribe(producer, id);
    });

    it("retries a receiver answering 500 with doubling waits, then delivers every event in seq order, none skipped", async function () {
      const failing = 3;
      const r = await receiver((index) => (index < failing ? 500 : 200));
      // From a time before the ledger began: every event recorded so far, then the new ones.
      const id = await subscribed(producer, { dest: r.url, initialRecordTime: "2020-01-01T00:00:00+08:00" });
      const failingView = await until("the first failure", async () => {
        const body = (await h.call("GET", `${PATH}/${id}`, { token: producer.apiKey })).body;
        return body.delivery.failures > 0 ? body : undefined;
      });
      expect(failingView.delivery.lastError).to.equal("the receiver answered HTTP 500");
      expect(Date.parse(failingView.delivery.nextAttemptAt)).to.be.greaterThan(Date.now() - 2_000);
      // Events recorded while the receiver fails are in the stream too.
      await ship(await harvest());
      await h.settle();
      const expected = ids(await served());
      await until("every event", () => (r.acknowledgedEvents().length >= expected.length ? true : undefined), 30_000);
      await sleep(200);
      expect(ids(r.acknowledgedEvents())).to.deep.equal(expected);
      // Each try after a failure waited 1 s, 2 s, 4 s (up to a quarter more, and a tick).
      const gaps = r.deliveries.slice(1, failing + 1).map((d, i) => d.at - r.deliveries[i].at);
      gaps.forEach((gap, i) => {
        const wait = 1000 * 2 ** i;
        expect(gap, `wait ${i + 1}`).to.be.within(wait - 50, wait * 1.25 + 400);
      });
      // A failed try sent the same first events the acknowledged one did: nothing moved past them.
      expect(r.deliveries[0].document.epcisBody.queryResults.resultsBody.eventList[0].eventID).to.equal(expected[0]);
      const view = (await h.call("GET", `${PATH}/${id}`, { token: producer.apiKey })).body;
      expect(view.delivery.failures).to.equal(0);
      expect(view.initialRecordTime).to.equal("2019-12-31T16:00:00.000Z");
      await unsubscribe(producer, id);
    });

    it("delivers only the events its filter matches (EQ_bizStep=shipping, in the query string or the body)", async function () {
      const inUrl = await receiver();
      const inBody = await receiver();
      const since = { initialRecordTime: "2020-01-01T00:00:00Z" };
      const a = await subscribed(producer, { dest: inUrl.url, ...since }, "?EQ_bizStep=shipping");
      const b = await subscribed(producer, { dest: inBody.url, ...since, query: { EQ_bizStep: ["shipping"] } });
      await ship(await harvest());
      await harvest();
      await h.settle();
      const shipping = ids(await served("&EQ_bizStep=shipping"));
      expect(shipping.length).to.be.at.least(3);
      expect(shipping.length).to.be.lessThan((await served()).length);
      for (const r of [inUrl, inBody]) {
        await until("the shipments", () => (r.acknowledgedEvents().length >= shipping.length ? true : undefined));
        await sleep(200);
        expect(ids(r.acknowledgedEvents())).to.deep.equal(shipping);
        expect(r.acknowledgedEvents().every((e) => e.bizStep === "shipping")).to.equal(true);
      }
      await unsubscribe(producer, a);
      await unsubscribe(producer, b);
    });

    it("counts a refused connection as a failure, with its reason, and keeps the cursor", async function () {
      const port = await freePort(); // nothing listens there
      const id = await subscribed(producer, { dest: `http://127.0.0.1:${port}/callback`, initialRecordTime: "2020-01-01T00:00:00Z" });
      const view = await until("a failure", async () => {
        const body = (await h.call("GET", `${PATH}/${id}`, { token: producer.apiKey })).body;
        return body.delivery.failures > 0 ? body : undefined;
      });
      expect(view.delivery.lastError).to.match(/ECONNREFUSED/);
      expect(view).not.to.have.property("lastNotifiedAt");
      expect((h.db.prepare(`SELECT delivered_seq AS seq FROM epcis_subscriptions WHERE id = ?`).get(id) as { seq: number }).seq).to.equal(0);
      await unsubscribe(producer, id);
    });

    it("counts a receiver that does not answer in time as a failure; a stop abandons a delivery without counting it", async function () {
      // The gateway's own worker steps aside for ones with short waits, on the same database.
      await h.gateway.epcisWebhooks!.stop();
      const chain = (await h.call("GET", "/api/v1/chain")).body;
      const store = new EpcisEventStore(h.db);
      const rows = new EpcisSubscriptionRepository(h.db);
      const log: string[] = [];
      const worker = (waits: { timeoutMs: number; stopGraceMs: number }) =>
        createEpcisWebhooks({
          subscriptions: rows,
          store,
          projector: new EpcisProjector(store, { publicBaseUrl: h.base, chainId: chain.chainId, contract: chain.contract }),
          seal: new TokenSeal(HARNESS_MASTER_SECRET),
          log: (message) => log.push(message),
          ...waits,
        });
      const impatient = worker({ timeoutMs: 300, stopGraceMs: 5_000 });
      const patient = worker({ timeoutMs: 10_000, stopGraceMs: 300 });
      try {
        const r = await receiver(() => "hold");
        const id = await subscribed(producer, { dest: r.url, initialRecordTime: "2020-01-01T00:00:00Z" });
        impatient.start(50);
        await until("a timeout", () => rows.byId(id)!.failures > 0 || undefined);
        await impatient.stop();
        expect(rows.byId(id)!.lastError).to.equal("no answer: ETIMEDOUT: no answer within 0.3 s");
        expect(log.join("\n")).to.include(`subscription ${id} (${new URL(r.url).origin})`).and.not.to.include("/epcis-callback");

        // Due again at once, and held: the stop waits 300 ms for it, then abandons it uncounted.
        h.db.prepare(`UPDATE epcis_subscriptions SET next_attempt_at = 0 WHERE id = ?`).run(id);
        const tries = r.deliveries.length;
        patient.start(50);
        await until("the next try", () => (r.deliveries.length > tries ? true : undefined));
        const stopping = Date.now();
        await patient.stop();
        expect(Date.now() - stopping).to.be.within(250, 2_000);
        expect(rows.byId(id)).to.deep.include({ failures: 1, deliveredSeq: 0 });
        await unsubscribe(producer, id);
      } finally {
        await impatient.stop();
        await patient.stop();
        h.gateway.epcisWebhooks!.start(50);
      }
    });
  });
});
