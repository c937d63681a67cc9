import { expect } from "chai";
import { getBytes, keccak256, toUtf8Bytes, verifyMessage, Wallet } from "ethers";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";
import { ConsoleClient, errorBeside } from "../helpers/console-client";
import * as payload from "../../scripts/lib/payloads";
import { canonicalize } from "../../server/domain/canonical-json";
import { chinaDateOf } from "../../server/domain/china-dates";
import { digitalLinkUri } from "../../server/domain/digital-link";
import { batchIdFor } from "../../server/domain/gs1";
import { monthsBefore, PROMISE, recoverPromiser } from "../../server/domain/promise-certificate";

type Org = { id: string; address: string; apiKey: string };

const PROCESSING_AT = "2026-06-03T12:00:00+08:00";

describe("承诺达标合格证 (promise certificates) through the gateway", function () {
  let h: Harness;
  let producer: Org, otherProducer: Org, processor: Org, carrier: Org, retailer: Org, selfSigning: Org;

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    otherProducer = await h.org("乐业猕猴桃专业合作社", "producer");
    processor = await h.org("百色分拣包装厂", "processor");
    carrier = await h.org("顺丰冷运", "carrier");
    retailer = await h.org("福田区消费扶贫专柜", "retailer");
    selfSigning = await h.org("自签合作社", "producer", Wallet.createRandom().address);
  });

  after(async function () {
    await h?.stop();
  });

  const count = () => (h.db.prepare(`SELECT count(*) AS n FROM promise_certificates`).get() as { n: number }).n;
  const issue = (org: Org, batchId: string, body: unknown = {}) =>
    h.call("POST", `/api/v1/batches/${batchId}/promise-certificates`, { token: org.apiKey, body });
  const list = (org: Org, side: string, query = "") => h.call("GET", `/api/v1/promise-certificates?side=${side}${query}`, { token: org.apiKey });

  async function harvest(org: Org, lot: string, overrides: Record<string, unknown> = {}): Promise<string> {
    const { status, body } = await h.call("POST", "/api/v1/batches", { token: org.apiKey, body: payload.harvest(lot, overrides) });
    expect(status, JSON.stringify(body)).to.equal(202);
    return body.batchId;
  }

  async function write(org: Org, batchId: string, body: unknown): Promise<{ eventId: string; events: { eventId: string; batchId: string }[] }> {
    const { status, body: answer } = await h.call("POST", `/api/v1/batches/${batchId}/events`, { token: org.apiKey, body });
    expect(status, JSON.stringify(answer)).to.equal(202);
    return answer;
  }

  /** The producer ships the batch straight to the processor, which receives it; answers the receipt's event id. */
  async function toProcessor(batchId: string): Promise<string> {
    await write(producer, batchId, payload.shipment(processor.id));
    return (await write(processor, batchId, { ...payload.receipt, location: "百色分拣中心" })).eventId;
  }

  describe("contact details and bad input", function () {
    let batchId: string;

    before(async function () {
      batchId = await harvest(producer, "HGZ-BAD");
    });

    it("refuses a certificate while the organisation has no contact phone, naming contact.phone, and keeps nothing", async function () {
      const before = count();
      const { status, body } = await issue(producer, batchId);
      expect(status).to.equal(400);
      expect(body.error.fields.map((f: { field: string }) => f.field)).to.deep.equal(["contact.phone"]);
      expect(count()).to.equal(before);
    });

    it("refuses bad contact details naming the field and changes nothing; takes good ones from the organisation or the admin", async function () {
      for (const [body, field] of [
        [{ phone: "call me" }, "phone"],
        [{ phone: "0776-3212345", address: "" }, "address"],
        [{ phone: "0776-3212345", fax: "1" }, "fax"],
        [{}, "phone"],
      ] as const) {
        const { status, body: answer } = await h.call("POST", "/api/v1/org/contact", { token: producer.apiKey, body });
        expect(status, JSON.stringify(body)).to.equal(400);
        expect(answer.error.fields.map((f: { field: string }) => f.field)).to.include(field);
      }
      const stored = () => (h.db.prepare(`SELECT contact FROM orgs WHERE id = ?`).get(producer.id) as { contact: string | null }).contact;
      expect(stored()).to.equal(null);
      // The organisation's own key sets its own; the admin sets anyone's; an organisation's key is not the admin's.
      expect((await h.call("POST", "/api/v1/org/contact", { token: producer.apiKey, body: { phone: "0776-3212345", address: "广西百色市田阳区那坡镇" } })).status).to.equal(200);
      expect(JSON.parse(stored()!)).to.deep.equal({ phone: "0776-3212345", address: "广西百色市田阳区那坡镇" });
      expect((await h.call("POST", `/api/v1/orgs/${processor.id}/contact`, { token: processor.apiKey, body: { phone: "0776-5550000" } })).status).to.equal(401);
      const admin = await h.call("POST", `/api/v1/orgs/${processor.id}/contact`, { token: TEST_ADMIN_TOKEN, body: { phone: "0776-5550000", address: "百色市右江区工业园" } });
      expect(admin.status, JSON.stringify(admin.body)).to.equal(200);
      const unknown = await h.call("POST", `/api/v1/orgs/00000000-0000-4000-8000-000000000000/contact`, { token: TEST_ADMIN_TOKEN, body: { phone: "0776-5550000" } });
      expect(unknown.status).to.equal(404);
      await h.call("POST", "/api/v1/org/contact", { token: otherProducer.apiKey, body: { phone: "0776-7000000" } });
    });

    it("refuses bad issue requests naming the field (400/409) and keeps nothing", async function () {
      const before = count();
      const cases: Array<[unknown, number, string]> = [
        [{ marks: ["tested-by-moonlight"] }, 400, "marks[0]"],
        [{ marks: ["self-tested", "self-tested"] }, 400, "marks"],
        [{ quantity: { amount: -1, unit: "kg" } }, 400, "quantity.amount"],
        [{ quantity: { amount: 5, unit: "piece" } }, 400, "quantity.unit"],
        [{ quantity: { amount: 5000, unit: "kg" } }, 409, "quantity.amount"],
        [{ contact: { phone: "none" } }, 400, "contact.phone"],
        [{ colour: "red" }, 400, "colour"],
      ];
      for (const [body, status, field] of cases) {
        const answer = await issue(producer, batchId, body);
        expect(answer.status, JSON.stringify(body)).to.equal(status);
        expect(answer.body.error.fields.map((f: { field: string }) => f.field), JSON.stringify(body)).to.include(field);
      }
      const notJson = await h.call("POST", `/api/v1/batches/${batchId}/promise-certificates`, { token: producer.apiKey, raw: "[]" });
      expect(notJson.status).to.equal(400);
      expect(count()).to.equal(before);
    });
  });

  describe("issuing", function () {
    let batchId: string;
    let first: any;

    before(async function () {
      batchId = await harvest(producer, "HGZ-001");
      const { status, body } = await issue(producer, batchId, { marks: ["self-tested"] });
      expect(status, JSON.stringify(body)).to.equal(201);
      first = body;
    });

    it("fills the certificate in from the ledger: product, what the holder holds, origin, the Digital Link, the promising party, the promise", function () {
      const c = first.content;
      expect(c).to.deep.include({ type: "promise-certificate", title: "承诺达标合格证", v: 1, issuedOn: chinaDateOf(Date.now()) });
      expect(c.batch).to.deep.equal({ id: batchId, gtin: payload.MANGO_GTIN, lot: "HGZ-001" });
      expect(c.product).to.deep.equal({ name: "田阳香芒" });
      expect(c.quantity).to.deep.equal({ amount: 1200, unit: "kg" });
      expect(c.origins).to.deep.equal([
        { lot: "HGZ-001", countyCode: "451003", county: "百色市田阳区", province: "广西壮族自治区", village: "那坡镇", base: "田阳芒果供深基地" },
      ]);
      expect(c.digitalLink).to.equal(digitalLinkUri(h.base, payload.MANGO_GTIN, "HGZ-001"));
      expect(c.promiser).to.deep.equal({
        orgId: producer.id,
        name: "田阳芒果专业合作社",
        role: "producer",
        phone: "0776-3212345",
        address: "广西百色市田阳区那坡镇",
        account: producer.address,
      });
      expect(c.promise).to.deep.equal({ statement: PROMISE.statement, items: [...PROMISE.items] });
      expect(c.marks).to.deep.equal(["self-tested"]);
      expect(c.certificateNo).to.match(new RegExp(`^${c.issuedOn.replaceAll("-", "")}-\\d{5}$`));
      expect(first.certificateNo).to.equal(c.certificateNo);
      expect(first.automatic).to.equal(false);
      expect(first.links.html).to.equal(`${h.base}/promise-certificates/${first.id}`);
    });

    it("is the keccak256 of its canonical content, signed by the issuer's key (EIP-191): anyone can check who promised what", async function () {
      expect(canonicalize(first.content)).to.equal(first.canonical);
      expect(keccak256(toUtf8Bytes(first.canonical))).to.equal(first.id);
      expect(first.signer).to.equal(producer.address);
      expect(verifyMessage(getBytes(first.id), first.signature)).to.equal(producer.address);
      expect(recoverPromiser(first.id, first.signature)).to.equal(producer.address);
      // Served publicly by its id, the same bytes.
      const served = await h.call("GET", `/api/v1/promise-certificates/${first.id}`);
      expect(served.status).to.equal(200);
      expect(served.body.canonical).to.equal(first.canonical);
      expect(served.body.signature).to.equal(first.signature);
      expect((await h.call("GET", `/api/v1/promise-certificates/0x${"0".repeat(64)}`)).status).to.equal(404);
      expect((await h.call("GET", `/api/v1/promise-certificates/nope`)).status).to.equal(400);
    });

    it("answers the same certificate (200) for the same content; other content is a new one with the next number", async function () {
      const again = await issue(producer, batchId, { marks: ["self-tested"] });
      expect(again.status).to.equal(200);
      expect(again.body.id).to.equal(first.id);
      expect(again.body.certificateNo).to.equal(first.certificateNo);
      const before = count();
      const other = await issue(producer, batchId, { marks: ["internal-control", "self-tested"], quantity: { amount: 100, unit: "box" } });
      expect(other.status, JSON.stringify(other.body)).to.equal(201);
      expect(other.body.id).not.to.equal(first.id);
      expect(other.body.content.marks).to.deep.equal(["self-tested", "internal-control"]);
      expect(other.body.content.quantity).to.deep.equal({ amount: 100, unit: "box" });
      expect(Number(other.body.certificateNo.slice(-5))).to.be.greaterThan(Number(first.certificateNo.slice(-5)));
      expect(count()).to.equal(before + 1);
      // The contact override is printed instead of the organisation's own.
      const override = await issue(producer, batchId, { contact: { phone: "13800000000" } });
      expect(override.status).to.equal(201);
      expect(override.body.content.promiser).to.deep.include({ phone: "13800000000", address: "广西百色市田阳区那坡镇" });
      expect(gatewayCurrent(batchId)).to.equal(override.body.id);
    });

    it("is issued only by a holder of the batch that is a producer or processor with a key kept here", async function () {
      const before = count();
      const notHolder = await issue(otherProducer, batchId);
      expect(notHolder.status).to.equal(409);
      expect(notHolder.body.error.fields[0].field).to.equal("batchId");
      expect((await issue(processor, batchId)).status).to.equal(409); // a processor, but it never received the batch
      expect((await issue(carrier, batchId)).status).to.equal(403);
      expect((await issue(retailer, batchId)).status).to.equal(403);
      expect((await issue(selfSigning, batchId)).status).to.equal(403);
      const unknown = await issue(producer, batchIdFor(payload.MANGO_GTIN, "NO-SUCH-LOT"));
      expect(unknown.status).to.equal(404);
      expect(unknown.body.error.fields[0].field).to.equal("batchId");
      expect((await h.call("POST", `/api/v1/batches/${batchId}/promise-certificates`, { body: {} })).status).to.equal(401);
      expect(count()).to.equal(before);
    });

    it("prints: the page in each size, TSPL and ZPL; refuses an unknown size or format", async function () {
      const page = await fetch(`${h.base}/promise-certificates/${first.id}?size=60x40`);
      expect(page.status).to.equal(200);
      const text = await page.text();
      expect(text).to.contain("承诺达标合格证").and.to.contain("田阳香芒");
      const sheet = /href="(\/assets\/promise-certificate-60x40\.[0-9a-f]{12}\.css)"/.exec(text)![1];
      const css = await (await fetch(`${h.base}${sheet}`)).text();
      expect(css).to.contain("@page { size: 60mm 40mm; margin: 0; }");
      const tspl = await fetch(`${h.base}/promise-certificates/${first.id}?format=tspl&size=60x40&copies=3`);
      expect(tspl.headers.get("content-type")).to.match(/gb18030/i);
      const decoded = new TextDecoder("gb18030").decode(await tspl.arrayBuffer());
      expect(decoded).to.contain("SIZE 60 mm,40 mm").and.to.contain("品名：田阳香芒").and.to.contain("PRINT 1,3");
      const zpl = await (await fetch(`${h.base}/promise-certificates/${first.id}?format=zpl`)).text();
      expect(zpl).to.match(/^\^XA/).and.to.contain(`^FDMA,${first.content.digitalLink}^FS`);
      for (const query of ["size=90x90", "format=pdf", "format=tspl&size=a4", "copies=0", "copies=9999"]) {
        expect((await fetch(`${h.base}/promise-certificates/${first.id}?${query}`)).status, query).to.equal(400);
      }
      expect((await fetch(`${h.base}/promise-certificates/0x${"1".repeat(64)}`)).status).to.equal(404);
    });

    it("shows the batch's current certificate on its provenance page, and offers it to the batch's linkset", async function () {
      await h.settle();
      const current = gatewayCurrent(batchId);
      const page = await (await fetch(`${h.base}/01/${payload.MANGO_GTIN}/10/HGZ-001`)).text();
      expect(page).to.contain(`data-promise-certificate="${current}"`);
      expect(page).to.contain(`<a href="/promise-certificates/${current}">承诺达标合格证 已开具</a>`);
      expect(page).to.contain("田阳芒果专业合作社");
      const links = h.gateway.promiseCertificates.promiseCertificateLinks(batchId);
      expect(links.map((l) => l.href)).to.deep.equal([`${h.base}/promise-certificates/${current}`, `${h.base}/api/v1/promise-certificates/${current}`]);
      expect(links.every((l) => l.lang === "zh" && l.title.includes("承诺达标合格证"))).to.equal(true);
      expect(links.map((l) => l.type)).to.deep.equal(["text/html", "application/json"]);
      expect(h.gateway.promiseCertificates.promiseCertificateLinks(batchIdFor(payload.MANGO_GTIN, "NO-SUCH-LOT"))).to.deep.equal([]);
      // The resolver's linkset names it among the batch's certificates (gs1:certificationInfo).
      const linkset = await fetch(`${h.base}/01/${payload.MANGO_GTIN}/10/HGZ-001`, { headers: { Accept: "application/linkset+json" } });
      const text = JSON.stringify(await linkset.json());
      expect(text).to.contain("https://ref.gs1.org/voc/certificationInfo");
      expect(text).to.contain(`${h.base}/promise-certificates/${current}`);
    });
  });

  describe("processing, receipts and the lists of both sides", function () {
    let harvested: string, second: string, producerCertificate: any, receiptId: string, boxes: string;

    before(async function () {
      harvested = await harvest(producer, "HGZ-P1");
      second = await harvest(producer, "HGZ-P2", { origin: { countyCode: "451028", village: "同乐乡", base: "乐业猕猴桃基地" } });
      producerCertificate = (await issue(producer, harvested)).body;
      await issue(producer, second);
      receiptId = await toProcessor(harvested);
      await toProcessor(second);
    });

    it("collects the batch's current certificate for the receiver, in the receipt's own transaction", function () {
      const row = h.db.prepare(`SELECT * FROM promise_certificate_collections WHERE org_id = ? AND batch_id = ?`).get(processor.id, harvested) as Record<string, string>;
      expect(row).to.deep.include({ certificate_id: producerCertificate.id, event_id: receiptId });
    });

    it("issues the outputs' certificates for the processor when it splits a batch, in the write's own transaction", async function () {
      const before = count();
      const split = await write(processor, harvested, {
        ...payload.packing,
        occurredAt: PROCESSING_AT,
        outputs: [
          { gtin: payload.MANGO_GTIN, lot: "HGZ-BOX5", quantity: { amount: 100, unit: "box" }, conversion: { unit: "box", kg: 5 }, product: { name: "田阳香芒礼盒" } },
          { gtin: payload.MANGO_GTIN, lot: "HGZ-BAG", quantity: { amount: 200, unit: "kg" } },
        ],
      });
      // Accepted means committed: the certificates are there with the events, before any block.
      expect(count()).to.equal(before + 2);
      boxes = split.events[0].batchId;
      const certificate = (await h.call("GET", `/api/v1/promise-certificates/${gatewayCurrent(boxes)}`)).body;
      expect(certificate.automatic).to.equal(true);
      expect(certificate.content.product).to.deep.equal({ name: "田阳香芒礼盒" });
      expect(certificate.content.quantity).to.deep.equal({ amount: 100, unit: "box" });
      expect(certificate.content.promiser).to.deep.include({ orgId: processor.id, name: "百色分拣包装厂", phone: "0776-5550000", address: "百色市右江区工业园" });
      expect(certificate.content.origins.map((o: { lot: string; countyCode: string }) => [o.lot, o.countyCode])).to.deep.equal([["HGZ-P1", "451003"]]);
      expect(verifyMessage(getBytes(certificate.id), certificate.signature)).to.equal(processor.address);
      // An output named without a product keeps its input's name.
      const bag = (await h.call("GET", `/api/v1/promise-certificates/${gatewayCurrent(split.events[1].batchId)}`)).body;
      expect(bag.content.product).to.deep.equal({ name: "田阳香芒" });
      // Issuing it again by hand is the same certificate.
      const again = await issue(processor, boxes);
      expect(again.status).to.equal(200);
      expect(again.body.id).to.equal(certificate.id);
    });

    it("issues the merged batch's certificate, naming every origin, when the processor merges batches", async function () {
      await write(processor, harvested, { ...payload.packing, step: "sorting", occurredAt: "2026-06-03T13:00:00+08:00", inputs: [second] });
      const merged = (await h.call("GET", `/api/v1/promise-certificates/${gatewayCurrent(harvested)}`)).body;
      expect(merged.automatic).to.equal(true);
      expect(merged.content.promiser.orgId).to.equal(processor.id);
      expect(merged.content.origins.map((o: { lot: string; countyCode: string; county: string }) => [o.lot, o.countyCode, o.county])).to.deep.equal([
        ["HGZ-P1", "451003", "百色市田阳区"],
        ["HGZ-P2", "451028", "百色市乐业县"],
      ]);
      // What the processor held of both (1200 kg less the 700 kg split off, and 1200 kg).
      expect(merged.content.quantity).to.deep.equal({ amount: 1700, unit: "kg" });
    });

    it("lets the counter collect the processor's certificate of the boxes it receives", async function () {
      await write(processor, boxes, payload.shipment(retailer.id, { shippedAt: "2026-06-04T06:00:00+08:00" }));
      const receipt = await write(retailer, boxes, { ...payload.receipt, receivedAt: "2026-06-05T09:00:00+08:00" });
      const collected = await list(retailer, "collected");
      expect(collected.status).to.equal(200);
      expect(collected.body.certificates).to.have.length(1);
      expect(collected.body.certificates[0]).to.deep.include({ id: gatewayCurrent(boxes), batchId: boxes, receiptEventId: receipt.eventId });
      expect(collected.body.certificates[0].issuer).to.deep.equal({ orgId: processor.id, name: "百色分拣包装厂" });
    });

    it("lists what each side issued or collected in the last six months, newest first, paged", async function () {
      const issued = await list(processor, "issued");
      expect(issued.status).to.equal(200);
      expect(issued.body.since).to.equal(monthsBefore(chinaDateOf(Date.now()), 6));
      expect(issued.body.total).to.equal(3);
      expect(issued.body.certificates[0].id).to.equal(gatewayCurrent(harvested)); // the merge, last
      const times = issued.body.certificates.map((c: { issuedAt: string }) => c.issuedAt);
      expect([...times].sort().reverse()).to.deep.equal(times);
      const page = await list(processor, "issued", "&limit=1&offset=1");
      expect(page.body).to.deep.include({ total: 3, limit: 1, offset: 1 });
      expect(page.body.certificates.map((c: { id: string }) => c.id)).to.deep.equal([issued.body.certificates[1].id]);
      const collected = await list(processor, "collected");
      expect(collected.body.certificates.map((c: { batchId: string }) => c.batchId)).to.have.members([harvested, second]);
      expect((await list(producer, "issued")).body.total).to.be.at.least(5);

      // Seven months on, a certificate has left both lists; five months on, it is still there.
      const old = new Date(Date.now() - 7 * 31 * 86_400_000).toISOString();
      const recent = new Date(Date.now() - 5 * 30 * 86_400_000).toISOString();
      h.db.prepare(`UPDATE promise_certificates SET issued_at = ? WHERE id = ?`).run(old, producerCertificate.id);
      h.db.prepare(`UPDATE promise_certificate_collections SET collected_at = ? WHERE certificate_id = ? AND org_id = ?`).run(old, producerCertificate.id, processor.id);
      const second5 = (h.db.prepare(`SELECT certificate_id FROM promise_certificate_collections WHERE org_id = ? AND batch_id = ?`).get(processor.id, second) as { certificate_id: string }).certificate_id;
      h.db.prepare(`UPDATE promise_certificate_collections SET collected_at = ? WHERE certificate_id = ? AND org_id = ?`).run(recent, second5, processor.id);
      const producerIds = (await list(producer, "issued", "&limit=100")).body.certificates.map((c: { id: string }) => c.id);
      expect(producerIds).not.to.include(producerCertificate.id);
      const afterwards = await list(processor, "collected");
      expect(afterwards.body.total).to.equal(1);
      expect(afterwards.body.certificates.map((c: { batchId: string }) => c.batchId)).to.deep.equal([second]);
    });

    it("refuses a list without a side, or with a bad page, naming the parameter", async function () {
      for (const [query, field] of [["", "side"], ["?side=both", "side"], ["?side=issued&limit=0", "limit"], ["?side=issued&offset=-1", "offset"]]) {
        const { status, body } = await h.call("GET", `/api/v1/promise-certificates${query}`, { token: processor.apiKey });
        expect(status, query).to.equal(400);
        expect(body.error.fields[0].field).to.equal(field);
      }
      expect((await h.call("GET", "/api/v1/promise-certificates?side=issued")).status).to.equal(401);
    });

    it("leaves a processor without a contact phone to issue by hand: its processing is still accepted", async function () {
      const bare = await h.org("无联系方式包装厂", "processor");
      const batchId = await harvest(otherProducer, "HGZ-N1");
      await write(otherProducer, batchId, payload.shipment(bare.id));
      await write(bare, batchId, { ...payload.receipt, location: "包装厂" });
      const before = count();
      await write(bare, batchId, { ...payload.packing, occurredAt: PROCESSING_AT, outputs: [{ gtin: payload.MANGO_GTIN, lot: "HGZ-N1-BOX", quantity: { amount: 10, unit: "kg" } }] });
      expect(count()).to.equal(before);
    });
  });

  describe("the console's batch page", function () {
    it("shows the batch's current certificate with its print links, and issues one from the form (the marks ticked, nothing else typed)", async function () {
      const batchId = await harvest(producer, "HGZ-C1");
      await h.settle();
      await h.member(producer.id, "tianyang-hgz", "correct horse battery staple");
      const coop = new ConsoleClient(h.base);
      expect((await coop.login("tianyang-hgz", "correct horse battery staple")).status).to.equal(303);
      const page = await coop.get(`/console/batches/${batchId}`);
      expect(page.status).to.equal(200);
      expect(page.text).to.contain(`action="/console/batches/${batchId}/promise-certificate"`).and.to.contain("这一批次还没有开具合格证");

      const before = count();
      const bad = await coop.post(`/console/batches/${batchId}/promise-certificate`, { marks: "self-tested", amount: "99999", unit: "kg" });
      expect(bad.status).to.equal(409);
      expect(errorBeside(bad.text, "amount")).to.be.a("string");
      expect(count()).to.equal(before);

      const issued = await coop.post(`/console/batches/${batchId}/promise-certificate`, { marks: ["self-tested", "internal-control"], amount: "", unit: "", phone: "" });
      expect(issued.status, issued.text).to.equal(303);
      const current = gatewayCurrent(batchId);
      expect(issued.location).to.equal(`/console/batches/${batchId}?certificate=${current}#promise-heading`);
      const certificate = (await h.call("GET", `/api/v1/promise-certificates/${current}`)).body;
      expect(certificate.content.marks).to.deep.equal(["self-tested", "internal-control"]);
      expect(certificate.content.quantity).to.deep.equal({ amount: 1200, unit: "kg" });
      const shown = await coop.get(`/console/batches/${batchId}`);
      expect(shown.text).to.contain(`data-current-certificate="${current}"`).and.to.contain(`href="/promise-certificates/${current}?size=60x40"`);
    });
  });

  /** The batch's current certificate's id, as the gateway keeps it. */
  function gatewayCurrent(batchId: string): string {
    return h.gateway.promiseCertificates.currentOf(batchId)!.id;
  }
});
