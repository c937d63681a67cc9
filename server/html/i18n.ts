/**
 * The pages' two languages: Chinese by default, English when the visitor asks for it with
 * `?lang=en` (the visible switch) or prefers it in Accept-Language. Every word a page shows
 * comes from these tables, so the two languages cannot drift apart: `en` must have every key
 * `zh` has.
 */
import { isPlainDate, startOf } from "../domain/china-dates";

export type Lang = "zh" | "en";

const zh = {
  htmlLang: "zh-CN",
  siteName: "扶贫产品溯源",
  switchTo: "English",
  switchLang: "en" as Lang,
  product: "产品",
  variety: "品种",
  gtin: "商品条码 (GTIN)",
  lot: "批次号",
  serial: "单品码",
  origin: "产地",
  county: "县区",
  village: "乡镇/村",
  base: "基地",
  povertyCounty: "消费帮扶地区产品",
  producer: "生产合作社",
  harvested: "采收日期",
  quantity: "数量",
  journey: "溯源旅程",
  journeyIntro: "这一批次从产地到柜台的每一步，按时间先后排列。",
  colon: "：",
  listSeparator: "、",
  fromInputBatch: (lot: string) => `来自原料批次 ${lot}`,
  who: "经手方",
  where: "地点",
  when: "时间",
  unknownOrg: "未登记的机构",
  recallTitle: "召回警示",
  recallSelf: "本批次已被召回，请勿食用。",
  recallViaInputs: "本批次所用的原料批次已被召回，请勿食用。",
  recallReason: "召回原因",
  certTitle: "圳品认证",
  certStatus: { valid: "有效", expired: "已过期", revoked: "已撤销", none: "未获认证" } as Record<string, string>,
  certNotValidHint: "此认证目前无效，请勿视为圳品。",
  certViaInput: (lot: string) => `原料批次 ${lot} 持有圳品认证，但本批次没有单独认证。`,
  certificateNo: "证书编号",
  certifier: "认证机构",
  validity: "有效期",
  revokedReason: "撤销原因",
  verifyTitle: "区块链核验",
  verifySentence:
    "本页的每一步都写入了区块链：页面上的信息与链上记录的指纹逐一核对一致，任何人都无法事后删改。",
  verifyMismatch: "有记录与链上指纹不符，请谨慎对待本页信息。",
  verifiedEvent: "与链上记录一致",
  notHeldEvent: "链上有记录，详情不在本网关",
  mismatchEvent: "与链上记录不符",
  chainId: "链 ID",
  contract: "合约地址",
  transaction: "交易",
  block: "区块",
  head: "批次链头",
  eventCount: "链上事件数",
  liveCheck: "现在向区块链重新核验",
  deployBlock: "合约部署区块",
  batchId: "批次 ID",
  detail: "详情",
  auditTitle: "自己核验",
  auditIntro:
    "不必相信本网站：任何人都可以用本项目的命令行工具，直接向这条区块链逐条核对这一批次的记录（在项目代码的目录里运行；用 npm link 安装后也可写作 provenance audit …）。",
  rpcPlaceholder: "<链节点的RPC地址>",
  auditRpcNote: (placeholder: string) => `把 ${placeholder} 换成你能访问的这条链（链 ID 见上）的一个节点：本网关不公开它自己的节点。`,
  detailsNote: "每条记录的详情按它的数据哈希公开（内容的 keccak256 就是链上的哈希），全部详情也可按链上顺序批量读取",
  pendingEvents: (n: number) => `另有 ${n} 条记录正在写入区块链，写入后显示。`,
  signedOwnKey: "由该机构自己的密钥签名",
  signedCustodial: "由平台代该机构保管的密钥签名",
  signedUnknown: "签名者未在本平台登记",
  unitTitle: "单品核验",
  scans: (n: number) => `此单品码已被扫描 ${n} 次。`,
  counterfeitTitle: "疑似假冒",
  counterfeitUnissued: "这个单品码从未签发过。包装上的二维码可能是伪造的，请向售卖方或主办方核实。",
  counterfeitOverScanned: (n: number) =>
    `这个单品码已被扫描 ${n} 次，远超一件真实商品的扫描次数，标签可能被复制。请向售卖方或主办方核实。`,
  counterfeitManyPlaces: (clients: number, networks: number, days: number) =>
    `这个单品码已被 ${clients} 台不同的设备、在 ${days} 天里从 ${networks} 个不同的网络扫描过，远超一件真实商品，标签可能被复制。请向售卖方或主办方核实。`,
  genuineUnit: "这个单品码由本批次的生产或加工方签发，扫描次数正常。",
  unitUncheckedHere: "本网站是账本的只读副本，不保存单品码：以下是这一批次的完整溯源信息；单品码是否真实，请在签发它的网站上核验。",
  notFoundTitle: "没有找到这个产品",
  notFoundText: "这个二维码或链接不对应任何已上链的批次。请检查链接，或向售卖方咨询。",
  notFoundReason: "原因",
  reasons: {
    gtin: "商品条码无效（位数或校验位不对）",
    lot: "批次号无效",
    serial: "单品码无效",
    batchId: "批次编号无效",
    missing: "区块链上没有这个批次（或尚未写入完成）",
    path: "链接的格式不对",
  } as Record<string, string>,
  badSerials: (list: string) => `这些单品码不属于本批次：${list}`,
  serverError: "页面暂时无法显示，请稍后再试。",
  labelsTitle: "标签",
  labelShortCode: "查验码",
  labelStock: "标签纸",
  labelStockNames: { "a4-3x8": "A4 · 3 × 8（70 × 37 mm）", "a4-2x5": "A4 · 2 × 5（105 × 57 mm）", "60x40": "60 × 40 mm 单张（标签打印机）" } as Record<string, string>,
  labelPrintHint: "打印时：缩放选 100 %（“实际大小” / Actual size），边距选“无”（Margins: None），不打印页眉和页脚；纸张与所选标签纸一致。",
  badLabelStock: (value: string, known: string) => `没有这种标签纸：${value}（可选 ${known}）`,
  kinds: {
    harvest: "采收",
    processing: "加工",
    shipment: "运输",
    receipt: "收货",
    sale: "销售",
    recall: "召回",
    correction: "更正",
    certification: "圳品认证",
    revocation: "圳品认证撤销",
  } as Record<string, string>,
  steps: {
    sorting: "分拣",
    washing: "清洗",
    packing: "包装",
    grading: "分级",
    "cold-storage": "冷藏",
    other: "加工",
  } as Record<string, string>,
  channels: { counter: "消费帮扶专柜", store: "门店", online: "网上商城", "832-platform": "832 平台" } as Record<string, string>,
  units: { kg: "公斤", t: "吨", jin: "斤", box: "箱", piece: "件", crate: "筐", bag: "袋" } as Record<string, string>,
  temperature: "温度",
  photos: "照片",
  condition: "验收情况",
  facility: "加工点",
  splitInto: (n: number) => `分装为 ${n} 个新批次`,
  notes: "备注",
  madeInto: "由本批次制成的批次",
  timeZoneNote: "时间为北京时间。",
  remaining: "剩余",
  receiver: "收货方",
  certRecalled: "已召回：认证不再适用于这批产品",
  statusVoid: "已作废",
  statusSuperseded: "已更正",
  correctedBecause: (by: string, reason: string) => `${by}声明这条记录${reason ? `有误：${reason}` : "有误"}`,
  correctedTo: "更正后",
  correctsKind: (declaration: string, kind: string) => (declaration === "void" ? `声明一条${kind}记录作废` : `更正一条${kind}记录`),
  ruleBreak: "不符合账本规则",
  ruleBreaksBanner: (n: number) => `这一批次有 ${n} 条记录不符合账本规则（标在下面的记录上）。这些记录仍在链上，但它们所说的事情不可能发生。`,
  voidedTitle: "批次已作废",
  voidedText: "登记这个批次的记录已被声明作废：这个批次并不存在。",
};

