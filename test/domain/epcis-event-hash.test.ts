import { expect } from "chai";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { epcisEventHash, epcisPreHashString } from "../../server/domain/epcis/event-hash";

/** The reference implementation's worked examples (their source: README.md in that folder). */
const EXAMPLES = path.join(__dirname, "..", "fixtures", "epcis", "hash-examples");

/** Each example used, and what it covers. */
const WORKED_EXAMPLES: ReadonlyArray<readonly [name: string, covers: string]> = [
  ["ReferenceEventHashAlgorithm", "user extensions, nested and repeated; recordTime left out"],
  ["ReferenceEventHashAlgorithm2", "sensor metadata and reports"],
  ["ReferenceEventHashAlgorithm3", "sourceList, destinationList, bizTransactionList; an extension inside readPoint"],
  ["epcisDocWithVariousEventTypes", "quantity lists, TransformationEvents, ilmd with namespaced keys, every event type"],
  ["CertificationInfoAndSensorReportWithCRS", "certificationInfo; Digital Links on another domain; sensor extensions"],
  ["TimeStampRoundOff", "times to UTC with milliseconds, rounded"],
  ["ralfsChaosExample", "extensions under several prefixes of one context object"],
  ["persistentDisposition", "persistentDisposition set and unset"],
  ["epclist_normalisation", "EPC URIs and Digital Links (with a query string, on example.com) as canonical Digital Links"],
  ["epcisDocHavingEventWithComment", "eventID and rdfs:comment left out"],
  ["epcisDocWithXMLstartTagAndErrorDeclaration", "errorDeclaration left out; a TransformationEvent"],
];

function lines(file: string): string[] {
  return readFileSync(file, "utf8").split(/\r?\n/).filter((line) => line.length > 0);
}

function eventsOf(document: Record<string, any>): Record<string, unknown>[] {
  const body = document.epcisBody;
  return body.eventList ?? body.queryResults?.resultsBody?.eventList ?? [body.event];
}

