/**
 * The words the shopper page adds to the pages' tables (html/i18n.ts): lineage links, a
 * certificate's validity in the journey, harvest photos, whom to contact and how to report a
 * problem. Kept beside the page that alone shows them; `en` must have every key `zh` has.
 */
import type { Lang } from "../html/i18n";
import type { CertificateState } from "../services/batches/provenance-view";

const zh = {
  productBatches: "本产品的全部批次",
  madeFrom: "制成本批次的原料批次",
  splitFrom: "分装自",
  mergedWith: "合并了这些批次",
  certificateState: { upcoming: "尚未生效", valid: "有效", expired: "已过期", revoked: "已撤销" } as Record<CertificateState, string>,
  validFromUntil: (from: string, until: string) => `有效期 ${from} 至 ${until}`,
  photoAlt: (n: number, lot: string) => `批次 ${lot} 的采收照片（第 ${n} 张）`,
  contactTitle: "联系与问题反馈",
  contactPerson: "联系人",
  phone: "电话",
  address: "地址",
  noContact: "尚未公开联系方式。",
  programmeOffice: "消费帮扶办公室",
  reportTitle: "问题反馈",
  reportIntro: "对产品或本页的信息有疑问、发现问题？请直接联系生产方或消费帮扶办公室，并说明批次号",
  call: (who: string) => `致电${who}`,
  text: (who: string) => `给${who}发短信`,
  reportMessage: (lot: string, gtin: string) => `问题反馈：批次 ${lot}（商品条码 ${gtin}）`,
  noWayToReport: "暂时没有可用的联系方式，请向售卖方反映，并告知批次号",
};

export type ShopperTexts = typeof zh;

const en: ShopperTexts = {
  productBatches: "All batches of this product",
  madeFrom: "Made from these batches",
  splitFrom: "Packed from",
  mergedWith: "Merged with",
  certificateState: { upcoming: "Not yet in effect", valid: "Valid", expired: "Expired", revoked: "Revoked" },
  validFromUntil: (from: string, until: string) => `valid from ${from} until ${until}`,
  photoAlt: (n: number, lot: string) => `Harvest photo ${n} of batch ${lot}`,
  contactTitle: "Contact and report a problem",
  contactPerson: "Contact person",
  phone: "Phone",
  address: "Address",
  noContact: "No contact details published yet.",
  programmeOffice: "Consumption-aid programme office (消费帮扶)",
  reportTitle: "Report a problem",
  reportIntro: "A question or a problem with this produce or this page? Contact the producer or the programme office directly, and give the lot",
  call: (who: string) => `Call ${who}`,
  text: (who: string) => `Text ${who}`,
  reportMessage: (lot: string, gtin: string) => `Problem report: lot ${lot} (GTIN ${gtin})`,
  noWayToReport: "No contact is available yet, so tell the seller, and give the lot",
};

export const SHOPPER_TEXTS: Record<Lang, ShopperTexts> = { zh, en };