export type Messages = typeof zh;

const en: Messages = {
  htmlLang: "en",
  siteName: "Poverty-alleviation produce trace",
  switchTo: "中文",
  switchLang: "zh",
  product: "Product",
  variety: "Variety",
  gtin: "GTIN",
  lot: "Lot",
  serial: "Unit code",
  origin: "Origin",
  county: "County",
  village: "Township / village",
  base: "Farm base",
  povertyCounty: "From a region the consumption-aid programme (消费帮扶) supports",
  producer: "Producing cooperative",
  harvested: "Harvested",
  quantity: "Quantity",
  journey: "Journey",
  journeyIntro: "Every step of this batch from the farm to the counter, in the order it happened.",
  colon: ": ",
  listSeparator: ", ",
  fromInputBatch: (lot: string) => `from input batch ${lot}`,
  who: "By",
  where: "Where",
  when: "When",
  unknownOrg: "an unregistered organisation",
  recallTitle: "Recall",
  recallSelf: "This batch has been recalled. Do not eat it.",
  recallViaInputs: "A batch this product was made from has been recalled. Do not eat it.",
  recallReason: "Reason",
  certTitle: "Shenzhen quality mark (圳品)",
  certStatus: { valid: "Valid", expired: "Expired", revoked: "Revoked", none: "Not certified" },
  certNotValidHint: "This certificate is not valid now: do not treat the product as 圳品.",
  certViaInput: (lot: string) => `The batch it was made from (${lot}) holds a 圳品 certificate; this batch has none of its own.`,
  certificateNo: "Certificate no.",
  certifier: "Certified by",
  validity: "Validity",
  revokedReason: "Reason for revocation",
  verifyTitle: "Checked against the blockchain",
  verifySentence:
    "Every step on this page is written on a blockchain: the facts shown match the fingerprints recorded there, one by one, and nobody can change them afterwards.",
  verifyMismatch: "Some records do not match the chain: treat this page with care.",
  verifiedEvent: "matches the chain",
  notHeldEvent: "on chain; details not held by this gateway",
  mismatchEvent: "does not match the chain",
  chainId: "Chain ID",
  contract: "Contract",
  transaction: "Transaction",
  block: "Block",
  head: "Batch head",
  eventCount: "Events on chain",
  liveCheck: "Check against the chain again now",
  deployBlock: "Deploy block",
  batchId: "Batch id",
  detail: "Detail",
  auditTitle: "Check it yourself",
  auditIntro:
    "You need not trust this site: anyone can check every record of this batch against the chain with the project's command-line tool (run it in a checkout of the project's code; provenance audit … once installed with npm link).",
  rpcPlaceholder: "<RPC URL of a chain node>",
  auditRpcNote: (placeholder: string) => `Replace ${placeholder} with a node of this chain (chain ID above) that you can reach: this gateway does not publish its own.`,
  detailsNote: "Each record's detail is public under its data hash (the keccak256 of its bytes is the hash on chain), and all of them in chain order, in bulk",
  pendingEvents: (n: number) => `${n} more ${n === 1 ? "record is" : "records are"} being written to the chain and will show once written.`,
  signedOwnKey: "signed with the organisation's own key",
  signedCustodial: "signed with a key the platform keeps for the organisation",
  signedUnknown: "signer not registered on this platform",
  unitTitle: "This unit",
  scans: (n: number) => `This unit's code has been scanned ${n} ${n === 1 ? "time" : "times"}.`,
  counterfeitTitle: "Possible counterfeit",
  counterfeitUnissued:
    "This unit code was never issued. The QR code on the pack may be fake: please check with the seller or the programme.",
  counterfeitOverScanned: (n: number) =>
    `This unit code has been scanned ${n} times, far more than a real pack would be: the label may have been copied. Please check with the seller or the programme.`,
  counterfeitManyPlaces: (clients: number, networks: number, days: number) =>
    `This unit code has been scanned by ${clients} different devices, from ${networks} different networks over ${days} days, far more than one real pack would be: the label may have been copied. Please check with the seller or the programme.`,
  genuineUnit: "This unit code was issued by the batch's producer or packer and has been scanned a normal number of times.",
  unitUncheckedHere: "This site is a read-only copy of the ledger and keeps no unit codes: below is the batch's whole journey; whether this unit's code is genuine is checked on the site that issued it.",
  notFoundTitle: "Product not found",
  notFoundText: "This QR code or link does not match any batch on the ledger. Check the link, or ask the seller.",
  notFoundReason: "Reason",
  reasons: {
    gtin: "the GTIN is not valid (wrong length or check digit)",
    lot: "the lot is not valid",
    serial: "the unit code is not valid",
    batchId: "the batch id is not valid",
    missing: "the ledger has no such batch (or it is not written yet)",
    path: "the link is not in a form we know",
  },
  badSerials: (list: string) => `these unit codes were not issued for this batch: ${list}`,
  serverError: "This page cannot be shown right now. Please try again later.",
  labelsTitle: "Labels",
  labelShortCode: "Check code",
  labelStock: "Label stock",
  labelStockNames: { "a4-3x8": "A4 · 3 × 8 (70 × 37 mm)", "a4-2x5": "A4 · 2 × 5 (105 × 57 mm)", "60x40": "60 × 40 mm, one a page (label printer)" },
  labelPrintHint: "To print: scale 100 % (“Actual size” / 实际大小), margins None (无), no headers and footers; paper the same as the chosen stock.",
  badLabelStock: (value: string, known: string) => `no such label stock: ${value} (${known})`,
  kinds: {
    harvest: "Harvest",
    processing: "Processing",
    shipment: "Shipment",
    receipt: "Receipt",
    sale: "Sale",
    recall: "Recall",
    correction: "Correction",
    certification: "圳品 certification",
    revocation: "圳品 certificate revoked",
  },
  steps: { sorting: "Sorting", washing: "Washing", packing: "Packing", grading: "Grading", "cold-storage": "Cold storage", other: "Processing" },
  channels: { counter: "consumption-aid counter", store: "store", online: "online", "832-platform": "832 platform" },
  units: { kg: "kg", t: "t", jin: "jin", box: "boxes", piece: "pieces", crate: "crates", bag: "bags" },
  temperature: "Temperature",
  photos: "Photos",
  condition: "Condition on receipt",
  facility: "Facility",
  splitInto: (n: number) => `split into ${n} new ${n === 1 ? "batch" : "batches"}`,
  notes: "Notes",
  madeInto: "Batches made from this one",
  timeZoneNote: "Times are China Standard Time.",
  remaining: "remaining",
  receiver: "Received by",
  certRecalled: "Recalled: the certificate no longer stands for this produce",
  statusVoid: "Void",
  statusSuperseded: "Corrected",
  correctedBecause: (by: string, reason: string) => `${by} declared this record wrong${reason ? `: ${reason}` : ""}`,
  correctedTo: "Corrected to",
  correctsKind: (declaration: string, kind: string) => (declaration === "void" ? `declared a ${kind.toLowerCase()} record void` : `corrected a ${kind.toLowerCase()} record`),
  ruleBreak: "Breaks a rule of the ledger",
  ruleBreaksBanner: (n: number) => `${n} ${n === 1 ? "record" : "records"} of this batch break a rule of the ledger (marked below). They are on the chain, but what they say could not have happened.`,
  voidedTitle: "Batch void",
  voidedText: "The record that created this batch was declared void: this batch does not exist.",
};

