import { expect } from "chai";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { expectValidEpcis, L } from "../helpers/epcis";
import * as payload from "../../scripts/lib/payloads";
import { LEDGER_NAMESPACE } from "../../server/domain/epcis/vocabulary";
import { glnOfParty } from "../../server/domain/epcis/capture-mapping";

type Org = { id: string; address: string; apiKey: string };
type Event = Record<string, any>;

const CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", { ledger: LEDGER_NAMESPACE }];
const lotClass = (lot: string) => `https://id.gs1.org/01/${payload.MANGO_GTIN}/10/${lot}`;

function document(eventList: Event[]) {
  return { "@context": CONTEXT, type: "EPCISDocument", schemaVersion: "2.0", creationDate: "2026-07-01T10:00:00.000+08:00", epcisBody: { eventList } };
}

function commissioning(lot: string, overrides: Event = {}): Event {
  return {
    type: "ObjectEvent",
    eventTime: "2026-07-01T08:00:00.000+08:00",
    eventTimeZoneOffset: "+08:00",
    action: "ADD",
    bizStep: "commissioning",
    disposition: "active",
    quantityList: [{ epcClass: lotClass(lot), quantity: 800, uom: "KGM" }],
    readPoint: { id: "urn:epc:id:sgln:0614141.00777.0" },
    ilmd: { "ledger:productName": "田阳香芒", "ledger:originCountyCode": "451003", "ledger:base": "那坡镇芒果基地" },
    ...overrides,
  };
}

function shipping(lot: string, to: Org, overrides: Event = {}): Event {
  return {
    type: "ObjectEvent",
    eventTime: "2026-07-02T06:30:00.000+08:00",
    eventTimeZoneOffset: "+08:00",
    action: "OBSERVE",
    bizStep: "shipping",
    disposition: "in_transit",
    quantityList: [{ epcClass: lotClass(lot), quantity: 800, uom: "KGM" }],
    sourceList: [{ type: "possessing_party", source: "did:pkh:eip155:31337:0x0000000000000000000000000000000000000001" }],
    destinationList: [{ type: "owning_party", destination: `did:pkh:eip155:31337:${to.address}` }],
    "ledger:from": "田阳芒果基地",
    "ledger:to": "百色分拣中心",
    ...overrides,
  };
}

