import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { EPCIS_SCHEMA_PATH, expectValidEpcis } from "../helpers/epcis";
import { epcisSchemaProblems } from "../../server/domain/epcis/schema-check";

describe("GS1's EPCIS 2.0 JSON Schema, as vendored", function () {
  it("is GS1's file unchanged (gs1/EPCIS at 2b888befbc071e1c2d388e027b30149b3f51dcef), so that no edit loosens the checks", function () {
    const digest = createHash("sha256").update(readFileSync(EPCIS_SCHEMA_PATH)).digest("hex");
    expect(digest).to.equal("ed3228d7867198b4a5be9748fe77f473457c6ed98224fab28a950b4ce634a041");
  });

  it("refuses what GS1's schema refuses, naming where, and takes what it takes, formats included", function () {
    const event = {
      type: "ObjectEvent",
      eventTime: "2026-07-01T08:00:00.000+08:00",
      eventTimeZoneOffset: "+08:00",
      action: "OBSERVE",
      quantityList: [{ epcClass: "https://id.gs1.org/01/06901234567892/10/L1", quantity: 1, uom: "KGM" }],
    };
    const doc = (events: unknown[]) => ({
      "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
      type: "EPCISDocument",
      schemaVersion: "2.0",
      creationDate: "2026-07-01T10:00:00.000+08:00",
      epcisBody: { eventList: events },
    });
    expectValidEpcis(doc([event]));
    expect(epcisSchemaProblems(doc([event]))).to.deep.equal([]);
    const problems = epcisSchemaProblems(doc([{ ...event, eventTime: "2026-07-01 08:00" }]));
    expect(problems.map((p) => p.pointer)).to.include("/epcisBody/eventList/0/eventTime");
    expect(epcisSchemaProblems(doc([{ ...event, quantityList: [{ epcClass: "not a uri", quantity: 1 }] }])).map((p) => p.pointer)).to.include(
      "/epcisBody/eventList/0/quantityList/0/epcClass",
    );
  });
});
