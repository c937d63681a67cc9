import { expect } from "chai";
import { Contract, Wallet } from "ethers";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";
import { loadLedgerArtifact } from "../../server/chain/ledger-artifact";
import { roleId } from "../../server/chain/roles";
import { hashDetail } from "../../server/domain/hashes";

type Org = { id: string; address: string; apiKey: string };

describe("gateway API (in-process Hardhat chain)", function () {
  let h: Harness;
  let producer: Org, processor: Org, certifier: Org, carrier: Org, retailer: Org;
  let ledger: Contract;

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    processor = await h.org("百色分拣包装厂", "processor");
    certifier = await h.org("深圳市标准技术研究院", "certifier");
    carrier = await h.org("顺丰冷运", "carrier");
    retailer = await h.org("福田区消费扶贫专柜", "retailer");
    const { chainId, contract } = (await h.call("GET", "/api/v1/chain")).body;
    expect(chainId).to.equal(31337);
    ledger = new Contract(contract, loadLedgerArtifact().abi, h.provider);
  });

  after(async function () {
    await h?.stop();
  });

  /** Writes an event through the API; answers its id. */
  async function accepted(org: Org, batchId: string, body: unknown): Promise<string> {
    const { status, body: answer } = await h.call("POST", `/api/v1/batches/${batchId}/events`, { token: org.apiKey, body });
    expect(status, JSON.stringify(answer)).to.equal(202);
    return answer.eventId;
  }

  /** `from`, a holder of the batch, ships it to the carrier, which receives it and ships it on to `to`, which receives it; answers the event ids. */
  async function handOver(batchId: string, from: Org, to: Org, options: Parameters<typeof payload.viaCarrier>[2] = {}): Promise<string[]> {
    const who = { holder: from, carrier, consignee: to };
    const ids: string[] = [];
    for (const [leg, body] of payload.viaCarrier(carrier.id, to.id, { at: "2026-06-01T12:00:00+08:00", ...options })) ids.push(await accepted(who[leg], batchId, body));
    return ids;
  }

  describe("POST /api/v1/orgs", function () {
    it("creates an organisation, grants its role on chain and keeps only a hash of its API key", async function () {
      expect(await ledger.hasRole(roleId("carrier"), carrier.address)).to.equal(true);
      expect(carrier.apiKey).to.match(/^plk_/);
      const stored = h.db.prepare(`SELECT key_hash FROM api_keys`).all() as { key_hash: string }[];
      expect(stored.map((row) => row.key_hash)).not.to.include(carrier.apiKey);
      const keystore = (h.db.prepare(`SELECT keystore FROM orgs WHERE id = ?`).get(carrier.id) as { keystore: string }).keystore;
      expect(JSON.parse(keystore).address.toLowerCase()).to.equal(carrier.address.slice(2).toLowerCase());
    });

    it("refuses a missing or wrong admin token with 401", async function () {
      for (const token of [undefined, "wrong-token-wrong-token-wrong", carrier.apiKey]) {
        const { status } = await h.call("POST", "/api/v1/orgs", { token, body: { name: "x", role: "producer" } });
        expect(status).to.equal(401);
      }
    });
  });

  describe("a batch's journey", function () {
    let batchId: string;
    const eventIds: string[] = [];

    before(async function () {
      const harvest = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("TY-J1") });
      expect(harvest.status).to.equal(202);
      batchId = harvest.body.batchId;
      eventIds.push(harvest.body.eventId);
      // Several writes in flight on one batch before the relayer has sent any of them: the
      // cooperative ships the harvest to the carrier, which takes it to the packing house; the
      // packing house packs it and ships it to the carrier, which takes it to the counter.
      eventIds.push(...(await handOver(batchId, producer, processor, { shipment: { to: "百色分拣中心" }, receipt: { location: "百色分拣中心" } })));
      eventIds.push(await accepted(processor, batchId, payload.packing));
      eventIds.push(...(await handOver(batchId, processor, retailer, { at: "2026-06-02T06:00:00+08:00" })));
      eventIds.push(await accepted(retailer, batchId, payload.sale));
      const cert = await h.call("POST", `/api/v1/batches/${batchId}/certifications`, {
        token: certifier.apiKey,
        body: payload.certification("ZP-2026-0001"),
      });
      expect(cert.status, JSON.stringify(cert.body)).to.equal(202);
      await h.settle();
    });

    it("answers 202 with the batch id its GTIN and lot give", function () {
      expect(batchId).to.equal(payload.harvestedBatchId("TY-J1"));
    });

    it("confirms every event with its transaction and block", async function () {
      for (const id of eventIds) {
        const { status, body } = await h.call("GET", `/api/v1/events/${id}`);
        expect(status).to.equal(200);
        expect(body.status, JSON.stringify(body)).to.equal("confirmed");
        expect(body.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
        expect(body.blockNumber).to.be.a("number");
      }
    });

    it("reads the batch back: events in order, detail, proofs, head equal to the chain's", async function () {
      const { status, body } = await h.call("GET", `/api/v1/batches/${batchId}`);
      expect(status).to.equal(200);
      expect(body.events.map((e: { type: string }) => e.type)).to.deep.equal([
        "harvest", "shipment", "receipt", "shipment", "receipt", "processing", "shipment", "receipt", "shipment", "receipt", "sale",
      ]);
      expect(body.events.map((e: { eventId: string }) => e.eventId)).to.deep.equal(eventIds);
      expect(body.product).to.deep.include({ name: "田阳香芒", gtin: payload.MANGO_GTIN });
      expect(body.origin).to.deep.include({ countyCode: "451003" });
      expect(body.proof.head).to.equal(await ledger.headOf(batchId));
      for (const event of body.events) {
        expect(event.signedWith).to.equal("custodial-key");
        expect(event.proof.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
      }
      expect(body.events[8].detail).to.deep.include({ from: "百色市田阳区", to: "深圳市福田区" });
      expect(body.events[8].detail.consignee).to.deep.include({ id: retailer.id });
      expect(body.certification).to.deep.include({ status: "valid", certificateNo: "ZP-2026-0001", scheme: "圳品" });
      expect(body.unconfirmedEvents).to.deep.equal([]);
    });

    it("leaves sale amounts out for anonymous readers and shows them to the seller", async function () {
      const anonymous = (await h.call("GET", `/api/v1/batches/${batchId}`)).body.events[10].detail;
      expect(anonymous).not.to.have.property("amountCny");
      expect(anonymous).to.deep.include({ channel: "counter" });
      const seller = (await h.call("GET", `/api/v1/batches/${batchId}`, { token: retailer.apiKey })).body.events[10].detail;
      expect(seller.amountCny).to.equal(1580.5);
    });

    it("verifies every event and the head against the chain", async function () {
      const { status, body } = await h.call("GET", `/api/v1/batches/${batchId}/verify`);
      expect(status).to.equal(200);
      expect(body.ok, JSON.stringify(body.problems)).to.equal(true);
      expect(body.events).to.have.length(11);
      expect(body.recomputedHead).to.equal(body.chainHead);
    });

    it("names the event whose stored detail no longer matches the chain", async function () {
      const row = h.db.prepare(`SELECT id, detail, data_hash FROM outbox WHERE batch_id = ? AND kind = 2 ORDER BY seq DESC`).get(batchId) as { id: string; detail: string; data_hash: string };
      const tampered = row.detail.replace("深圳市福田区", "深圳市南山区");
      // The pages and verify read the detail the gateway keeps by its hash (event_details).
      h.db.prepare(`UPDATE event_details SET detail = ? WHERE data_hash = ?`).run(tampered, row.data_hash);
      try {
        // The stored detail no longer hashes to what the chain recorded; verify names the event.
        const { body } = await h.call("GET", `/api/v1/batches/${batchId}/verify`);
        expect(body.ok).to.equal(false);
        expect(body.events[8].ok).to.equal(false);
        expect(body.problems.join(" ")).to.match(/event 8/);
      } finally {
        h.db.prepare(`UPDATE event_details SET detail = ? WHERE data_hash = ?`).run(row.detail, row.data_hash);
      }
      expect(hashDetail(JSON.parse(row.detail))).to.equal(
        (h.db.prepare(`SELECT data_hash FROM outbox WHERE id = ?`).get(row.id) as { data_hash: string }).data_hash,
      );
    });

    it("lists the batch with its product and county, and filters", async function () {
      const all = (await h.call("GET", "/api/v1/batches?limit=100")).body;
      expect(all.batches.map((b: { batchId: string }) => b.batchId)).to.include(batchId);
      const byCounty = (await h.call("GET", "/api/v1/batches?countyCode=451003")).body;
      expect(byCounty.batches.every((b: { countyCode: string }) => b.countyCode === "451003")).to.equal(true);
      expect((await h.call("GET", "/api/v1/batches?countyCode=441621")).body.total).to.equal(0);
      expect((await h.call("GET", `/api/v1/batches?producer=${producer.id}`)).body.batches[0].creator).to.equal(producer.address);
      expect((await h.call("GET", "/api/v1/batches?gtin=6901234567892")).body.total).to.be.greaterThan(0);
    });
  });

  describe("split and merge", function () {
    it("splits a batch into retail packs that name it as their input", async function () {
      const parent = (await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("TY-S1") })).body.batchId;
      await handOver(parent, producer, processor);
      const split = await h.call("POST", `/api/v1/batches/${parent}/events`, {
        token: processor.apiKey,
        body: {
          ...payload.packing,
          outputs: [
            { gtin: payload.TEA_GTIN, lot: "PK-S1-A", quantity: { amount: 100, unit: "box" }, conversion: { unit: "box", kg: 5 }, product: { name: "田阳香芒礼盒" } },
            { gtin: payload.TEA_GTIN, lot: "PK-S1-B", quantity: { amount: 100, unit: "box" }, conversion: { unit: "box", kg: 5 } },
          ],
        },
      });
      expect(split.status, JSON.stringify(split.body)).to.equal(202);
      expect(split.body.events).to.have.length(2);
      await h.settle();
      const pack = (await h.call("GET", `/api/v1/batches/${split.body.events[0].batchId}`)).body;
      expect(pack.lineage.inputs).to.deep.equal([parent]);
      expect(pack.product).to.deep.include({ name: "田阳香芒礼盒" });
      expect((await h.call("GET", `/api/v1/batches/${parent}`)).body.lineage.outputs).to.have.members(split.body.events.map((e: { batchId: string }) => e.batchId));
    });

    it("shows a recall of an input on the derived batch", async function () {
      const parent = (await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("TY-R1") })).body.batchId;
      await handOver(parent, producer, processor);
      const split = await h.call("POST", `/api/v1/batches/${parent}/events`, {
        token: processor.apiKey,
        body: { ...payload.packing, outputs: [{ gtin: payload.TEA_GTIN, lot: "PK-R1", quantity: { amount: 10, unit: "box" }, conversion: { unit: "box", kg: 5 } }] },
      });
      await h.settle();
      const recall = await h.call("POST", `/api/v1/batches/${parent}/events`, { token: producer.apiKey, body: payload.recall });
      expect(recall.status).to.equal(202);
      await h.settle();
      const pack = (await h.call("GET", `/api/v1/batches/${split.body.batchId}`)).body;
      expect(pack.recall).to.deep.equal({ recalled: true, self: false, viaInputs: [parent] });
      const refused = await h.call("POST", `/api/v1/batches/${parent}/events`, { token: processor.apiKey, body: payload.shipment(retailer.id) });
      expect(refused.status).to.equal(409);
    });
  });

  describe("Idempotency-Key", function () {
    it("answers a retry with the first answer and records the event once", async function () {
      const headers = { "Idempotency-Key": "harvest-TY-I1" };
      const first = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("TY-I1"), headers });
      const retry = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("TY-I1"), headers });
      expect(retry.status).to.equal(202);
      expect(retry.body).to.deep.equal(first.body);
      const rows = h.db.prepare(`SELECT count(*) AS n FROM outbox WHERE batch_id = ?`).get(first.body.batchId) as { n: number };
      expect(rows.n).to.equal(1);
    });

    it("makes certification writes idempotent too", async function () {
      const batchId = (await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("TY-I4") })).body.batchId;
      const headers = { "Idempotency-Key": "cert-ZP-I4" };
      const first = await h.call("POST", `/api/v1/batches/${batchId}/certifications`, { token: certifier.apiKey, body: payload.certification("ZP-I4"), headers });
      const retry = await h.call("POST", `/api/v1/batches/${batchId}/certifications`, { token: certifier.apiKey, body: payload.certification("ZP-I4"), headers });
      expect(first.status).to.equal(202);
      expect(retry.body).to.deep.equal(first.body);
      const other = await h.call("POST", `/api/v1/batches/${batchId}/certifications`, { token: certifier.apiKey, body: payload.certification("ZP-I5"), headers });
      expect(other.status).to.equal(422);
      expect(h.db.prepare(`SELECT count(*) AS n FROM certification_outbox WHERE batch_id = ?`).get(batchId)).to.deep.equal({ n: 1 });
    });

    it("answers 422 when the key comes back with another body", async function () {
      const headers = { "Idempotency-Key": "harvest-TY-I2" };
      await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("TY-I2"), headers });
      const other = await h.call("POST", "/api/v1/batches", { token: producer.apiKey, body: payload.harvest("TY-I3"), headers });
      expect(other.status).to.equal(422);
      expect(h.db.prepare(`SELECT count(*) AS n FROM outbox WHERE batch_id = ?`).get(payload.harvestedBatchId("TY-I3"))).to.deep.equal({ n: 0 });
    });
  });

  describe("organisations that sign themselves", function () {
    it("hands out the typed data, relays the organisation's own signature and says so", async function () {
      const wallet = Wallet.createRandom();
      const own = await h.org("紫金县茶叶合作社", "producer", wallet.address);
      const prepared = await h.call("POST", "/api/v1/signing-requests/batches", {
        token: own.apiKey,
        body: payload.harvest("ZJ-T1", { product: { name: "紫金绿茶", gtin: payload.TEA_GTIN } }),
      });
      expect(prepared.status, JSON.stringify(prepared.body)).to.equal(201);
      const { domain, types, events, requestId } = prepared.body;
      const signature = await wallet.signTypedData(domain, types, events[0].message);
      expect(hashDetail(JSON.parse(events[0].detail))).to.equal(events[0].message.dataHash);

      const forged = await Wallet.createRandom().signTypedData(domain, types, events[0].message);
      const refused = await h.call("POST", `/api/v1/signing-requests/${requestId}/signatures`, { token: own.apiKey, body: { signatures: [forged] } });
      expect(refused.status).to.equal(400);
      expect(refused.body.error.fields[0].field).to.equal("signatures[0]");

      const submitted = await h.call("POST", `/api/v1/signing-requests/${requestId}/signatures`, { token: own.apiKey, body: { signatures: [signature] } });
      expect(submitted.status, JSON.stringify(submitted.body)).to.equal(202);
      await h.settle();
      const batch = (await h.call("GET", `/api/v1/batches/${submitted.body.batchId}`)).body;
      expect(batch.events[0].signedWith).to.equal("own-key");
      expect(batch.events[0].signer.address).to.equal(wallet.address);
    });

    it("refuses the ordinary write routes for them: the gateway holds no key", async function () {
      const own = await h.org("自签名合作社", "producer", Wallet.createRandom().address);
      const { status } = await h.call("POST", "/api/v1/batches", { token: own.apiKey, body: payload.harvest("SELF-1") });
      expect(status).to.equal(403);
    });
  });

  describe("system routes", function () {
    it("answers /healthz, /readyz once indexed, and /api/v1/chain", async function () {
      expect((await h.call("GET", "/healthz")).status).to.equal(200);
      await h.gateway.indexer.tick();
      expect((await h.call("GET", "/readyz")).status).to.equal(200);
      const chain = (await h.call("GET", "/api/v1/chain")).body;
      expect(chain.contract).to.equal(await ledger.getAddress());
      expect(chain.deployBlock).to.be.a("number");
    });

    it("documents exactly the routes the app serves in its OpenAPI document", async function () {
      const doc = (await h.call("GET", "/api/v1/openapi.json")).body;
      const documented = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods as object).map((m) => `${m} ${p}`));
      const served = h.gateway.routes.map((r) => `${r.method} ${r.path}`);
      expect(documented.sort()).to.deep.equal(served.sort());
      // and each documented route answers something other than "no such route"
      for (const entry of documented) {
        const [method, p] = entry.split(" ");
        const url = p.replace(/\{\w+\}/g, "0x" + "0".repeat(64));
        const { status, body } = await h.call(method.toUpperCase(), url, { token: TEST_ADMIN_TOKEN });
        expect(body?.error?.message ?? "", entry).not.to.match(/^no route/);
        expect(status, entry).to.be.lessThan(500);
      }
    });
  });
});
