/**
 * GS1's own EPCIS 2.0 example documents (gs1/EPCIS, JSON/…), adapted to the ledger's identifiers
 * and extension fields (test/fixtures/epcis/gs1-examples, provenance in its README), captured
 * through POST /epcis/capture as a partner would send them: what the ledger records reads back
 * with the same business content, what it cannot record is refused naming the event, and a
 * document sent twice is recorded once.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { expect } from "chai";
import { startHarness, TEST_ADMIN_TOKEN, type Harness } from "../helpers/gateway-harness";
import { L, everyEpcisEvent, expectValidEpcis } from "../helpers/epcis";
import { SUPPORTED_EVENTS } from "../../server/domain/epcis/vocabulary";

type Org = { id: string; address: string; apiKey: string; gln?: string };
type Event = Record<string, any>;
type Fixture = { file: string; text: string; doc: { epcisBody: { eventList: Event[] } } & Record<string, unknown> };

const FIXTURES = path.join(__dirname, "..", "fixtures", "epcis", "gs1-examples");
/** The GLNs the fixtures name the two organisations by (https://id.gs1.org/417/…, urn:epc:id:sgln:6901234.…). */
const PRODUCER_GLN = "6901234000030";
const RETAILER_GLN = "6901234000016";

function fixture(file: string): Fixture {
  const text = readFileSync(path.join(FIXTURES, file), "utf8");
  return { file, text, doc: JSON.parse(text) };
}

/** The supported examples, in the order the lot's journey needs them, with who sends each. */
const SUPPORTED: Array<{ file: string; by: "producer" | "retailer"; source: string }> = [
  { file: "1-commissioning-ObjectEvent.jsonld", by: "producer", source: "WithDigitalLinkID/Example_9.6.2-ObjectEventWithDigitalLink" },
  { file: "2-packing-TransformationEvent.jsonld", by: "producer", source: "WithDigitalLinkID/Example_9.6.4-TransformationEventWithDigitalLink" },
  { file: "3-shipping-ObjectEvent.jsonld", by: "producer", source: "WithDigitalLinkID/Example_9.6.1-ObjectEventWithDigitalLink (event 1)" },
  { file: "4-receiving-ObjectEvent.jsonld", by: "retailer", source: "WithDigitalLinkID/Example_9.6.2-ObjectEventWithDigitalLink" },
  { file: "5-retail-selling-ObjectEvent.jsonld", by: "retailer", source: "WithDigitalLinkID/Example_9.6.2-ObjectEventWithDigitalLink" },
  { file: "6-recall-ObjectEvent.jsonld", by: "producer", source: "WithDigitalLinkID/Example_9.6.2-ObjectEventWithDigitalLink" },
];

/** The examples the ledger cannot record, and where in each the refusal must point. */
const UNSUPPORTED: Array<{ file: string; by: "producer" | "retailer"; source: string; instances: string[] }> = [
  { file: "unsupported-AggregationEvent.jsonld", by: "retailer", source: "WithDigitalLinkID/Example_9.6.3-AggregationEventWithDigitalLink", instances: ["/epcisBody/eventList/0/type"] },
  { file: "unsupported-AssociationEvent.jsonld", by: "producer", source: "AssociationEvent/AssociationEvent-a", instances: ["/epcisBody/eventList/0/type"] },
  { file: "unsupported-sensorElementList.jsonld", by: "producer", source: "WithSensorData/SensorDataExample4", instances: ["/epcisBody/eventList/0/sensorElementList"] },
  {
    file: "unsupported-epcList-SGTIN.jsonld",
    by: "producer",
    source: "Example_9.6.1-ObjectEvent",
    instances: ["/epcisBody/eventList/0/epcList", "/epcisBody/eventList/1/epcList"],
  },
];

/** Fields that are private by the ledger's design (a commitment only on chain): sent, never served. */
const PRIVATE_FIELDS = new Set([L("amountCny"), L("vehicle")]);