export const MESSAGES: Record<Lang, Messages> = { zh, en };

/**
 * The language of a page: `?lang=` when it names one of ours, else the first of zh or en in
 * Accept-Language by preference, else Chinese.
 */
export function chooseLanguage(queryLang: unknown, acceptLanguage: string | undefined): Lang {
  if (queryLang === "en" || queryLang === "zh") return queryLang;
  if (!acceptLanguage) return "zh";
  let best: { lang: Lang; q: number } | undefined;
  for (const part of acceptLanguage.slice(0, 500).split(",")) {
    const [tag, ...params] = part.trim().toLowerCase().split(";");
    const lang: Lang | undefined = tag.startsWith("zh") ? "zh" : tag.startsWith("en") ? "en" : undefined;
    if (!lang) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? "zh";
}

const dateTimeFormats: Record<Lang, Intl.DateTimeFormat> = {
  zh: new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", dateStyle: "medium", timeStyle: "short" }),
  en: new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Shanghai", dateStyle: "medium", timeStyle: "short" }),
};
const dateFormats: Record<Lang, Intl.DateTimeFormat> = {
  zh: new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", dateStyle: "long" }),
  en: new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Shanghai", dateStyle: "long" }),
};

/** A moment as people in China read it (China Standard Time); a plain date stays a date. */
export function formatDateTime(iso: string, lang: Lang): string {
  if (isPlainDate(iso)) return formatDate(iso, lang);
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTimeFormats[lang].format(date);
}

/** The China date of a moment, or a plain date as it is. */
export function formatDate(iso: string, lang: Lang): string {
  const date = new Date(isPlainDate(iso) ? startOf(iso) : iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormats[lang].format(date);
}
