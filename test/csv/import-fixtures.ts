/** CSV files for the import tests: harvest and shipment files with good and bad rows, as Excel users write them. */

export const MANGO_GTIN = "06901234567892";

const HEADER = "产品名称,品种,商品条码,批次号,县区代码,乡镇村,基地,数量,单位,采收时间,备注";

/** A problem as the import API reports it: line, column, code and its words in English and Chinese. */
export interface ReportedProblem {
  line: number;
  field: string;
  code: string;
  message: string;
  zh: string;
}

/**
 * A harvest file (UTF-8 with BOM, CRLF) of 8 data rows, 3 good: a quoted note with a comma, a
 * note over two lines, "1,500" as a number, a blank line and a row of empty cells (both
 * skipped). Lots are `${prefix}-01`…; the bad rows and their problems are in `rowProblems`
 * (each row on its own), `ruleProblems` (the ledger's rules) and `duplicate` (the file's rows together).
 */
export function mixedHarvestCsv(prefix: string) {
  const lines = [
    HEADER,
    `田阳香芒,台农一号,${MANGO_GTIN},${prefix}-01,451003,那坡镇,田阳芒果供深基地,1200,公斤,2026-06-01 08:00,"第一批,早熟"`,
    `田阳香芒,台农一号,06901234567893,${prefix}-02,451003,,,1200,kg,2026-06-01 08:00,`,
    `田阳香芒,,${MANGO_GTIN},${prefix}-03,999999,,,800,kg,2026/6/2 9:30,`,
    `,,${MANGO_GTIN},${prefix}-04,451003,,,0,箱,2026-06-31 08:00,`,
    `田阳香芒,,${MANGO_GTIN},${prefix}-05,451003,,,"1,500",吨,2026-06-03T08:00:00+08:00,"两行
备注"`,
    `田阳香芒,,${MANGO_GTIN},${prefix}-01,451003,,,10,kg,2026-06-03 08:00,`,
    ``,
    `田阳香芒,,${MANGO_GTIN},${prefix}-07,451003,,,10,筐子,2026-06-03 08:00,`,
    `田阳香芒,贵妃芒,${MANGO_GTIN},${prefix}-08,451003,百育镇,,２０,斤,2026/6/3,`,
    `,,,,,,,,,,`,
  ];
  const text = `\uFEFF${lines.join("\r\n")}\r\n`;
  const dateForms = {
    message: "must be a date such as 2026-07-15 or a date and time such as 2026-07-15 08:00 (China time), or ISO 8601 with an offset",
    zh: "请写成 2026-07-15 这样的日期，或 2026-07-15 08:00 这样的日期时间（北京时间）",
  };
  return {
    bytes: Buffer.from(text, "utf8"),
    totalRows: 8,
    goodLots: [`${prefix}-01`, `${prefix}-05`, `${prefix}-08`],
    /** What the CSV layer alone finds (each row on its own). */
    rowProblems: [
      { line: 3, field: "商品条码", code: "bad_gtin", message: "must be a GTIN-8, -12, -13 or -14 with a correct check digit", zh: "商品条码位数或校验位不对" },
      { line: 5, field: "产品名称", code: "required", message: "is required", zh: "必填" },
      { line: 5, field: "数量", code: "not_positive", message: "must be more than 0", zh: "必须大于 0" },
      { line: 5, field: "采收时间", code: "not_a_time", ...dateForms },
      {
        line: 10,
        field: "单位",
        code: "not_in_list",
        message: "must be one of: kg (公斤), t (吨), jin (斤), box (箱), piece (件), crate (筐), bag (袋)",
        zh: "须为以下之一：kg (公斤), t (吨), jin (斤), box (箱), piece (件), crate (筐), bag (袋)",
      },
    ] as ReportedProblem[],
    /** What the ledger's rules find, in their own words (the API's for the same harvest). */
    ruleProblems: [
      { line: 4, field: "县区代码", code: "refused", message: "999999 is not a GB/T 2260 county-level code", zh: "999999 不是县级行政区划代码" },
    ] as ReportedProblem[],
    /** The row that names the batch of line 2 again: bad only for the whole import. */
    duplicate: { line: 8, field: "批次号", code: "duplicate", message: "names the same batch as line 2", zh: "与第 2 行是同一批次" } as ReportedProblem,
  };
}

/** Every problem of the mixed file, in line order, as the import reports them. */
export function mixedHarvestProblems(prefix: string): ReportedProblem[] {
  const file = mixedHarvestCsv(prefix);
  return [...file.rowProblems, ...file.ruleProblems, file.duplicate].sort((a, b) => a.line - b.line);
}

/** A harvest file of `count` good rows, lots `${prefix}${n}` (n from 1), English headers, LF. */
export function goodHarvestCsv(prefix: string, count: number): Buffer {
  const rows = ["product,gtin,lot,countyCode,quantity,unit,harvestedAt"];
  for (let n = 1; n <= count; n++) rows.push(`乐业猕猴桃,${MANGO_GTIN},${prefix}${n},451028,${n},kg,2026-06-01 08:00`);
  return Buffer.from(`${rows.join("\n")}\n`, "utf8");
}

export const SHIPMENT_HEADER = "商品条码,批次号,收货方,数量,单位,发出地,目的地,车辆,最低温度,最高温度,发运时间,备注";

/** A shipment row of the mango GTIN: `consignee` by name, id or address; quantity empty ships all. */
export function shipmentRow(lot: string, consignee: string, { amount = "", unit = "", shippedAt = "2026-06-02 06:00" } = {}): string {
  return `${MANGO_GTIN},${lot},${consignee},${amount},${unit},百色市田阳区,深圳市福田区,桂L·12345,8,12,${shippedAt},`;
}

/** A CSV file (UTF-8 with BOM, CRLF) of these lines. */
export function csvBytes(lines: string[]): Buffer {
  return Buffer.from(`\uFEFF${lines.join("\r\n")}\r\n`, "utf8");
}
