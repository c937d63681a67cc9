/** The resolver's words, in Chinese and English: link titles, descriptions and its two small pages. */

export interface Bilingual {
  zh: string;
  en: string;
}

export const RESOLVER_TEXT = {
  batchPage: { zh: "溯源页面", en: "Provenance page" },
  unitPage: { zh: "单品溯源页面（核验单品码）", en: "Unit provenance page (checks the unit code)" },
  productPage: { zh: "该产品的批次", en: "This product's batches" },
  batchesList: { zh: "该产品在账本上的批次（JSON）", en: "This product's batches on the ledger (JSON)" },
  traceability: { zh: "溯源旅程（GS1 EPCIS 2.0 事件文档）", en: "The journey as a GS1 EPCIS 2.0 document" },
  recallStatus: { zh: "召回状态（JSON）", en: "Recall status (JSON)" },
  labels: { zh: "标签页（打印用）", en: "Label sheet (for printing)" },
  certificate: (certificateNo: string, revoked: boolean): Bilingual => ({
    zh: `圳品证书 ${certificateNo}${revoked ? "（已撤销）" : ""}`,
    en: `圳品 (Shenzhen Standard) certificate ${certificateNo}${revoked ? " (revoked)" : ""}`,
  }),
  productDescription: (gtin: string): Bilingual => ({ zh: `商品条码 ${gtin}`, en: `GTIN ${gtin}` }),
  /** The product page and the list of links (300 Multiple Choices, or no link of the type asked). */
  page: {
    zh: {
      productTitle: (name: string) => `${name} · 批次`,
      productIntro: (total: number) => `账本上有这个产品的 ${total} 个批次，最新的在前：`,
      moreBatches: (shown: number, total: number) => `只列出了最新的 ${shown} 个（共 ${total} 个）。全部批次：`,
      recalled: "已召回",
      machineLinks: "机器可读的链接",
      choicesTitle: "请选择一个链接",
      choicesIntro: (type: string) => `这个产品有多个“${type}”链接：`,
      noLinkTitle: "没有这种链接",
      noLinkIntro: (type: string) => `这个产品没有“${type}”链接。它有以下链接：`,
    },
    en: {
      productTitle: (name: string) => `${name} · batches`,
      productIntro: (total: number) => `The ledger holds ${total} batch(es) of this product, newest first:`,
      moreBatches: (shown: number, total: number) => `Only the newest ${shown} of ${total} are listed. All of them:`,
      recalled: "recalled",
      machineLinks: "Machine-readable links",
      choicesTitle: "Choose a link",
      choicesIntro: (type: string) => `There are several “${type}” links for this product:`,
      noLinkTitle: "No link of this type",
      noLinkIntro: (type: string) => `There is no “${type}” link for this product. These are its links:`,
    },
  },
  notFound: {
    zh: { noLinkType: (type: string) => `没有“${type}”类型的链接` },
    en: { noLinkType: (type: string) => `there is no link of type “${type}”` },
  },
} as const;
