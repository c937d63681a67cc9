/**
 * The words of the ledger's rules, in English and Chinese: every refusal a writer sees and every
 * mark a page or an audit puts on an event that breaks a rule. Each names who holds the batch
 * and what is missing, so the person refused knows what to do next.
 */
import type { Finding } from "./entries";

type Words = { en: string; zh: string };

const ROLE_WORDS: Record<string, Words> = {
  producer: { en: "cooperative", zh: "合作社" },
  processor: { en: "packing house", zh: "加工厂" },
  carrier: { en: "carrier", zh: "承运方" },
  retailer: { en: "counter", zh: "专柜" },
  admin: { en: "programme office", zh: "帮扶办" },
};

/** An organisation as a message names it. */
export interface Party {
  name: string;
  role?: string;
}

const listEn = (items: string[]) => (items.length <= 1 ? (items[0] ?? "nobody") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`);
const listZh = (items: string[]) => (items.length === 0 ? "无人" : items.join("、"));

function party(p: Party): Words {
  return { en: p.name, zh: p.name };
}

function role(p: Party): Words {
  return ROLE_WORDS[p.role ?? ""] ?? { en: "organisation", zh: "机构" };
}

export interface Held {
  party: Party;
  amount: string;
}

function holdersWords(holders: Held[], inTransitTo: Party[]): Words {
  if (holders.length === 0 && inTransitTo.length > 0) {
    return { en: `on its way to ${listEn(inTransitTo.map((p) => p.name))}`, zh: `正在运往${listZh(inTransitTo.map((p) => p.name))}` };
  }
  if (holders.length === 0) return { en: "held by nobody (all of it is sold or used)", zh: "已无人持有（已全部售出或用完）" };
  return {
    en: `held by ${listEn(holders.map((h) => `${h.party.name} (${h.amount})`))}`,
    zh: `现由${listZh(holders.map((h) => `${h.party.name}（${h.amount}）`))}持有`,
  };
}

type Build = Omit<Finding, "ref">;
const finding = (code: string, words: Words, field?: string): Build => ({ code, field, ...words });

export const RULES = {
  notReceived: (actor: Party, holders: Held[], inTransitTo: Party[], field?: string) => {
    const h = holdersWords(holders, inTransitTo);
    const r = role(actor);
    return finding("not_received", { en: `this ${r.en} (${actor.name}) has not received this batch: it is ${h.en}`, zh: `这个${r.zh}（${actor.name}）没有收到过这个批次：它${h.zh}` }, field);
  },
  notHolder: (actor: Party, holders: Held[], inTransitTo: Party[], field?: string) => {
    const h = holdersWords(holders, inTransitTo);
    return finding("not_holder", { en: `${actor.name} does not hold this batch any more: it is ${h.en}`, zh: `${actor.name}已不再持有这个批次：它${h.zh}` }, field);
  },
  stillInTransit: (actor: Party, field?: string) =>
    finding("in_transit", { en: `this batch is still on its way to ${actor.name}: record its receipt first`, zh: `这个批次还在运往${actor.name}的路上：请先登记收货` }, field),
  nothingShippedTo: (actor: Party, holders: Held[], inTransitTo: Party[]) => {
    const h = holdersWords(holders, inTransitTo);
    const r = role(actor);
    return finding("not_shipped_to", { en: `nothing of this batch was shipped to this ${r.en} (${actor.name}): it is ${h.en}`, zh: `这个批次没有发给这个${r.zh}（${actor.name}）：它${h.zh}` });
  },
  exceeds: (actor: Party, held: string, requested: string, field?: string) =>
    finding("exceeds_held", { en: `${actor.name} holds ${held} of this batch, less than the ${requested} recorded`, zh: `${actor.name}只持有这个批次 ${held}，少于登记的 ${requested}` }, field),
  unitMismatch: (batchUnit: string, unit: string, field?: string) =>
    finding("unit_mismatch", {
      en: `this batch is counted in ${batchUnit}; a quantity in ${unit} can only be checked if the batch states what one ${batchUnit === "kg" ? unit : batchUnit} weighs (e.g. 1 box = 5 kg)`,
      zh: `这个批次以“${unitZh(batchUnit)}”计量；要按“${unitZh(unit)}”登记，批次须写明每${unitZh(batchUnit === "kg" ? unit : batchUnit)}多重（例如 1 箱 = 5 公斤）`,
    }, field),
  recalledAncestor: (lot: string, reason: string | null, field?: string) =>
    finding("recalled_upstream", {
      en: `this batch was made from ${lot}, which is recalled${reason ? ` (${reason})` : ""}: it may not be shipped, processed or sold`,
      zh: `这个批次由批次 ${lot} 加工而来，该批次已召回${reason ? `（${reason}）` : ""}：不能再发运、加工或销售`,
    }, field),
  recalled: (field?: string) =>
    finding("recalled", { en: "this batch is recalled: nothing more is accepted but a correction", zh: "这个批次已召回：除更正外不能再登记" }, field),
  voidedBatch: (field?: string) =>
    finding("voided_batch", { en: "this batch's creation was declared void: it does not exist", zh: "这个批次的登记已被声明作废：批次不存在" }, field),
  shipToSelf: () =>
    finding("ship_to_self", { en: "a shipment goes to another organisation than the one it leaves", zh: "发运须发给另一个机构" }, "consignee"),
  consigneeMismatch: (onChain: string) =>
    finding("consignee_mismatch", {
      en: `the detail names another consignee than the chain, which names ${onChain}`,
      zh: `记录详情中的收货方与链上的收货方（${onChain}）不一致`,
    }, "consignee"),
  beforeHeld: (field: string, actor: Party, since: string) =>
    finding("before_held", { en: `${field} is before ${actor.name} had the batch (${since})`, zh: `${fieldZh(field)}早于${actor.name}拿到这个批次的时间（${since}）` }, field),
  beforeShipped: (field: string, shippedAt: string) =>
    finding("before_shipped", { en: `${field} is before the batch was shipped (${shippedAt})`, zh: `${fieldZh(field)}早于发运时间（${shippedAt}）` }, field),
  inFuture: (field: string) =>
    finding("in_future", { en: `${field} is in the future`, zh: `${fieldZh(field)}不能晚于现在` }, field),
  countyUnknown: (code: string, retired: boolean) =>
    finding("county_unknown", retired
      ? { en: `${code} is a retired GB/T 2260 code: choose the county's current code`, zh: `${code} 是已撤销的行政区划代码：请选择现行代码` }
      : { en: `${code} is not a GB/T 2260 county-level code`, zh: `${code} 不是县级行政区划代码` }, "origin.countyCode"),
  countyName: (name: string, code: string, official: string) =>
    finding("county_name", { en: `${name} is not the county ${code} names (${official})`, zh: `“${name}”与代码 ${code} 的县区（${official}）不符` }, "origin.county"),
  outputsExceed: (requested: string, available: string) =>
    finding("outputs_exceed", { en: `the new batches hold ${requested} in all, more than the ${available} drawn from the batches they are made from`, zh: `新批次共 ${requested}，超过了从原料批次取用的 ${available}` }, "outputs"),
  unitsUnchecked: (units: string[]) =>
    finding("units_unchecked", {
      en: `these units do not convert into each other (${units.join(", ")}): state what one counted unit weighs (conversion), or confirm that the quantities were checked by hand (quantitiesConfirmed)`,
      zh: `这些单位无法相互换算（${units.map(unitZh).join("、")}）：请写明每个计数单位的重量，或确认已人工核对数量`,
    }, "outputs"),
  correctionTarget: (ref: string) =>
    finding("correction_target", { en: `no earlier event of this batch is ${ref}`, zh: `这个批次之前没有 ${ref} 这条记录` }, "corrects"),
  correctionKind: (kind: string) =>
    finding("correction_kind", { en: `a ${kind} cannot be corrected (a recall stands; a correction is not corrected again)`, zh: `“${kindZh(kind)}”记录不能更正（召回不能撤销；更正不能再更正）` }, "corrects"),
  supersedeKind: (kind: string) =>
    finding("supersede_kind", { en: `a ${kind} can be declared void but not superseded`, zh: `“${kindZh(kind)}”记录只能作废，不能改写` }, "declaration"),
  alreadyVoid: () =>
    finding("already_void", { en: "this event is void already", zh: "这条记录已经作废" }, "corrects"),
  notCorrector: (signer: Party) =>
    finding("not_corrector", { en: `only the organisation that recorded the event (${signer.name}) or the programme office may correct it`, zh: `只有登记这条记录的机构（${signer.name}）或帮扶办可以更正它` }, "corrects"),
  replacementKind: (kind: string) =>
    finding("replacement_kind", { en: `the replacement must be a ${kind}, as the event it supersedes`, zh: `改写后的记录须与原记录同为“${kindZh(kind)}”` }, "replacement.type"),
  replacementBatch: () =>
    finding("replacement_batch", { en: "a replacement harvest keeps the batch's GTIN and lot", zh: "改写后的采收记录须保持原来的商品条码和批次号" }, "replacement.lot"),
  /** `later`: the event that would break, named so the writer can find it (e.g. "the receipt of 2026-06-03T09:00:00+08:00"). */
  correctionBreaks: (broken: Omit<Finding, "ref">, later?: { kind: string; at?: string; eventId?: string }) => {
    const when = later?.at ? ` of ${later.at}` : "";
    const id = later?.eventId ? ` (event ${later.eventId})` : "";
    const whenZh = later?.at ? `${later.at}的` : "";
    return finding("correction_breaks", {
      en: `after this correction, ${later ? `the ${later.kind}${when}${id}` : "a later event"} would break a rule: ${broken.en} (correct or void that event first)`,
      zh: `这样更正后，${later ? `后面${whenZh}“${kindZh(later.kind)}”记录${later.eventId ? `（${later.eventId}）` : ""}` : "后面的一条记录"}将不符合规则：${broken.zh}（请先更正或作废那条记录）`,
    }, "corrects");
  },
  detailUnknown: () =>
    finding("detail_unknown", { en: "this event's detail is not known here, so its rules cannot be checked", zh: "这里没有这条记录的详情，无法核对规则" }),
};

const UNIT_ZH: Record<string, string> = { kg: "公斤", t: "吨", jin: "斤", box: "箱", piece: "件", crate: "筐", bag: "袋" };
export const unitZh = (unit: string) => UNIT_ZH[unit] ?? unit;

const KIND_ZH: Record<string, string> = {
  harvest: "采收", processing: "加工", shipment: "发运", receipt: "收货", sale: "销售", recall: "召回", correction: "更正",
};
const kindZh = (kind: string) => KIND_ZH[kind] ?? kind;

const FIELD_ZH: Record<string, string> = {
  harvestedAt: "采收时间", occurredAt: "加工时间", shippedAt: "发运时间", receivedAt: "收货时间", soldAt: "销售时间", recalledAt: "召回时间",
};
const fieldZh = (field: string) => FIELD_ZH[field] ?? field;

/** A quantity as a message writes it. */
export function quantityWords(amount: number, unit: string): string {
  return `${Math.round(amount * 1000) / 1000} ${unit}`;
}
