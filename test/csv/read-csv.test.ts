/** The CSV layer: reading files as Excel writes them, headers, rows to API requests, templates. */
import { httpStatusOf } from "../../server/api/error-handler";
import { expect } from "chai";
import { readImportFile } from "../../server/csv/import-file";
import { CsvFileError, rowProblemText } from "../../server/csv/problems";
import { templateCsv } from "../../server/csv/templates";
import { goodHarvestCsv, mixedHarvestCsv, MANGO_GTIN } from "./import-fixtures";
import { TEMPLATE_CONSIGNEE } from "../../server/csv/templates";
import type { ImportKind } from "../../server/csv/columns";
import type { OrgByName } from "../../server/csv/rows";
import { batchIdFor } from "../../server/domain/gs1";

/** The rows' problems as [{line, field, message}] in English. */
function problemsOf(kind: ImportKind, bytes: Buffer, orgByName?: OrgByName) {
  return readImportFile(kind, bytes, orgByName && { orgByName }).rows.flatMap((row) =>
    (row.problems ?? []).map((p) => ({ line: row.line, field: p.field, message: rowProblemText(p, "en") })),
  );
}

const COUNTER_ID = "0b0c4c2e-6f4e-4d3b-9a51-2c1f0e7d9a11";
/** The organisations a shipment file may name by name: one counter, and two carriers of one name. */
const orgByName: OrgByName = (name) => (name === "福田区消费扶贫专柜" ? { id: COUNTER_ID } : name === "顺丰冷运" ? "ambiguous" : "unknown");

function refusal(kind: ImportKind, bytes: Buffer): CsvFileError {
  try {
    readImportFile(kind, bytes);
  } catch (error) {
    expect(error).to.be.instanceOf(CsvFileError);
    return error as CsvFileError;
  }
  return expect.fail("the file was accepted");
}

const harvestRequest = (lot: string, extra: Record<string, unknown> = {}) => ({
  type: "harvest",
  body: {
    product: { name: "乐业猕猴桃", gtin: MANGO_GTIN },
    lot,
    origin: { countyCode: "451028" },
    quantity: { amount: 1, unit: "kg" },
    harvestedAt: "2026-06-01T08:00:00+08:00",
    ...extra,
  },
});