describe("CBV 2.0 event hash (server/domain/epcis/event-hash)", function () {
  describe("the reference implementation's worked examples", function () {
    for (const [name, covers] of WORKED_EXAMPLES) {
      it(`${name}: ${covers}`, function () {
        const document = JSON.parse(readFileSync(path.join(EXAMPLES, `${name}.jsonld`), "utf8"));
        const events = eventsOf(document);
        const hashes = lines(path.join(EXAMPLES, `${name}.hashes`));
        const prehashFile = path.join(EXAMPLES, `${name}.prehashes`);
        const prehashes = existsSync(prehashFile) ? lines(prehashFile) : undefined;
        expect(events).to.have.length(hashes.length);
        events.forEach((event, index) => {
          if (prehashes) {
            expect(epcisPreHashString(event, document["@context"]), `pre-hash of event ${index}`).to.equal(prehashes[index]);
          }
          expect(epcisEventHash(event, document["@context"]), `hash of event ${index}`).to.equal(hashes[index]);
        });
      });
    }
  });

  /** The context of the ledger's documents, with the namespace of the proof. */
  const CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", { prov: "https://example.org/ns/prov#" }];
  const PROV = "{https://example.org/ns/prov#}";

  /** A harvest as the ledger tells it in EPCIS: a lot commissioned, with its proof. */
  function harvest(): Record<string, any> {
    return {
      type: "ObjectEvent",
      eventID: "urn:uuid:6f1c1b5e-2f0c-4d8e-9a57-0d3f1f7c2a10",
      eventTime: "2026-07-01T08:30:00+08:00",
      eventTimeZoneOffset: "+08:00",
      recordTime: "2026-07-01T00:30:12.000Z",
      quantityList: [{ epcClass: "http://127.0.0.1:3000/01/06901234567892/10/TY-2026-07", quantity: 1250.5, uom: "KGM" }],
      action: "ADD",
      bizStep: "commissioning",
      disposition: "active",
      readPoint: { id: "https://id.gs1.org/414/6901234000017" },
      bizLocation: { id: "https://id.gs1.org/414/6901234000017" },
      sourceList: [{ type: "owning_party", source: "https://id.gs1.org/417/6901234000017" }],
      certificationInfo: "https://cert.example.org/szp/2026-001",
      ilmd: { "prov:countyCode": "440304", "prov:harvestDate": "2026-07-01" },
      "prov:proof": {
        "prov:chainId": 31337,
        "prov:contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "prov:transactionHash": "0x9f2b6c4d1e0a7b3c5d8e9f00112233445566778899aabbccddeeff0011223344",
        "prov:blockNumber": 12,
        "prov:logIndex": 0,
      },
    };
  }

  /** Lots merged into a packed lot. */
  function packing(): Record<string, any> {
    return {
      type: "TransformationEvent",
      eventTime: "2026-07-03T14:05:09.250+08:00",
      eventTimeZoneOffset: "+08:00",
      inputQuantityList: [
        { epcClass: "http://127.0.0.1:3000/01/06901234567892/10/TY-2026-07", quantity: 800, uom: "KGM" },
        { epcClass: "http://127.0.0.1:3000/01/06901234567892/10/TY-2026-08", quantity: 200, uom: "KGM" },
      ],
      outputQuantityList: [{ epcClass: "http://127.0.0.1:3000/01/06901234567892/10/TY-2026-P1", quantity: 95, uom: "BX" }],
      bizStep: "packing",
      readPoint: { id: "https://id.gs1.org/414/6901234000024" },
      destinationList: [{ type: "possessing_party", destination: "https://id.gs1.org/417/6901234000024" }],
      ilmd: { "prov:step": "grading", "prov:bestBefore": "2026-10-01" },
      "prov:proof": {
        "prov:chainId": 31337,
        "prov:transactionHash": "0x1111111111111111111111111111111111111111111111111111111111111111",
        "prov:blockNumber": 57,
        "prov:logIndex": 2,
      },
    };
  }

  /** The same JSON with every object's keys and every array's elements in reverse order. */
  function reversed(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(reversed).reverse();
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).reverse().map(([key, child]) => [key, reversed(child)]));
    }
    return value;
  }

  describe("the ledger's events", function () {
    // Both expected values were computed by the reference implementation (the commit named in the
    // fixtures' README) over these same events, in an EPCIS document with CONTEXT as its @context.
    it("hashes a harvest ObjectEvent as the reference implementation does", function () {
      expect(epcisEventHash(harvest(), CONTEXT)).to.equal("ni:///sha-256;7d1172c4d2257c3b5e375c4af935264aec6d77cc1fc857f41e982c91fe0003f0?ver=CBV2.0");
    });

    it("hashes a packing TransformationEvent as the reference implementation does", function () {
      expect(epcisEventHash(packing(), CONTEXT)).to.equal("ni:///sha-256;b93d68f962e14ab70a53b772eff4bb186daaf5e71b67ab179716168082789963?ver=CBV2.0");
    });

    it("is the SHA-256 of the pre-hash string as an ni URI", function () {
      const prehash = epcisPreHashString(harvest(), CONTEXT);
      const digest = createHash("sha256").update(prehash, "utf8").digest("hex");
      expect(epcisEventHash(harvest(), CONTEXT)).to.equal(`ni:///sha-256;${digest}?ver=CBV2.0`).and.match(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
    });

    it("puts the standard fields in the canonical order, then the other fields sorted", function () {
      expect(epcisPreHashString(harvest(), CONTEXT)).to.equal(
        "eventType=ObjectEvent" +
          "eventTime=2026-07-01T00:30:00.000Z" +
          "eventTimeZoneOffset=+08:00" +
          "certificationInfo=https://cert.example.org/szp/2026-001" +
          "quantityListquantityElementepcClass=https://id.gs1.org/01/06901234567892/10/TY-2026-07quantity=1250.5uom=KGM" +
          "action=ADD" +
          "bizStep=https://ref.gs1.org/cbv/BizStep-commissioning" +
          "disposition=https://ref.gs1.org/cbv/Disp-active" +
          "readPointid=https://id.gs1.org/414/6901234000017" +
          "bizLocationid=https://id.gs1.org/414/6901234000017" +
          `ilmd${PROV}countyCode=440304${PROV}harvestDate=2026-07-01` +
          "sourceListtype=https://ref.gs1.org/cbv/SDT-owning_partysource=https://id.gs1.org/417/6901234000017" +
          `${PROV}proof${PROV}blockNumber=12${PROV}chainId=31337${PROV}contract=0x5FbDB2315678afecb367f032d93F642f64180aa3` +
          `${PROV}logIndex=0${PROV}transactionHash=0x9f2b6c4d1e0a7b3c5d8e9f00112233445566778899aabbccddeeff0011223344`,
      );
    });

    it("does not change when fields and list entries are reordered", function () {
      for (const event of [harvest(), packing()]) {
        const shuffled = reversed(event) as Record<string, unknown>;
        expect(Object.keys(shuffled)[0]).to.equal(Object.keys(event).at(-1));
        expect(epcisEventHash(shuffled, CONTEXT)).to.equal(epcisEventHash(event, CONTEXT));
      }
      const twoSources = harvest();
      twoSources.sourceList.push({ type: "possessing_party", source: "https://id.gs1.org/417/6901234000024" });
      expect(epcisEventHash(reversed(twoSources) as Record<string, unknown>, CONTEXT)).to.equal(epcisEventHash(twoSources, CONTEXT));
    });

    it("does not change when eventID or recordTime change or go", function () {
      const original = epcisEventHash(harvest(), CONTEXT);
      const changed = { ...harvest(), eventID: original, recordTime: "2027-01-01T00:00:00Z" };
      expect(epcisEventHash(changed, CONTEXT)).to.equal(original);
      const { eventID: _eventID, recordTime: _recordTime, ...without } = harvest();
      expect(epcisEventHash(without, CONTEXT)).to.equal(original);
    });

    it("changes when a quantity changes", function () {
      const original = epcisEventHash(harvest(), CONTEXT);
      const more = harvest();
      more.quantityList[0].quantity = 1250.6;
      expect(epcisEventHash(more, CONTEXT)).to.not.equal(original);
      const input = packing();
      input.inputQuantityList[1].quantity = 201;
      expect(epcisEventHash(input, CONTEXT)).to.not.equal(epcisEventHash(packing(), CONTEXT));
      const unit = packing();
      unit.outputQuantityList[0].uom = "CR";
      expect(epcisEventHash(unit, CONTEXT)).to.not.equal(epcisEventHash(packing(), CONTEXT));
    });

    it("changes when the proof or the lot changes", function () {
      const original = epcisEventHash(harvest(), CONTEXT);
      const proof = harvest();
      proof["prov:proof"]["prov:blockNumber"] = 13;
      expect(epcisEventHash(proof, CONTEXT)).to.not.equal(original);
      const lot = harvest();
      lot.quantityList[0].epcClass = "http://127.0.0.1:3000/01/06901234567892/10/TY-2026-08";
      expect(epcisEventHash(lot, CONTEXT)).to.not.equal(original);
    });

    it("normalises numbers, times and CBV words before hashing", function () {
      const original = epcisEventHash(harvest(), CONTEXT);
      const written = harvest();
      written.quantityList[0].quantity = "1250.50";
      written.eventTime = "2026-07-01T00:30:00.000Z";
      written.bizStep = "urn:epcglobal:cbv:bizstep:commissioning";
      written.disposition = "https://ref.gs1.org/cbv/Disp-active";
      written.sourceList[0].type = "https://ref.gs1.org/cbv/SDT-owning_party";
      expect(epcisEventHash(written, CONTEXT)).to.equal(original);
    });

    it("takes a Digital Link on our own domain as the canonical one on id.gs1.org", function () {
      const onIdGs1 = harvest();
      onIdGs1.quantityList[0].epcClass = "https://id.gs1.org/01/06901234567892/10/TY-2026-07";
      expect(epcisEventHash(onIdGs1, CONTEXT)).to.equal(epcisEventHash(harvest(), CONTEXT));
      const withQuery = harvest();
      withQuery.quantityList[0].epcClass = "https://shop.example.cn/01/6901234567892/10/TY-2026-07?linkType=gs1:pip";
      expect(epcisEventHash(withQuery, CONTEXT)).to.equal(epcisEventHash(harvest(), CONTEXT));
      // As the reference does: a URI without a "." is not taken for a Digital Link.
      const localhost = harvest();
      localhost.quantityList[0].epcClass = "http://localhost:3000/01/06901234567892/10/TY-2026-07";
      expect(epcisPreHashString(localhost, CONTEXT)).to.contain("epcClass=http://localhost:3000/01/06901234567892/10/TY-2026-07");
    });

    it("expands the context's prefixes; the event's own @context wins", function () {
      expect(epcisPreHashString(harvest(), CONTEXT)).to.contain(`${PROV}proof${PROV}blockNumber=12`);
      expect(epcisPreHashString(harvest())).to.contain("prov:proofprov:blockNumber=12");
      const carried = { ...harvest(), "@context": CONTEXT };
      expect(epcisEventHash(carried)).to.equal(epcisEventHash(harvest(), CONTEXT));
      const other = { ...harvest(), "@context": [{ prov: "https://other.example/prov/" }] };
      expect(epcisPreHashString(other, CONTEXT)).to.contain("{https://other.example/prov/}proof");
      expect(epcisPreHashString(harvest(), { prov: "https://example.org/ns/prov#" })).to.equal(epcisPreHashString(harvest(), CONTEXT));
    });
  });
});