describe("EPCIS 2.0 capture: documents as signed ledger events, all or none", function () {
  let h: Harness;
  let producer: Org, processor: Org;

  async function capture(org: Org | undefined, body: unknown, headers: Record<string, string> = {}) {
    return h.call("POST", "/epcis/capture", { token: org?.apiKey, body, headers });
  }
  async function job(org: Org, location: string) {
    await h.settle();
    const { status, body } = await h.call("GET", location, { token: org.apiKey });
    expect(status, JSON.stringify(body)).to.equal(200);
    return body;
  }
  async function eventCount(): Promise<number> {
    const { body } = await h.call("GET", "/epcis/events?perPage=500");
    return body.epcisBody.queryResults.resultsBody.eventList.length;
  }

  before(async function () {
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    processor = await h.org("百色分拣包装厂", "processor");
  });

  after(async function () {
    await h?.stop();
  });

  it("records a document's events as the caller's ledger events and reads them back with the same business content", async function () {
    const harvest = commissioning("CAP-1", { eventID: "urn:uuid:6f1b7c2e-3d0a-4e55-9a51-0c2a1d7e9b01" });
    const ship = shipping("CAP-1", processor);
    const doc = document([harvest, ship]);
    expectValidEpcis(doc);
    const { status, body, headers } = await capture(producer, doc, { "content-type": "application/ld+json" });
    expect(status, JSON.stringify(body)).to.equal(202);
    expect(headers.get("location")).to.equal(`/epcis/capture/${body.captureID}`);
    expect(headers.get("gs1-epcis-capture-limit")).to.equal("500");
    expect(headers.get("gs1-epcis-capture-file-size-limit")).to.equal(String(1024 * 1024));

    const done = await job(producer, headers.get("location")!);
    expect(done).to.include({ running: false, success: true });
    expect(done.errors).to.deep.equal([]);
    expect(done[L("events")].map((e: Event) => e.status)).to.deep.equal(["confirmed", "confirmed"]);

    // The batch is the producer's, its shipment names the processor as the consignee on chain.
    const batch = (await h.call("GET", `/api/v1/batches/${payload.harvestedBatchId("CAP-1")}`)).body;
    expect(batch.creator.address).to.equal(producer.address);
    expect(batch.custody.inTransit[0].to.address.toLowerCase()).to.equal(processor.address.toLowerCase());

    const read = await h.call("GET", `/epcis/events?MATCH_epcClass=${encodeURIComponent(lotClass("CAP-1"))}`);
    expectValidEpcis(read.body);
    const [harvested, shipped] = read.body.epcisBody.queryResults.resultsBody.eventList as Event[];
    expect(harvested.eventID).to.equal(harvest.eventID);
    expect(shipped.eventID).to.equal(done[L("events")][1].eventID);
    for (const [sent, served] of [
      [harvest, harvested],
      [ship, shipped],
    ]) {
      for (const field of ["type", "action", "bizStep", "disposition", "eventTime", "eventTimeZoneOffset", "readPoint", "sourceList", "destinationList"]) {
        expect(served[field], field).to.deep.equal(sent[field]);
      }
      expect(served.quantityList.map((q: Event) => ({ ...q, epcClass: q.epcClass.replace(h.base, "https://id.gs1.org") }))).to.deep.equal(sent.quantityList);
    }
    expect(harvested.ilmd).to.deep.include(harvest.ilmd);
    expect(shipped).to.deep.include({ "ledger:from": "田阳芒果基地", "ledger:to": "百色分拣中心" });
  });

  it("records nothing twice when the same document comes again", async function () {
    const doc = document([commissioning("CAP-2"), shipping("CAP-2", processor)]);
    const first = await capture(producer, doc);
    await job(producer, first.headers.get("location")!);
    const before = await eventCount();
    const second = await capture(producer, doc);
    expect(second.status).to.equal(202);
    const again = await job(producer, second.headers.get("location")!);
    expect(again).to.include({ success: true });
    expect(await eventCount()).to.equal(before);
    const firstJob = await job(producer, first.headers.get("location")!);
    expect(again[L("events")].map((e: Event) => e.eventId)).to.deep.equal(firstJob[L("events")].map((e: Event) => e.eventId));
  });

  it("refuses the whole document when one event breaks a role rule, recording nothing, and says which event", async function () {
    const before = await eventCount();
    const receiving = {
      type: "ObjectEvent",
      eventTime: "2026-07-02T09:00:00.000+08:00",
      eventTimeZoneOffset: "+08:00",
      action: "OBSERVE",
      bizStep: "receiving",
      quantityList: [{ epcClass: lotClass("CAP-3") }],
      "ledger:location": "田阳",
    };
    const { status, headers } = await capture(producer, document([commissioning("CAP-3"), receiving]));
    expect(status).to.equal(202);
    const refused = await job(producer, headers.get("location")!);
    expect(refused).to.include({ running: false, success: false });
    expect(refused.errors).to.have.length(1);
    expect(refused.errors[0]).to.include({ type: "epcisException:SecurityException", status: 403, instance: "/epcisBody/eventList/1" });
    expect(refused.errors[0].title).to.contain("producer may not record a receipt");
    expect(await eventCount()).to.equal(before);
    expect((await h.call("GET", `/api/v1/batches/${payload.harvestedBatchId("CAP-3")}`)).status).to.equal(404);
    expect(h.db.prepare(`SELECT count(*) AS n FROM outbox WHERE batch_id = ?`).get(payload.harvestedBatchId("CAP-3"))).to.deep.equal({ n: 0 });
  });

  it("refuses an event the ledger cannot represent with a problem that points at it and says what is supported", async function () {
    const association = {
      type: "AssociationEvent",
      eventTime: "2026-07-02T09:00:00.000+08:00",
      eventTimeZoneOffset: "+08:00",
      parentID: "urn:epc:id:grai:4012345.55555.987",
      childEPCs: ["urn:epc:id:giai:4000001.12345"],
      action: "ADD",
      bizStep: "assembling",
    };
    const doc = document([commissioning("CAP-4"), association]);
    expectValidEpcis(doc);
    const { headers } = await capture(producer, doc);
    const refused = await job(producer, headers.get("location")!);
    expect(refused.success).to.equal(false);
    expect(refused.errors[0]).to.include({ type: "epcisException:ValidationException", instance: "/epcisBody/eventList/1/type" });
    expect(refused.errors[0].title).to.contain("AssociationEvent").and.to.contain("this ledger records ObjectEvent ADD");
    expect((await h.call("GET", `/api/v1/batches/${payload.harvestedBatchId("CAP-4")}`)).status).to.equal(404);
  });

  it("names the missing field by where it goes in EPCIS", async function () {
    const noCounty = commissioning("CAP-5", { ilmd: { "ledger:productName": "田阳香芒" } });
    const { headers } = await capture(producer, document([noCounty]));
    const refused = await job(producer, headers.get("location")!);
    expect(refused.errors[0].instance).to.equal("/epcisBody/eventList/0");
    expect(refused.errors[0].title).to.contain("ilmd ledger:originCountyCode");
  });

  it("answers a document GS1's schema refuses with a 400 ValidationException naming the fault, and keeps no job", async function () {
    const bad = document([commissioning("CAP-6", { action: "CREATE" })]);
    const { status, body, headers } = await capture(producer, bad);
    expect(status).to.equal(400);
    expect(headers.get("content-type")).to.match(/^application\/problem\+json/);
    expect(body).to.include({ type: "epcisException:ValidationException", instance: "/epcisBody/eventList/0/action" });
    expect(body.errors.length).to.be.greaterThan(0);
    expect(h.db.prepare(`SELECT count(*) AS n FROM epcis_captures WHERE event_ids LIKE '%CAP-6%' OR errors LIKE '%CAP-6%'`).get()).to.deep.equal({ n: 0 });
  });

  it("checks the API key before reading the body, takes only JSON, and only up to its size limit", async function () {
    const doc = document([commissioning("CAP-7")]);
    const anonymous = await capture(undefined, doc);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.body.type).to.equal("epcisException:SecurityException");
    const wrongKey = await h.call("POST", "/epcis/capture", { token: "plk_not-a-key", body: doc });
    expect(wrongKey.status).to.equal(401);
    const xml = await h.call("POST", "/epcis/capture", { token: producer.apiKey, raw: "<epcis/>", headers: { "content-type": "application/xml" } });
    expect(xml.status).to.equal(415);
    expect(xml.body.type).to.equal("epcisException:UnsupportedMediaTypeException");
    const huge = await h.call("POST", "/epcis/capture", {
      token: producer.apiKey,
      raw: JSON.stringify({ ...doc, padding: "x".repeat(1024 * 1024) }),
      headers: { "content-type": "application/json" },
    });
    expect(huge.status).to.equal(413);
    expect(huge.body.type).to.equal("epcisException:CaptureLimitExceededException");
    expect((await h.call("GET", `/api/v1/batches/${payload.harvestedBatchId("CAP-7")}`)).status).to.equal(404);
  });

  it("shows a capture job only to the organisation that sent it", async function () {
    const { headers } = await capture(producer, document([commissioning("CAP-8")]));
    const other = await h.call("GET", headers.get("location")!, { token: processor.apiKey });
    expect(other.status).to.equal(404);
    expect(other.body.type).to.equal("epcisException:NoSuchResourceException");
    const none = await h.call("GET", headers.get("location")!);
    expect(none.status).to.equal(401);
  });

  it("refuses a receipt whose quantity is not what the ledger takes in (all that was shipped), and takes the right one", async function () {
    const sent = await capture(producer, document([commissioning("CAP-9"), shipping("CAP-9", processor)]));
    expect((await job(producer, sent.headers.get("location")!)).success).to.equal(true);
    const receiving = (kg: number) => ({
      type: "ObjectEvent",
      eventTime: "2026-07-02T18:00:00.000+08:00",
      eventTimeZoneOffset: "+08:00",
      action: "OBSERVE",
      bizStep: "receiving",
      disposition: "in_progress",
      quantityList: [{ epcClass: lotClass("CAP-9"), quantity: kg, uom: "KGM" }],
      bizLocation: { id: `did:pkh:eip155:31337:${processor.address}` },
      bizTransactionList: [{ type: "po", bizTransaction: "urn:epcglobal:cbv:bt:6901234000016:PO-2026-0702" }],
    });
    const partial = await capture(processor, document([receiving(600)]));
    const refused = await job(processor, partial.headers.get("location")!);
    expect(refused.success).to.equal(false);
    expect(refused.errors[0]).to.include({ instance: "/epcisBody/eventList/0", status: 409 });
    expect(refused.errors[0].title).to.contain("800 kg, not 600 kg");
    const whole = await capture(processor, document([receiving(800)]));
    const taken = await job(processor, whole.headers.get("location")!);
    expect(taken.success, JSON.stringify(taken.errors)).to.equal(true);
    const served = await h.call("GET", `/epcis/events/${encodeURIComponent(taken[L("events")][0].eventID)}`);
    expect(served.body.bizTransactionList).to.deep.equal(receiving(800).bizTransactionList);
    expect(served.body.quantityList[0]).to.include({ quantity: 800, uom: "KGM" });
  });

  it("knows an organisation by its GLN in any of GS1's forms", function () {
    for (const uri of ["https://id.gs1.org/417/6901234000016", "https://id.gs1.org/414/6901234000016", "urn:epc:id:pgln:6901234.00001", "urn:epc:id:sgln:6901234.00001.0"]) {
      expect(glnOfParty(uri), uri).to.equal("6901234000016");
    }
    expect(glnOfParty("urn:epc:id:pgln:6901234.0001")).to.equal(undefined); // 11 digits: not a GLN
  });
});
