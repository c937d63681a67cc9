/** The CSV layer: reading files as Excel writes them, headers, rows to API requests, templates. */
import { httpStatusOf } from "../../server/api/error-handler";
import { expect } from "chai";
import { readImportFile } from "../../server/csv/import-file";
import { CsvFileError, rowProblemText } from "../../server/csv/problems";
import { templateCsv } from "../../server/csv/templates";
import { goodHarvestCsv, mixedHarvestCsv, MANGO_GTIN } from "./import-fixtures";
import type { ImportKind } from "../../server/csv/columns";
import { batchIdFor } from "../../server/domain/gs1";

/** The rows' problems as [{line, field, message}] in English. */
function problemsOf(kind: ImportKind, bytes: Buffer) {
  return readImportFile(kind, bytes).rows.flatMap((row) =>
    (row.problems ?? []).map((p) => ({ line: row.line, field: p.field, message: rowProblemText(p, "en") })),
  );
}

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
    origin: { countyCode: "451028", county: "百色市乐业县" },
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
    expect(problemsOf("harvest", file.bytes)).to.deep.equal(file.rowProblems);

    const good = read.rows.filter((r) => r.request).map((r) => r.request);
    expect(good).to.have.length(4); // line 8 repeats line 2's lot: only the import as a whole sees that
    expect(good[0]).to.deep.equal({
      type: "harvest",
      body: {
        product: { name: "田阳香芒", gtin: MANGO_GTIN, variety: "台农一号" },
        lot: "MX-01",
        origin: { countyCode: "451003", county: "百色市田阳区", village: "那坡镇", base: "田阳芒果供深基地" },
        quantity: { amount: 1200, unit: "kg" },
        harvestedAt: "2026-06-01T08:00:00+08:00",
        notes: "第一批,早熟",
      },
    });
    expect(good[1]).to.deep.include({ type: "harvest" });
    const multiLine = good[1] as { body: { notes: string; quantity: object; harvestedAt: string } };
    expect(multiLine.body.notes).to.equal("两行\n备注");
    expect(multiLine.body.quantity).to.deep.equal({ amount: 1500, unit: "t" });
    expect(multiLine.body.harvestedAt).to.equal("2026-06-03T08:00:00+08:00");
    const last = good[3] as { body: { quantity: object; harvestedAt: string } };
    expect(last.body.quantity).to.deep.equal({ amount: 20, unit: "jin" });
    expect(last.body.harvestedAt).to.equal("2026-06-03T08:00:00+08:00");
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
    const csv = 'gtin,lot,from,to,shippedAt,notes\r\n\r\n06901234567892,S-1,百色,深圳,2026-06-02 06:00,"a\r\nb\r\nc"\r\n06901234567892,S-2,百色,,2026-06-02 06:00,\r\n';
    expect(problemsOf("shipment", Buffer.from(csv))).to.deep.equal([{ line: 6, field: "to", message: "is required" }]);
  });

  it("maps a shipment row to an event on the batch its GTIN and lot name, temperatures as numbers", function () {
    const csv = "商品条码,批次号,发出地,目的地,车辆,最低温度,最高温度,发运时间,备注\n6901234567892,TY-1,百色市田阳区,深圳市福田区,桂L·12345,－2℃,8 °C,2026-06-02 06:00,冷链\n";
    const [row] = readImportFile("shipment", Buffer.from(csv)).rows;
    expect(row.request).to.deep.equal({
      type: "event",
      batchId: batchIdFor(MANGO_GTIN, "TY-1"),
      body: {
        type: "shipment",
        from: "百色市田阳区",
        to: "深圳市福田区",
        vehicle: "桂L·12345",
        temperature: { min: -2, max: 8 },
        shippedAt: "2026-06-02T06:00:00+08:00",
        notes: "冷链",
      },
    });
  });

  it("finds each kind of cell problem, in the columns' order, one per column", function () {
    const csv = [
      "gtin,lot,from,to,minTemperature,maxTemperature,shippedAt",
      "6.90123E+12,TY-1,百色,深圳,5,,2026-06-02 06:00",
      "06901234567892,TY 1,百色,深圳,12,8,2026-02-30 06:00",
      "06901234567892,TY-1,百色,深圳,-70,80,yesterday",
      `06901234567892,TY-1,${"长".repeat(201)},深圳,,,2026-06-02T06:00:00Z,extra`,
    ].join("\n");
    expect(problemsOf("shipment", Buffer.from(csv))).to.deep.equal([
      { line: 2, field: "gtin", message: "was shortened by Excel into a number such as 6.90123E+12: format the column as text and type the code again" },
      { line: 2, field: "maxTemperature", message: "is needed when minTemperature is given" },
      { line: 3, field: "lot", message: "must be 1 to 20 letters, digits or GS1 symbols" },
      { line: 3, field: "minTemperature", message: "must not be above the highest temperature" },
      { line: 3, field: "shippedAt", message: "must be a date and time such as 2026-06-01 08:00 (China time) or ISO 8601 with an offset" },
      { line: 4, field: "minTemperature", message: "must be at least -60" },
      { line: 4, field: "maxTemperature", message: "must be at most 60" },
      { line: 4, field: "shippedAt", message: "must be a date and time such as 2026-06-01 08:00 (China time) or ISO 8601 with an offset" },
      { line: 5, field: "column 8", message: "has a value but its column has no name" },
    ]);
    const longFrom = "06901234567892,TY-1," + "长".repeat(201) + ",深圳,,,2026-06-02 06:00";
    expect(problemsOf("shipment", Buffer.from(`gtin,lot,from,to,minTemperature,maxTemperature,shippedAt\n${longFrom}\n`))).to.deep.equal([
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
    for (const kind of ["harvest", "shipment"] as const) {
      const template = templateCsv(kind);
      expect([...template.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
      expect(template.toString("utf8")).to.contain("\r\n").and.to.contain("批次号");
      const read = readImportFile(kind, template);
      expect(read.rows).to.have.length(1);
      expect(read.rows[0].problems).to.equal(undefined);
    }
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