describe("CSV import files", function () {
  it("reads a file with BOM, CRLF, quoted commas and line breaks, and finds exactly the bad rows", function () {
    const file = mixedHarvestCsv("MX");
    const read = readImportFile("harvest", file.bytes);
    expect(read.rows.map((r) => r.line)).to.deep.equal([2, 3, 4, 5, 6, 8, 10, 11]);
    expect(problemsOf("harvest", file.bytes)).to.deep.equal(file.rowProblems.map(({ line, field, message }) => ({ line, field, message })));

    const good = read.rows.filter((r) => r.request).map((r) => r.request);
    // Line 4's county code 999999 is for the ledger's rules to refuse; line 8 repeats line 2's
    // lot: only the import as a whole sees either.
    expect(good).to.have.length(5);
    expect(good[0]).to.deep.equal({
      type: "harvest",
      body: {
        product: { name: "田阳香芒", gtin: MANGO_GTIN, variety: "台农一号" },
        lot: "MX-01",
        origin: { countyCode: "451003", village: "那坡镇", base: "田阳芒果供深基地" },
        quantity: { amount: 1200, unit: "kg" },
        harvestedAt: "2026-06-01T08:00:00+08:00",
        notes: "第一批,早熟",
      },
    });
    expect((good[1] as { body: { origin: object } }).body.origin).to.deep.equal({ countyCode: "999999" });
    const multiLine = good[2] as { body: { notes: string; quantity: object; harvestedAt: string } };
    expect(multiLine.body.notes).to.equal("两行\n备注");
    expect(multiLine.body.quantity).to.deep.equal({ amount: 1500, unit: "t" });
    expect(multiLine.body.harvestedAt).to.equal("2026-06-03T08:00:00+08:00");
    const last = good[4] as { body: { quantity: object; harvestedAt: string } };
    expect(last.body.quantity).to.deep.equal({ amount: 20, unit: "jin" });
    expect(last.body.harvestedAt, "a date alone stays a date, a day in China").to.equal("2026-06-03");
  });

  it("keeps a date alone as a plain date in every form Excel writes it, and a date with a time as China time", function () {
    const dates: Array<[string, string]> = [
      ["2026-07-15", "2026-07-15"],
      ["2026/7/15", "2026-07-15"],
      ["２０２６－０７－１５", "2026-07-15"],
      ["2026/7/15 8:05", "2026-07-15T08:05:00+08:00"],
      ["2026-07-15 08:00:30", "2026-07-15T08:00:30+08:00"],
      ["2026-07-15T08:00:00Z", "2026-07-15T08:00:00Z"],
    ];
    for (const [cell, expected] of dates) {
      const csv = `product,gtin,lot,countyCode,quantity,unit,harvestedAt\n乐业猕猴桃,${MANGO_GTIN},D-1,451028,1,kg,${cell}\n`;
      const [row] = readImportFile("harvest", Buffer.from(csv)).rows;
      expect((row.request as { body: { harvestedAt: string } } | undefined)?.body.harvestedAt, cell).to.equal(expected);
    }
  });

  it("names the county by an optional column, and reads a counted unit's weight as the batch's conversion", function () {
    const csv = [
      "产品名称,商品条码,批次号,县区代码,县区名称,数量,单位,每件重量,计件单位,采收时间",
      `田阳香芒,${MANGO_GTIN},CV-1,451003,海淀区,1200,公斤,5,箱,2026-06-01`,
      `田阳香芒,${MANGO_GTIN},CV-2,451003,,240,箱,5,,2026-06-01`,
      `田阳香芒,${MANGO_GTIN},CV-3,451003,,1200,kg,5,,2026-06-01`,
      `田阳香芒,${MANGO_GTIN},CV-4,451003,,1200,kg,,箱,2026-06-01`,
      `田阳香芒,${MANGO_GTIN},CV-5,451003,,1200,kg,5,公斤,2026-06-01`,
      `田阳香芒,${MANGO_GTIN},CV-6,451003,,1200,kg,0,箱,2026-06-01`,
    ].join("\n");
    const rows = readImportFile("harvest", Buffer.from(csv)).rows;
    // A name that disagrees with the code is for the rules to refuse, as the API does.
    expect(rows[0].request).to.deep.nested.include({ "body.origin": { countyCode: "451003", county: "海淀区" }, "body.conversion": { unit: "box", kg: 5 } });
    expect(rows[1].request).to.deep.nested.include({ "body.conversion": { unit: "box", kg: 5 } });
    expect(problemsOf("harvest", Buffer.from(csv))).to.deep.equal([
      { line: 4, field: "计件单位", message: "is needed when 每件重量 is given" },
      { line: 5, field: "每件重量", message: "is needed when 计件单位 is given" },
      { line: 6, field: "计件单位", message: "must be one of: box (箱), piece (件), crate (筐), bag (袋)" },
      { line: 7, field: "每件重量", message: "must be more than 0" },
    ]);
  });

  it("takes English headers in any case, without BOM, with LF, and columns in any order", function () {
    const csv = "Lot,HarvestedAt,GTIN,Product,countycode,Quantity,UNIT\nEN-1,2026-06-01 08:00,06901234567892,乐业猕猴桃,451028,1,kg\n";
    expect(readImportFile("harvest", Buffer.from(csv)).rows).to.deep.equal([{ line: 2, request: harvestRequest("EN-1") }]);
  });

  it("reads a file Excel saved as plain CSV on a Chinese Windows (GB18030)", function () {
    const utf8 = "产品名称,商品条码,批次号,县区代码,数量,单位,采收时间\r\n乐业猕猴桃,06901234567892,GB-1,451028,1,公斤,2026-06-01 08:00\r\n";
    const bytes = gbBytes(utf8);
    expect(bytes.length).to.be.lessThan(Buffer.byteLength(utf8)); // two bytes a character, not UTF-8's three
    expect(readImportFile("harvest", bytes).rows).to.deep.equal([{ line: 2, request: harvestRequest("GB-1") }]);
  });

  it("names a row's line by where it starts, counting blank lines and quoted line breaks", function () {
    const csv = `gtin,lot,consignee,from,to,shippedAt,notes\r\n\r\n06901234567892,S-1,${COUNTER_ID},百色,深圳,2026-06-02 06:00,"a\r\nb\r\nc"\r\n06901234567892,S-2,${COUNTER_ID},百色,,2026-06-02 06:00,\r\n`;
    expect(problemsOf("shipment", Buffer.from(csv))).to.deep.equal([{ line: 6, field: "to", message: "is required" }]);
  });

  it("maps a shipment row to an event on the batch its GTIN and lot name: the consignee by name, temperatures and quantity as numbers", function () {
    const csv = [
      "商品条码,批次号,收货方,数量,单位,发出地,目的地,车辆,最低温度,最高温度,发运时间,备注",
      "6901234567892,TY-1,福田区消费扶贫专柜,300,公斤,百色市田阳区,深圳市福田区,桂L·12345,－2℃,8 °C,2026-06-02 06:00,冷链",
      `6901234567892,TY-2,0x00000000000000000000000000000000000000Aa,,,百色市田阳区,深圳市福田区,,,,2026-06-02,`,
    ].join("\n");
    const [row, byAddress] = readImportFile("shipment", Buffer.from(csv), { orgByName }).rows;
    expect(row.request).to.deep.equal({
      type: "event",
      batchId: batchIdFor(MANGO_GTIN, "TY-1"),
      body: {
        type: "shipment",
        consignee: COUNTER_ID,
        quantity: { amount: 300, unit: "kg" },
        from: "百色市田阳区",
        to: "深圳市福田区",
        vehicle: "桂L·12345",
        temperature: { min: -2, max: 8 },
        shippedAt: "2026-06-02T06:00:00+08:00",
        notes: "冷链",
      },
    });
    // No quantity: all the holder (the writer) holds. An address is taken as written; a date stays a date.
    expect(byAddress.request).to.deep.nested.include({ "body.consignee": "0x00000000000000000000000000000000000000Aa", "body.shippedAt": "2026-06-02" });
    expect(byAddress.request).not.to.have.nested.property("body.quantity");
  });

  it("refuses a consignee no organisation or several are named, or none at all, and a quantity without its unit", function () {
    const csv = [
      "gtin,lot,consignee,quantity,unit,from,to,shippedAt",
      "06901234567892,TY-1,福田区专柜,,,百色,深圳,2026-06-02",
      "06901234567892,TY-1,顺丰冷运,,,百色,深圳,2026-06-02",
      "06901234567892,TY-1,,,,百色,深圳,2026-06-02",
      "06901234567892,TY-1,福田区消费扶贫专柜,300,,百色,深圳,2026-06-02",
      "06901234567892,TY-1,福田区消费扶贫专柜,,箱,百色,深圳,2026-06-02",
      "06901234567892,TY-1,福田区消费扶贫专柜,-3,箱,百色,深圳,2026-06-02",
      "06901234567892,TY-1,福田区消费扶贫专柜,3,筐子,百色,深圳,2026-06-02",
    ].join("\n");
    expect(problemsOf("shipment", Buffer.from(csv), orgByName)).to.deep.equal([
      { line: 2, field: "consignee", message: "no organisation of this gateway is named “福田区专柜”: write its exact name, its id or its address" },
      { line: 3, field: "consignee", message: "several organisations are named “顺丰冷运”: write its id or address instead" },
      { line: 4, field: "consignee", message: "is required" },
      { line: 5, field: "unit", message: "is needed when quantity is given" },
      { line: 6, field: "quantity", message: "is needed when unit is given" },
      { line: 7, field: "quantity", message: "must be more than 0" },
      { line: 8, field: "unit", message: "must be one of: kg (公斤), t (吨), jin (斤), box (箱), piece (件), crate (筐), bag (袋)" },
    ]);
  });

  it("finds each kind of cell problem, in the columns' order, one per column", function () {
    const csv = [
      "gtin,lot,consignee,from,to,minTemperature,maxTemperature,shippedAt",
      `6.90123E+12,TY-1,${COUNTER_ID},百色,深圳,5,,2026-06-02 06:00`,
      `06901234567892,TY 1,${COUNTER_ID},百色,深圳,12,8,2026-02-30 06:00`,
      `06901234567892,TY-1,${COUNTER_ID},百色,深圳,-70,80,yesterday`,
      `06901234567892,TY-1,${COUNTER_ID},${"长".repeat(201)},深圳,,,2026-06-02T06:00:00Z,extra`,
    ].join("\n");
    const dateForms = "must be a date such as 2026-07-15 or a date and time such as 2026-07-15 08:00 (China time), or ISO 8601 with an offset";
    expect(problemsOf("shipment", Buffer.from(csv))).to.deep.equal([
      { line: 2, field: "gtin", message: "was shortened by Excel into a number such as 6.90123E+12: format the column as text and type the code again" },
      { line: 2, field: "maxTemperature", message: "is needed when minTemperature is given" },
      { line: 3, field: "lot", message: "must be 1 to 20 letters, digits or GS1 symbols" },
      { line: 3, field: "minTemperature", message: "must not be above the highest temperature" },
      { line: 3, field: "shippedAt", message: dateForms },
      { line: 4, field: "minTemperature", message: "must be at least -60" },
      { line: 4, field: "maxTemperature", message: "must be at most 60" },
      { line: 4, field: "shippedAt", message: dateForms },
      { line: 5, field: "column 9", message: "has a value but its column has no name" },
    ]);
    const longFrom = `06901234567892,TY-1,${COUNTER_ID},${"长".repeat(201)},深圳,,,2026-06-02 06:00`;
    expect(problemsOf("shipment", Buffer.from(`gtin,lot,consignee,from,to,minTemperature,maxTemperature,shippedAt\n${longFrom}\n`))).to.deep.equal([
      { line: 2, field: "from", message: "must be at most 200 characters" },
    ]);
  });

  it("refuses a file that is not a CSV of the kind, naming the field or the column", function () {
    const cases: Array<[ImportKind, Buffer, string, string]> = [
      ["harvest", Buffer.alloc(0), "file", "empty_file"],
      ["harvest", Buffer.from("\uFEFF\r\n\r\n"), "file", "empty_file"],
      ["harvest", Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff]), "file", "not_text"],
      ["harvest", Buffer.from([0xff, 0xfe, 0x41, 0x00]), "file", "not_text"],
      ["harvest", Buffer.from('product,gtin,lot,countyCode,quantity,unit,harvestedAt\n"unclosed,1,2,3,4,5,6\n'), "file", "bad_csv"],
      ["harvest", Buffer.from("product,gtin,lot,countyCode,quantity,unit,harvestedAt\n"), "file", "no_rows"],
      ["harvest", Buffer.from("product,gtin,lot,countyCode,quantity,harvestedAt\nx,1,2,3,4,5\n"), "单位", "missing_column"],
      ["harvest", Buffer.from("product,gtin,lot,countyCode,quantity,unit,harvestedAt,批号\nx,1,2,3,4,5,6,7\n"), "批号", "unknown_column"],
      ["harvest", Buffer.from("product,gtin,lot,countyCode,quantity,unit,harvestedAt,批次号\nx,1,2,3,4,5,6,7\n"), "批次号", "repeated_column"],
      ["harvest", Buffer.from("product,,gtin,lot,countyCode,quantity,unit,harvestedAt\nx,1,2,3,4,5,6,7\n"), "column 2", "unnamed_column"],
      ["shipment", mixedHarvestCsv("X").bytes, "产品名称", "unknown_column"],
    ];
    for (const [kind, bytes, field, problem] of cases) {
      const error = refusal(kind, bytes);
      expect({ field: error.field, problem: error.problem }, bytes.toString()).to.deep.equal({ field, problem });
      expect(httpStatusOf(error)).to.equal(400);
      expect(error.fields).to.deep.equal([{ field, message: error.fields[0].message }]);
    }
  });

  it("reads 10,000 rows", function () {
    const rows = readImportFile("harvest", goodHarvestCsv("N", 10_000)).rows;
    expect(rows).to.have.length(10_000);
    expect(rows.every((r) => r.request)).to.equal(true);
    expect(rows[9_999].line).to.equal(10_001);
  });

  it("makes templates Excel opens in Chinese (UTF-8 BOM, CRLF) that read back as one good row", function () {
    const counter: OrgByName = (name) => (name === TEMPLATE_CONSIGNEE ? { id: COUNTER_ID } : "unknown");
    for (const kind of ["harvest", "shipment"] as const) {
      const template = templateCsv(kind);
      expect([...template.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
      expect(template.toString("utf8")).to.contain("\r\n").and.to.contain("批次号");
      const read = readImportFile(kind, template, { orgByName: counter });
      expect(read.rows).to.have.length(1);
      expect(read.rows[0].problems).to.equal(undefined);
    }
    expect(templateCsv("harvest").toString("utf8")).to.contain("县区名称").and.to.contain("每件重量").and.to.contain("计件单位");
    expect(templateCsv("shipment").toString("utf8")).to.match(/^\uFEFF商品条码,批次号,收货方,数量,单位,/);
    const harvestRequest = readImportFile("harvest", templateCsv("harvest")).rows[0].request as { body: Record<string, unknown> };
    expect(harvestRequest.body.conversion).to.deep.equal({ unit: "box", kg: 5 });
  });
});

/** The GB18030 bytes of a text of ASCII and common Chinese characters (Node encodes only UTF-8). */
function gbBytes(text: string): Buffer {
  const decoder = new TextDecoder("gb18030");
  const table = new Map<string, number[]>();
  // Search the two-byte GBK range for each character the text needs.
  const needed = new Set([...text].filter((c) => c.charCodeAt(0) > 0x7f));
  for (let lead = 0x81; lead <= 0xfe && table.size < needed.size; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      const c = decoder.decode(Uint8Array.from([lead, trail]));
      if (needed.has(c) && !table.has(c)) table.set(c, [lead, trail]);
    }
  }
  return Buffer.from([...text].flatMap((c) => table.get(c) ?? [c.charCodeAt(0)]));
}