/** A lot as "{gtin}/{lot}", from its Digital Link on any host. */
function lotOf(epcClass: unknown): string {
  const match = /\/01\/(\d{14})\/10\/([^/?#]+)$/.exec(String(epcClass));
  return match ? `${match[1]}/${decodeURIComponent(match[2])}` : `(not a lot: ${String(epcClass)})`;
}

const show = (value: unknown) => (value === undefined ? "nothing" : JSON.stringify(value));

/**
 * What of the business content the example sent the served event does not say the same: each
 * field the example gave, compared one by one; what the server added beside them is allowed.
 */
function differences(sent: Event, served: Event): string[] {
  const found: string[] = [];
  const same = (field: string, a: unknown, b: unknown) => {
    if (!isDeepStrictEqual(a, b)) found.push(`${field}: sent ${show(a)}, served ${show(b)}`);
  };
  for (const field of ["eventID", "type", "action", "bizStep", "disposition", "eventTime", "eventTimeZoneOffset"]) {
    if (sent[field] !== undefined) same(field, sent[field], served[field]);
  }
  for (const list of ["quantityList", "inputQuantityList", "outputQuantityList"]) {
    if (sent[list] === undefined) continue;
    const theirs = (served[list] ?? []) as Event[];
    if (theirs.length !== sent[list].length) {
      found.push(`${list}: sent ${sent[list].length} elements, served ${theirs.length}`);
      continue;
    }
    (sent[list] as Event[]).forEach((element, i) => {
      same(`${list}[${i}] lot`, lotOf(element.epcClass), lotOf(theirs[i].epcClass));
      if (element.quantity !== undefined) same(`${list}[${i}].quantity`, element.quantity, theirs[i].quantity);
      if (element.uom !== undefined) same(`${list}[${i}].uom`, element.uom, theirs[i].uom);
    });
  }
  for (const field of ["bizLocation", "readPoint", "sourceList", "destinationList"]) {
    if (sent[field] !== undefined) same(field, sent[field], served[field]);
  }
  for (const [name, value] of Object.entries((sent.ilmd ?? {}) as Event)) same(`ilmd ${name}`, value, served.ilmd?.[name]);
  for (const [name, value] of Object.entries(sent)) {
    if (name.includes(":") && !PRIVATE_FIELDS.has(name)) same(name, value, served[name]);
  }
  return found;
}

describe("EPCIS 2.0 capture of GS1's own example documents, adapted to the ledger's identifiers", function () {
  let h: Harness;
  const orgs: Record<"producer" | "retailer", Org> = {} as Record<"producer" | "retailer", Org>;

  const everyEvent = (query = ""): Promise<Event[]> => everyEpcisEvent(h, query);

  async function batchCount(): Promise<number> {
    const { status, body } = await h.call("GET", "/api/v1/batches?limit=1");
    expect(status, JSON.stringify(body)).to.equal(200);
    return body.total;
  }

  /** POSTs the fixture's bytes as JSON-LD; answers the response and, when taken (202), its job once the chain settled. */
  async function capture(org: Org, f: Fixture): Promise<{ status: number; body: any; job?: any }> {
    const response = await h.call("POST", "/epcis/capture", {
      token: org.apiKey,
      raw: f.text,
      headers: { "content-type": "application/ld+json" },
    });
    if (response.status !== 202) return response;
    const location = response.headers.get("location") ?? "";
    expect(location).to.match(/^\/epcis\/capture\/[0-9a-f-]{36}$/);
    expect(response.body.captureID).to.equal(location.split("/").pop());
    await h.settle();
    const job = await h.call("GET", location, { token: org.apiKey });
    expect(job.status, JSON.stringify(job.body)).to.equal(200);
    return { ...response, job: job.body };
  }

  /** The event served under `eventID`, looked up the way a partner would: by the lot it names. */
  async function served(sent: Event): Promise<Event | undefined> {
    const element = (sent.quantityList ?? sent.outputQuantityList ?? sent.inputQuantityList)[0] as Event;
    const events = await everyEvent(`&MATCH_epcClass=${encodeURIComponent(element.epcClass)}`);
    return events.find((e) => e.eventID === sent.eventID);
  }

  async function orgWithGln(name: string, role: string, gln: string): Promise<Org> {
    const created = await h.call("POST", "/api/v1/orgs", { token: TEST_ADMIN_TOKEN, body: { name, role, gln } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body.gln).to.equal(gln);
    return created.body;
  }

  before(async function () {
    this.timeout(120_000);
    h = await startHarness();
    orgs.producer = await orgWithGln("田阳芒果专业合作社", "producer", PRODUCER_GLN);
    orgs.retailer = await orgWithGln("福田区消费帮扶专柜", "retailer", RETAILER_GLN);
  });

  after(async function () {
    await h?.stop();
  });

  describe("what the ledger records: captured, and served back with the same business content", function () {
    for (const { file, by, source } of SUPPORTED) {
      it(`${file} (GS1 ${source})`, async function () {
        this.timeout(60_000);
        const f = fixture(file);
        expectValidEpcis(f.doc);
        const sentEvents = f.doc.epcisBody.eventList;

        const { status, body, job } = await capture(orgs[by], f);
        expect(status, JSON.stringify(body)).to.equal(202);
        expect(job.errors, JSON.stringify(job.errors)).to.deep.equal([]);
        expect(job).to.include({ running: false, success: true });
        expect(job["ledger:events"].map((e: Event) => e.eventID)).to.deep.equal(sentEvents.map((e) => e.eventID));
        for (const e of job["ledger:events"]) expect(e.status, JSON.stringify(e)).to.equal("confirmed");

        for (const sent of sentEvents) {
          const event = await served(sent);
          expect(event, `no event served under ${sent.eventID}`).to.not.equal(undefined);
          if (sent[L("amountCny")] !== undefined) {
            // A sale's amount is private by the ledger's design: on chain as a commitment only.
            expect(event).to.not.have.property(L("amountCny"));
          }
          expect(differences(sent, event!), `${file}: what was sent and what is served differ`).to.deep.equal([]);
        }
      });
    }

    it("records nothing twice when each document is sent again: the second jobs succeed and the ledger's events are the same", async function () {
      this.timeout(120_000);
      const events = await everyEvent();
      const batches = await batchCount();
      expect(events.length).to.be.at.least(SUPPORTED.length);
      for (const { file, by } of SUPPORTED) {
        const f = fixture(file);
        const { status, body, job } = await capture(orgs[by], f);
        expect(status, JSON.stringify(body)).to.equal(202);
        expect(job.errors, `${file}: ${JSON.stringify(job.errors)}`).to.deep.equal([]);
        expect(job, file).to.include({ running: false, success: true });
        expect(job["ledger:events"].map((e: Event) => e.eventID)).to.deep.equal(f.doc.epcisBody.eventList.map((e) => e.eventID));
      }
      await h.settle();
      expect(await everyEvent()).to.deep.equal(events);
      expect(await batchCount()).to.equal(batches);
    });
  });

  describe("what the ledger cannot record: refused, naming the event and what the ledger records, nothing recorded", function () {
    for (const { file, by, source, instances } of UNSUPPORTED) {
      it(`${file} (GS1 ${source})`, async function () {
        this.timeout(60_000);
        const f = fixture(file);
        expectValidEpcis(f.doc);
        const events = await everyEvent();
        const batches = await batchCount();

        const { status, body, job } = await capture(orgs[by], f);
        // Refused either at once (a 400 problem naming each event) or by the capture job.
        let problems: Event[];
        if (status === 400) {
          expect(body.type).to.equal("epcisException:ValidationException");
          problems = (body.errors ?? [body]).map((p: Event) => ({ instance: p.instance ?? p.pointer, title: p.title ?? p.message }));
        } else {
          expect(status, JSON.stringify(body)).to.equal(202);
          expect(job).to.include({ running: false, success: false });
          expect(job["ledger:events"]).to.deep.equal([]);
          for (const p of job.errors) expect(p).to.include({ type: "epcisException:ValidationException", status: 400 });
          problems = job.errors;
        }
        expect(problems.map((p) => p.instance)).to.deep.equal(instances);
        for (const p of problems) expect(p.title, JSON.stringify(p)).to.contain(`this ledger records ${SUPPORTED_EVENTS}`);

        await h.settle();
        expect(await everyEvent()).to.deep.equal(events);
        expect(await batchCount()).to.equal(batches);
      });
    }
  });
});
