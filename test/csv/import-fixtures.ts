/** CSV files for the import tests: a harvest file with good and bad rows, as Excel users write them. */

export const MANGO_GTIN = "06901234567892";

const HEADER = "产品名称,品种,商品条码,批次号,县区代码,乡镇村,基地,数量,单位,采收时间,备注";

/**
 * A harvest file (UTF-8 with BOM, CRLF) of 8 data rows, 3 good: a quoted note with a comma, a
 * note over two lines, "1,500" as a number, a blank line and a row of empty cells (both
 * skipped). Lots are `${prefix}-01`…; the bad rows and their problems are in `problems`.
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
    `田阳香芒,贵妃芒,${MANGO_GTIN},${prefix}-08,451003,百育镇,,２０,斤,2026/6/3 8:00,`,
    `,,,,,,,,,,`,
  ];
  const text = `\uFEFF${lines.join("\r\n")}\r\n`;
  return {
    bytes: Buffer.from(text, "utf8"),
    totalRows: 8,
    goodLots: [`${prefix}-01`, `${prefix}-05`, `${prefix}-08`],
    /** What the CSV layer alone finds (each row on its own). */
    rowProblems: [
      { line: 3, field: "商品条码", message: "must be a GTIN-8, -12, -13 or -14 with a correct check digit" },
      { line: 4, field: "县区代码", message: "is not a county code of GB/T 2260" },
      { line: 5, field: "产品名称", message: "is required" },
      { line: 5, field: "数量", message: "must be more than 0" },
      { line: 5, field: "采收时间", message: "must be a date and time such as 2026-06-01 08:00 (China time) or ISO 8601 with an offset" },
      { line: 10, field: "单位", message: "must be one of: kg (公斤), t (吨), jin (斤), box (箱), piece (件), crate (筐), bag (袋)" },
    ],
    /** The row that names the batch of line 2 again: bad only for the whole import. */
    duplicate: { line: 8, field: "批次号", message: "names the same batch as line 2" },
  };
}

/** Every problem of the mixed file, in line order, as the import reports them. */
export function mixedHarvestProblems(prefix: string) {
  const file = mixedHarvestCsv(prefix);
  return [...file.rowProblems, file.duplicate].sort((a, b) => a.line - b.line);
}

/** A harvest file of `count` good rows, lots `${prefix}${n}` (n from 1), English headers, LF. */
export function goodHarvestCsv(prefix: string, count: number): Buffer {
  const rows = ["product,gtin,lot,countyCode,quantity,unit,harvestedAt"];
  for (let n = 1; n <= count; n++) rows.push(`乐业猕猴桃,${MANGO_GTIN},${prefix}${n},451028,${n},kg,2026-06-01 08:00`);
  return Buffer.from(`${rows.join("\n")}\n`, "utf8");
}
