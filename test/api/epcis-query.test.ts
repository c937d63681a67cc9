import { expect } from "chai";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";
import { everyEpcisEvent, expectValidEpcis, L } from "../helpers/epcis";
import * as payload from "../../scripts/lib/payloads";
import { epcisEventHash } from "../../server/domain/epcis/event-hash";
import { DOCUMENT_CONTEXT } from "../../server/domain/epcis/vocabulary";

type Org = { id: string; address: string; apiKey: string };
type Event = Record<string, any>;

describe("EPCIS 2.0 query: every ledger event as GS1's standard reads it", function () {
  let h: Harness;
  let producer: Org, processor: Org, certifier: Org, carrier: Org, retailer: Org;
  const A = payload.harvestedBatchId("TY-E1");
  const B = payload.harvestedBatchId("TY-E2");
  const SPLIT_LOT = "TY-E1-P";
  const A1 = payload.harvestedBatchId(SPLIT_LOT);
  const GLN = "6901234000016";
  let all: Event[];

  async function write(org: Org, path: string, body: unknown) {
    const { status, body: answer } = await h.call("POST", path, { token: org.apiKey, body });
    expect(status, JSON.stringify(answer)).to.equal(202);
    return answer;
  }
  const event = (org: Org, batchId: string, body: unknown) => write(org, `/api/v1/batches/${batchId}/events`, body);
  async function handOver(batchId: string, from: Org, to: Org, at: string) {
    const who = { holder: from, carrier, consignee: to };
    for (const [leg, body] of payload.viaCarrier(carrier.id, to.id, { at })) await event(who[leg], batchId, body);
  }
  const everyEvent = (query = ""): Promise<Event[]> => everyEpcisEvent(h, query);
  const ofKind = (kind: string) => all.filter((e) => e[L("eventKind")] === kind);

  before(async function () {
    this.timeout(120_000);
    h = await startHarness();
    producer = await h.org("田阳芒果专业合作社", "producer");
    processor = await h.org("百色分拣包装厂", "processor");
    certifier = await h.org("深圳市标准技术研究院", "certifier");
    carrier = await h.org("顺丰冷运", "carrier");
    const created = await h.call("POST", "/api/v1/orgs", {
      token: TEST_ADMIN_TOKEN,
      body: { name: "福田区消费帮扶专柜", role: "retailer", gln: GLN },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body.gln).to.equal(GLN);
    retailer = created.body;

    await write(producer, "/api/v1/batches", payload.harvest("TY-E1", { harvestedAt: "2026-06-01" }));
    await write(producer, "/api/v1/batches", payload.harvest("TY-E2", { quantity: { amount: 300, unit: "kg" } }));
    await handOver(A, producer, processor, "2026-06-02T06:00:00+08:00");
    await handOver(B, producer, processor, "2026-06-02T07:00:00+08:00");
    await event(processor, A, { ...payload.packing, occurredAt: "2026-06-03T08:00:00+08:00" });
    await event(processor, A, { type: "processing", step: "sorting", occurredAt: "2026-06-03T09:00:00+08:00", inputs: [B] });
    await event(processor, A, {
      type: "processing",
      step: "packing",
      occurredAt: "2026-06-03T10:00:00+08:00",
      outputs: [{ gtin: payload.MANGO_GTIN, lot: SPLIT_LOT, quantity: { amount: 100, unit: "box" }, conversion: { unit: "box", kg: 5 } }],
    });
    await write(certifier, `/api/v1/batches/${A1}/certifications`, payload.certification("SZ-E-0001"));
    await handOver(A1, processor, retailer, "2026-06-04T06:00:00+08:00");
    const sold = await event(retailer, A1, { ...payload.sale, soldAt: "2026-06-05T15:00:00+08:00" });
    await h.settle();
    await event(retailer, A1, {
      type: "correction",
      corrects: sold.eventId,
      declaration: "supersede",
      reason: "数量录错",
      replacement: { ...payload.sale, quantity: { amount: 10, unit: "box" }, amountCny: 790, soldAt: "2026-06-05T15:00:00+08:00" },
    });
    await event(producer, A, { ...payload.recall, recalledAt: "2026-06-06T10:00:00+08:00" });
    await h.settle();
    all = await everyEvent();
  });

  after(async function () {
    await h?.stop();
  });

  it("serves every event on chain, each valid by GS1's schema, with the versions in the headers", async function () {
    // 2 harvests, 4 legs x 3 hand-overs, 2 processings and a split, a certification, a sale (declared in
    // error by its correction, in place of the first telling) and its corrective event, a recall.
    expect(all).to.have.length(2 + 12 + 3 + 1 + 1 + 1 + 1);
    const { headers } = await h.call("GET", "/epcis/events");
    expect(headers.get("gs1-epcis-version")).to.equal("2.0.0");
    expect(headers.get("gs1-cbv-version")).to.equal("2.0.0");
  });

  it("tells a harvest as an ObjectEvent ADD, commissioning, with the harvest date, origin county, base and variety in ilmd", function () {
    const harvest = ofKind("harvest").find((e) => e.quantityList[0].epcClass.endsWith("/10/TY-E1"))!;
    expect(harvest).to.include({ type: "ObjectEvent", action: "ADD", bizStep: "commissioning", disposition: "active" });
    expect(harvest.quantityList).to.deep.equal([{ epcClass: `${h.base}/01/${payload.MANGO_GTIN}/10/TY-E1`, quantity: 1200, uom: "KGM" }]);
    // A plain date stays a date: its China midnight, and the date itself.
    expect(harvest.eventTime).to.equal("2026-06-01T00:00:00.000+08:00");
    expect(harvest.eventTimeZoneOffset).to.equal("+08:00");
    expect(harvest[L("eventDate")]).to.equal("2026-06-01");
    expect(harvest.ilmd).to.deep.include({
      [L("harvestDate")]: "2026-06-01",
      [L("originCountyCode")]: "451003",
      [L("originCounty")]: "百色市田阳区",
      [L("base")]: "田阳芒果供深基地",
      [L("variety")]: "台农一号",
      [L("productName")]: "田阳香芒",
    });
    expect(harvest.bizLocation.id).to.equal(`did:pkh:eip155:31337:${producer.address}`);
  });

  it("tells processing as TransformationEvents: in place, a merge and a split, with input and output quantities", function () {
    const [inPlace, merge, split] = ofKind("processing");
    const cls = (lot: string) => `${h.base}/01/${payload.MANGO_GTIN}/10/${lot}`;
    expect(inPlace).to.include({ type: "TransformationEvent", bizStep: "packing" });
    expect(inPlace.inputQuantityList.map((q: Event) => q.epcClass)).to.deep.equal([cls("TY-E1")]);
    expect(inPlace.outputQuantityList).to.deep.equal([{ epcClass: cls("TY-E1") }]);
    expect(merge[L("step")]).to.equal("sorting");
    expect(merge.bizStep).to.equal("other");
    expect(merge.inputQuantityList).to.deep.equal([{ epcClass: cls("TY-E1") }, { epcClass: cls("TY-E2"), quantity: 300, uom: "KGM" }]);
    expect(split.inputQuantityList).to.deep.equal([{ epcClass: cls("TY-E1"), quantity: 500, uom: "KGM" }]);
    expect(split.outputQuantityList).to.deep.equal([{ epcClass: cls(SPLIT_LOT), quantity: 100, uom: "BX" }]);
  });

  it("tells a 圳品 certification with certificationInfo, a shipment with source and destination, a sale as retail_selling, a recall as recalled", function () {
    const [certification] = ofKind("certification");
    expect(certification.certificationInfo).to.match(/\/api\/v1\/details\/0x[0-9a-f]{64}$/);
    expect(certification[L("certification")]).to.deep.include({ [L("scheme")]: "圳品", [L("certificateNo")]: "SZ-E-0001" });
    const toRetailer = ofKind("shipment").find((e) => e.quantityList[0].epcClass.endsWith(SPLIT_LOT) && e.destinationList[0].destination.includes(GLN))!;
    expect(toRetailer).to.include({ action: "OBSERVE", bizStep: "shipping", disposition: "in_transit" });
    expect(toRetailer.sourceList).to.deep.equal([{ type: "possessing_party", source: `did:pkh:eip155:31337:${carrier.address}` }]);
    expect(toRetailer.destinationList).to.deep.equal([{ type: "possessing_party", destination: `https://id.gs1.org/417/${GLN}` }]);
    const received = ofKind("receipt").find((e) => e.bizLocation.id === `https://id.gs1.org/414/${GLN}`)!;
    expect(received).to.include({ bizStep: "receiving" });
    const [sale] = ofKind("sale").filter((e) => e.errorDeclaration);
    expect(sale).to.include({ bizStep: "retail_selling", disposition: "retail_sold" });
    expect(sale.quantityList[0]).to.include({ quantity: 20, uom: "BX" });
    expect(JSON.stringify(sale)).not.to.contain("1580.5"); // the amount is private: a commitment only
    const [recall] = ofKind("recall");
    expect(recall).to.include({ action: "OBSERVE", disposition: "recalled" });
    expect(recall[L("reason")]).to.equal("农残抽检超标");
  });

  it("tells a correction EPCIS's way: the event again with an errorDeclaration, and the corrective event it names", async function () {
    const sales = ofKind("sale");
    expect(sales).to.have.length(2);
    const declared = sales.find((e) => e.errorDeclaration)!;
    const corrective = sales.find((e) => !e.errorDeclaration)!;
    expect(declared.errorDeclaration).to.deep.include({ reason: "incorrect_data", correctiveEventIDs: [corrective.eventID], [L("reason")]: "数量录错" });
    expect(declared.quantityList[0].quantity).to.equal(20);
    expect(corrective.quantityList[0].quantity).to.equal(10);
    // The declaration keeps the event's own id (it restates that event) and comes after its corrective event.
    const one = await h.call("GET", `/epcis/events/${encodeURIComponent(declared.eventID)}`);
    expect(one.body.errorDeclaration.correctiveEventIDs).to.deep.equal([corrective.eventID]);
    expect(all.indexOf(declared)).to.be.greaterThan(all.indexOf(corrective));
  });

  it("carries the ledger's proof under its own namespace, declared in @context, matching the chain", async function () {
    const { body } = await h.call("GET", `/api/v1/batches/${A}`);
    const onChain = new Map<string, Event>(body.events.map((e: Event) => [e.proof.dataHash, e.proof]));
    for (const e of ofKind("harvest").concat(ofKind("recall"))) {
      const proof = e[L("proof")];
      const chain = onChain.get(proof[L("dataHash")]);
      if (!chain) continue; // the other lot's harvest
      expect(proof[L("transactionHash")]).to.equal(chain.transactionHash);
      expect(proof[L("blockNumber")]).to.equal(chain.blockNumber);
      expect(proof[L("chainId")]).to.equal(31337);
    }
    const page = await h.call("GET", "/epcis/events?perPage=1");
    expect(page.body["@context"]).to.deep.equal(DOCUMENT_CONTEXT);
  });

  it("gives each event the CBV 2.0 event hash as its eventID, and serves it under that id", async function () {
    for (const e of all.slice(0, 6)) {
      expect(e.eventID).to.match(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
      expect(epcisEventHash(e, DOCUMENT_CONTEXT)).to.equal(e.eventID);
      const one = await h.call("GET", `/epcis/events/${encodeURIComponent(e.eventID)}`);
      expect(one.status).to.equal(200);
      expectValidEpcis(one.body);
      expect(one.body.eventID).to.equal(e.eventID);
    }
    expect(new Set(all.map((e) => e.eventID)).size).to.equal(all.length);
    const missing = await h.call("GET", `/epcis/events/${encodeURIComponent("ni:///sha-256;00?ver=CBV2.0")}`);
    expect(missing.status).to.equal(404);
    expect(missing.headers.get("content-type")).to.match(/^application\/problem\+json/);
    expect(missing.body.type).to.equal("epcisException:NoSuchResourceException");
  });

  it("filters by bizStep, event time, record time, lot, location and read point", async function () {
    const shipping = await everyEvent("&EQ_bizStep=shipping");
    expect(shipping).to.have.length(ofKind("shipment").length).and.to.have.length.greaterThan(0);
    expect(await everyEvent("&EQ_bizStep=https://ref.gs1.org/cbv/BizStep-shipping")).to.deep.equal(shipping);

    const from = "2026-06-03T09:00:00+08:00";
    const before = "2026-06-05T00:00:00+08:00";
    const inWindow = await everyEvent(`&GE_eventTime=${encodeURIComponent(from)}&LT_eventTime=${encodeURIComponent(before)}`);
    const expected = all.filter((e) => Date.parse(e.eventTime) >= Date.parse(from) && Date.parse(e.eventTime) < Date.parse(before));
    expect(inWindow.map((e) => e.eventID)).to.deep.equal(expected.map((e) => e.eventID));
    expect(inWindow.length).to.be.greaterThan(0).and.lessThan(all.length);

    const last = all[all.length - 1];
    const recent = await everyEvent(`&GE_recordTime=${encodeURIComponent(last.recordTime)}`);
    expect(recent.map((e) => e.eventID)).to.include(last.eventID);
    expect(recent.every((e) => Date.parse(e.recordTime) >= Date.parse(last.recordTime))).to.equal(true);

    // A lot by its Digital Link on any host: the split lot's own events and the split that made it.
    const lot = await everyEvent(`&MATCH_epcClass=${encodeURIComponent(`https://id.gs1.org/01/${payload.MANGO_GTIN}/10/${SPLIT_LOT}`)}`);
    // (The certification goes to the chain by its own sender: its place in the order is its own.)
    expect(lot.map((e) => e[L("eventKind")])).to.have.members(["processing", "certification", "shipment", "receipt", "shipment", "receipt", "sale", "sale"]);
    expect(lot.map((e) => e[L("eventKind")]).filter((k) => k !== "certification")).to.deep.equal(["processing", "shipment", "receipt", "shipment", "receipt", "sale", "sale"]);
    expect(await everyEvent(`&MATCH_anyEPC=${encodeURIComponent(`https://id.gs1.org/01/${payload.MANGO_GTIN}/21/X1`)}`)).to.deep.equal([]);

    const atCounter = await everyEvent(`&EQ_bizLocation=${encodeURIComponent(`https://id.gs1.org/414/${GLN}`)}`);
    expect(atCounter.map((e) => e[L("eventKind")])).to.deep.equal(["receipt", "sale", "sale"]);
    expect(await everyEvent(`&EQ_readPoint=${encodeURIComponent("urn:epc:id:sgln:0614141.00777.0")}`)).to.deep.equal([]);
  });

  it("pages with perPage and nextPageToken, the next page in the Link header, none skipped or repeated", async function () {
    const seen: string[] = [];
    let url: string | undefined = "/epcis/events?perPage=4&EQ_bizStep=shipping,receiving";
    let pages = 0;
    while (url) {
      const { body, headers } = await h.call("GET", url);
      expectValidEpcis(body);
      const events = body.epcisBody.queryResults.resultsBody.eventList as Event[];
      expect(events.length).to.be.at.most(4);
      seen.push(...events.map((e) => e.eventID));
      const next = /<([^>]+)>; rel="next"/.exec(headers.get("link") ?? "")?.[1];
      if (next) expect(next).to.contain("EQ_bizStep=shipping%2Creceiving");
      url = next && next.slice(h.base.length);
      pages++;
    }
    const expected = all.filter((e) => e.bizStep === "shipping" || e.bizStep === "receiving").map((e) => e.eventID);
    expect(seen).to.deep.equal(expected);
    expect(pages).to.equal(Math.ceil(expected.length / 4));
  });

  it("answers a bad parameter with an RFC 7807 QueryParameterException naming it", async function () {
    for (const [query, name] of [
      ["EQ_bizstep=shipping", "EQ_bizstep"],
      ["GE_eventTime=yesterday", "GE_eventTime"],
      ["perPage=0", "perPage"],
      ["perPage=100000", "perPage"],
      ["nextPageToken=abc", "nextPageToken"],
      ["MATCH_epcClass=urn:example:x", "MATCH_epcClass"],
    ]) {
      const { status, body, headers } = await h.call("GET", `/epcis/events?${query}`);
      expect(status, query).to.equal(400);
      expect(headers.get("content-type")).to.match(/^application\/problem\+json/);
      expect(body).to.include({ type: "epcisException:QueryParameterException", status: 400, instance: name });
      expect(headers.get("gs1-epcis-version")).to.equal("2.0.0");
    }
  });

  it("gives a batch's whole journey as an EPCISDocument: its own events and those of the batches it was made from", async function () {
    const { status, body } = await h.call("GET", `/api/v1/batches/${A1}/epcis`);
    expect(status).to.equal(200);
    expectValidEpcis(body);
    expect(body.type).to.equal("EPCISDocument");
    const ids = (body.epcisBody.eventList as Event[]).map((e) => e.eventID);
    // Everything that names the split lot, its source lot A, or lot B merged into A.
    expect(ids).to.deep.equal(all.filter((e) => JSON.stringify(e).match(/\/10\/TY-E[12]/)).map((e) => e.eventID));
    const unknown = await h.call("GET", `/api/v1/batches/${payload.harvestedBatchId("NONE")}/epcis`);
    expect(unknown.status).to.equal(404);
  });

  it("lists the EPCIS routes and the query's parameters in the OpenAPI document", async function () {
    const doc = (await h.call("GET", "/api/v1/openapi.json")).body;
    for (const [path, method] of [
      ["/epcis/events", "get"],
      ["/epcis/events/{eventID}", "get"],
      ["/epcis/capture", "post"],
      ["/epcis/capture/{captureID}", "get"],
      ["/api/v1/batches/{batchId}/epcis", "get"],
    ]) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).to.be.an("object");
    }
    const names = doc.paths["/epcis/events"].get.parameters.map((p: { name: string }) => p.name);
    expect(names).to.include.members(["EQ_bizStep", "GE_eventTime", "LT_eventTime", "GE_recordTime", "MATCH_epc", "MATCH_anyEPC", "MATCH_epcClass", "EQ_bizLocation", "EQ_readPoint", "perPage", "nextPageToken"]);
  });
});
