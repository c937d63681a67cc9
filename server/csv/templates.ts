/**
 * The CSV templates a member downloads, fills in with Excel and uploads: the header row in
 * Chinese and one example row, whose optional cells are empty where empty is the usual answer
 * (a shipment of all its holder holds; a county named by its code). They start with the UTF-8
 * byte order mark, without which Excel on a Chinese Windows reads UTF-8 as GBK and shows the
 * headers garbled.
 */
import { stringify } from "csv-stringify/sync";
import { COLUMNS, type ImportKind } from "./columns";

/** The example shipment's consignee: an organisation's exact name (or its id or address). */
export const TEMPLATE_CONSIGNEE = "福田区消费扶贫专柜";

const EXAMPLES: Record<ImportKind, Record<string, string>> = {
  harvest: {
    product: "田阳香芒",
    variety: "台农一号",
    gtin: "06901234567892",
    lot: "TY2026-001",
    countyCode: "451003",
    county: "",
    village: "那坡镇",
    base: "田阳芒果供深基地",
    quantity: "1200",
    unit: "公斤",
    unitWeightKg: "5",
    countedUnit: "箱",
    harvestedAt: "2026-06-01 08:00",
    notes: "示例行：请换成你的数据",
  },
  shipment: {
    gtin: "06901234567892",
    lot: "TY2026-001",
    consignee: TEMPLATE_CONSIGNEE,
    quantity: "",
    unit: "",
    from: "百色市田阳区",
    to: "深圳市福田区",
    vehicle: "桂L·12345",
    minTemperature: "8",
    maxTemperature: "12",
    shippedAt: "2026-06-02 06:00",
    notes: "示例行：请换成你的数据",
  },
};

export function templateCsv(kind: ImportKind): Buffer {
  const columns = COLUMNS[kind];
  const text = stringify([columns.map((c) => c.zh), columns.map((c) => EXAMPLES[kind][c.key] ?? "")], { bom: true, record_delimiter: "windows" });
  return Buffer.from(text, "utf8");
}
