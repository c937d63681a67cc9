/**
 * The data `npm run demo` records: the organisations of the Shenzhen consumption-aid programme
 * (消费帮扶, formerly 消费扶贫) and the 2026 journeys of four of its real products, from the farm
 * to a Shenzhen counter; its county list and console logins. Plain data: scripts/demo.ts turns
 * each step into one API write.
 *
 * Each is a journey the ledger's rules (and the chain's custody) accept: the cooperative ships
 * its harvest to the cold-chain carrier, which receives it on loading and, now its holder, ships
 * it on to the packing house, which receives it and packs it into retail boxes (a split: a new
 * batch that states what one box weighs); the packing house ships the boxes to the carrier,
 * which receives them and ships them on to the counter, which receives and sells them. The 圳品 mark is attested on the boxes, what a shopper scans. One mango harvest is
 * recalled after its boxes were sold, and the recall reaches them; the Zijin cooperative packs
 * its own tea into two retail packs, each then certified, carried to the counter, received and sold.
 *
 * GTINs are GTIN-13 under a made-up GS1 China company prefix per cooperative (69745230x), with
 * correct check digits; lots are GS1 AI 10 strings.
 */
import type { BatchCertificationBody, EventBody, HarvestBody } from "../server/domain/request-shapes";
import type { RoleName } from "../server/domain/event-kinds";
import { later } from "./lib/payloads";

export const ORGANISATIONS = {
  tianyangCoop: { name: "百色市田阳区那坡镇芒果种植专业合作社", role: "producer" },
  leyeCoop: { name: "乐业县同乐镇猕猴桃种植专业合作社", role: "producer" },
  bamaCoop: { name: "巴马瑶族自治县甲篆镇香猪养殖专业合作社", role: "producer" },
  zijinCoop: { name: "紫金县蝉茶种植专业合作社", role: "producer" },
  packingHouse: { name: "广西供深农产品集配中心", role: "processor" },
  certifier: { name: "深圳市圳品评价认证中心", role: "certifier" },
  carrier: { name: "深圳市鹏城冷链物流有限公司", role: "carrier" },
  counter: { name: "深圳市福田区消费扶贫专柜", role: "retailer" },
} as const satisfies Record<string, { name: string; role: RoleName }>;

export type OrgKey = keyof typeof ORGANISATIONS;

type ShipmentBody = Extract<EventBody, { type: "shipment" }>;
/** An event as the demo lists it: a shipment names the organisation it goes to by its key here. */
export type DemoEvent = Exclude<EventBody, { type: "shipment" }> | (Omit<ShipmentBody, "consignee"> & { consignee: OrgKey });

/**
 * One write by one organisation on the batch it is listed under, or (`on`, a lot) on an earlier
 * batch of the same journey: a recall of the harvest after its boxes were sold.
 */
export type Step =
  | { by: OrgKey; harvest: HarvestBody }
  | { by: OrgKey; event: DemoEvent; on?: string }
  | { by: OrgKey; certification: BatchCertificationBody };

export interface DemoBatch {
  /** What the label says, for the printout. */
  label: string;
  gtin: string;
  lot: string;
  /** In order. The first creates the batch: a harvest, or (for a retail pack) a split listed on its parent. */
  steps: Step[];
  /** Unit serials (GS1 AI 21) to issue once the batch is on chain, by the batch's creator. */
  serials?: { by: OrgKey; count: number };
}

/** Batches recorded one after another; the journeys themselves are recorded side by side. */
export type Journey = DemoBatch[];

const MANGO = { name: "田阳香芒", gtin: "6974523010010", variety: "台农一号" };
const MANGO_BOX = { name: "田阳香芒 5 kg 箱装", gtin: "6974523010027", variety: "台农一号" };
const KIWI = { name: "乐业猕猴桃", gtin: "6974523020019", variety: "红阳（红心）" };
const KIWI_BOX = { name: "乐业红心猕猴桃 2.5 kg 箱装", gtin: "6974523020026", variety: "红阳（红心）" };
const PORK = { name: "巴马香猪", gtin: "6974523030018", variety: "巴马香猪" };
const PORK_PACK = { name: "巴马香猪 冷鲜分割肉 500 g 真空装", gtin: "6974523030025", variety: "巴马香猪（冷鲜分割肉）" };
/** A retail pack's product as its split names it (its GTIN is the output's own). */
const retail = ({ name, variety }: { name: string; variety: string }) => ({ name, variety });
const TEA = { name: "紫金绿茶", gtin: "6974523040017", variety: "紫金蝉茶（明前）" };
const TEA_TIN = { name: "紫金绿茶 250 g 罐装", gtin: "6974523040024" };
const TEA_GIFT_BOX = { name: "紫金绿茶 500 g 礼盒", gtin: "6974523040031" };

// The county's name comes from its code; the programme's list says which are poverty counties
// (Zijin was a Guangdong provincial aid county, not one of the 832 national ones).
const TIANYANG = { countyCode: "451003", county: "百色市田阳区", village: "那坡镇", base: "田阳香芒供深基地" };
const LEYE = { countyCode: "451028", county: "百色市乐业县", village: "同乐镇", base: "乐业猕猴桃供深基地" };
const BAMA = { countyCode: "451227", county: "河池市巴马瑶族自治县", village: "甲篆镇", base: "巴马香猪生态养殖基地" };
const ZIJIN = { countyCode: "441621", county: "河源市紫金县", village: "龙窝镇", base: "紫金蝉茶供深基地" };

const COUNTER = "深圳市福田区消费扶贫专柜";

/**
 * The programme's county list as the demo's programme office uploads it (a fresh install's is
 * empty): the four counties its products come from.
 */
export const PROGRAMME_COUNTIES = [TIANYANG, LEYE, BAMA, ZIJIN].map(({ countyCode, county }) => ({ code: countyCode, name: county }));

/**
 * The console logins the demo makes: one member of one organisation per role (its admin, who may
 * add the others), and one of the programme office. Their passwords are generated on the run.
 */
export const CONSOLE_LOGINS: Array<{ org: OrgKey | "programmeOffice"; username: string }> = [
  { org: "tianyangCoop", username: "tianyang.coop" },
  { org: "packingHouse", username: "packing.house" },
  { org: "certifier", username: "zhenpin.certifier" },
  { org: "carrier", username: "pengcheng.carrier" },
  { org: "counter", username: "futian.counter" },
  { org: "programmeOffice", username: "programme.office" },
];

/** A receipt by the organisation the batch was shipped to. */
const receive = (by: OrgKey, location: string, receivedAt: string, condition: string): Step => ({ by, event: { type: "receipt", location, receivedAt, condition } });

/**
 * The cold-chain carrier takes the batch from its holder to `consignee`, as the ledger has it:
 * the holder ships it to the carrier at `shippedAt`; the carrier receives it on loading a
 * quarter of an hour later (it holds the batch now) and, a quarter of an hour after that, ships
 * it on to the consignee, which records the receipt (`receive`).
 */
const carry = (holder: OrgKey, consignee: OrgKey, from: string, to: string, vehicle: string, temperature: { min: number; max: number }, shippedAt: string): Step[] => [
  { by: holder, event: { type: "shipment", consignee: "carrier", from, to, vehicle, temperature, shippedAt, notes: "交鹏城冷链装车" } },
  // The plate stays out of the public receipt: a shipment's vehicle is private.
  receive("carrier", `${from}（装车）`, later(shippedAt, 15), "已装车，车厢预冷到位"),
  { by: "carrier", event: { type: "shipment", consignee, from, to, vehicle, temperature, shippedAt: later(shippedAt, 30) } },
];

/** A 圳品 attestation; the certificate runs three years (plain dates: China days), so the pages show it valid. */
const zhenpin = (certificateNo: string, validFrom: string, validUntil: string): Step => ({
  by: "certifier",
  certification: { scheme: "圳品", certificateNo, validFrom, validUntil, notes: "基地审核与批次抽检（农残、重金属）合格" },
});

export const JOURNEYS: Journey[] = [
  [
    {
      label: "田阳香芒 采收批次",
      gtin: MANGO.gtin,
      lot: "TY2026-0708",
      steps: [
        {
          by: "tianyangCoop",
          harvest: {
            product: MANGO,
            lot: "TY2026-0708",
            origin: TIANYANG,
            quantity: { amount: 3600, unit: "kg" },
            harvestedAt: "2026-07-08T07:30:00+08:00",
            notes: "八成熟采摘，当日入预冷库",
          },
        },
        ...carry("tianyangCoop", "packingHouse", "百色市田阳区 那坡镇 田阳香芒供深基地", "田阳分拣包装车间", "桂L·6A728", { min: 10, max: 13 }, "2026-07-08T11:00:00+08:00"),
        receive("packingHouse", "田阳分拣包装车间", "2026-07-08T12:30:00+08:00", "果面完好，入库温度 12 ℃"),
        {
          // The packing: 700 boxes of 5 kg, a new batch naming this one as its input.
          by: "packingHouse",
          event: {
            type: "processing",
            step: "packing",
            occurredAt: "2026-07-08T16:00:00+08:00",
            facility: "田阳分拣包装车间",
            notes: "分级、套网袋，5 kg 箱装，共 700 箱；次果 100 kg 不入箱",
            outputs: [{ gtin: MANGO_BOX.gtin, lot: "TY2026-0708-5K", quantity: { amount: 700, unit: "box" }, conversion: { unit: "box", kg: 5 }, product: retail(MANGO_BOX) }],
          },
        },
      ],
    },
    {
      label: MANGO_BOX.name,
      gtin: MANGO_BOX.gtin,
      lot: "TY2026-0708-5K",
      steps: [
        zhenpin("SZZP-2026-0708-TY", "2026-07-08", "2029-07-07"),
        ...carry("packingHouse", "counter", "百色市田阳区 田阳分拣包装车间", COUNTER, "桂L·6A728", { min: 10, max: 13 }, "2026-07-09T06:00:00+08:00"),
        receive("counter", COUNTER, "2026-07-10T05:40:00+08:00", "箱体完好，到货温度 12 ℃"),
        {
          by: "counter",
          event: { type: "sale", quantity: { amount: 120, unit: "box" }, amountCny: 10680, channel: "counter", soldAt: "2026-07-10T20:30:00+08:00" },
        },
      ],
    },
  ],
  [
    {
      label: "田阳香芒 采收批次（已召回）",
      gtin: MANGO.gtin,
      lot: "TY2026-0715",
      steps: [
        {
          by: "tianyangCoop",
          harvest: {
            product: MANGO,
            lot: "TY2026-0715",
            origin: TIANYANG,
            quantity: { amount: 2400, unit: "kg" },
            harvestedAt: "2026-07-15T07:00:00+08:00",
          },
        },
        ...carry("tianyangCoop", "packingHouse", "百色市田阳区 那坡镇 田阳香芒供深基地", "田阳分拣包装车间", "桂L·8B203", { min: 10, max: 13 }, "2026-07-15T10:00:00+08:00"),
        receive("packingHouse", "田阳分拣包装车间", "2026-07-15T11:30:00+08:00", "果面完好"),
        {
          by: "packingHouse",
          event: {
            type: "processing",
            step: "packing",
            occurredAt: "2026-07-15T15:30:00+08:00",
            facility: "田阳分拣包装车间",
            notes: "5 kg 箱装，共 460 箱",
            outputs: [{ gtin: MANGO_BOX.gtin, lot: "TY2026-0715-5K", quantity: { amount: 460, unit: "box" }, conversion: { unit: "box", kg: 5 }, product: retail(MANGO_BOX) }],
          },
        },
      ],
    },
    {
      label: `${MANGO_BOX.name}（原料批次已召回）`,
      gtin: MANGO_BOX.gtin,
      lot: "TY2026-0715-5K",
      steps: [
        zhenpin("SZZP-2026-0715-TY", "2026-07-15", "2029-07-14"),
        ...carry("packingHouse", "counter", "百色市田阳区 田阳分拣包装车间", COUNTER, "桂L·8B203", { min: 10, max: 13 }, "2026-07-16T06:00:00+08:00"),
        receive("counter", COUNTER, "2026-07-17T06:10:00+08:00", "到货温度 16 ℃，高于约定范围"),
        {
          by: "counter",
          event: { type: "sale", quantity: { amount: 40, unit: "box" }, amountCny: 3560, channel: "counter", soldAt: "2026-07-17T19:00:00+08:00" },
        },
        {
          // The cooperative recalls its harvest; the recall reaches the boxes made from it.
          by: "tianyangCoop",
          on: "TY2026-0715",
          event: {
            type: "recall",
            reason: "消费者反映部分果实果肉褐变；经查运输途中制冷机组故障致冷害，合作社主动召回本批次，凭购物小票全额退款",
            recalledAt: "2026-07-18T10:00:00+08:00",
          },
        },
      ],
    },
  ],
  [
    {
      label: "乐业猕猴桃 采收批次",
      gtin: KIWI.gtin,
      lot: "LY2026-0906",
      steps: [
        {
          by: "leyeCoop",
          harvest: {
            product: KIWI,
            lot: "LY2026-0906",
            origin: LEYE,
            quantity: { amount: 2000, unit: "kg" },
            harvestedAt: "2026-09-06T08:00:00+08:00",
            notes: "可溶性固形物 ≥ 7% 时采收",
          },
        },
        ...carry("leyeCoop", "packingHouse", "百色市乐业县 同乐镇 乐业猕猴桃供深基地", "乐业分拣包装车间", "桂L·3C915", { min: 0, max: 2 }, "2026-09-06T13:00:00+08:00"),
        receive("packingHouse", "乐业分拣包装车间", "2026-09-06T15:30:00+08:00", "果实完好，入冷库"),
        {
          by: "packingHouse",
          event: {
            type: "processing",
            step: "packing",
            occurredAt: "2026-09-07T10:00:00+08:00",
            facility: "乐业分拣包装车间",
            notes: "2.5 kg 礼箱装，共 760 箱",
            outputs: [{ gtin: KIWI_BOX.gtin, lot: "LY2026-0906-25", quantity: { amount: 760, unit: "box" }, conversion: { unit: "box", kg: 2.5 }, product: retail(KIWI_BOX) }],
          },
        },
      ],
    },
    {
      label: KIWI_BOX.name,
      gtin: KIWI_BOX.gtin,
      lot: "LY2026-0906-25",
      steps: [
        zhenpin("SZZP-2026-0907-LY", "2026-09-07", "2029-09-06"),
        ...carry("packingHouse", "counter", "百色市乐业县 乐业分拣包装车间", COUNTER, "桂L·3C915", { min: 0, max: 2 }, "2026-09-08T05:30:00+08:00"),
        receive("counter", COUNTER, "2026-09-09T06:00:00+08:00", "箱体完好，到货温度 1 ℃"),
        {
          by: "counter",
          event: { type: "sale", quantity: { amount: 200, unit: "box" }, amountCny: 13600, channel: "counter", soldAt: "2026-09-10T19:30:00+08:00" },
        },
      ],
    },
  ],
  [
    {
      label: "巴马香猪 屠宰批次",
      gtin: PORK.gtin,
      lot: "BM2026-1020",
      steps: [
        {
          by: "bamaCoop",
          harvest: {
            product: PORK,
            lot: "BM2026-1020",
            origin: BAMA,
            quantity: { amount: 1500, unit: "kg" },
            harvestedAt: "2026-10-20T05:00:00+08:00",
            notes: "出栏 60 头，定点屠宰，动物检疫合格；胴体 1,500 kg",
          },
        },
        ...carry("bamaCoop", "packingHouse", "河池市巴马瑶族自治县 甲篆镇 定点屠宰场", "巴马冷鲜分割车间", "桂M·2F306", { min: 0, max: 4 }, "2026-10-20T06:00:00+08:00"),
        receive("packingHouse", "巴马冷鲜分割车间", "2026-10-20T07:00:00+08:00", "胴体中心温度 3 ℃"),
        {
          by: "packingHouse",
          event: {
            type: "processing",
            step: "packing",
            occurredAt: "2026-10-20T11:00:00+08:00",
            facility: "巴马冷鲜分割车间",
            notes: "冷鲜分割，500 g 真空包装，共 2,000 袋",
            outputs: [{ gtin: PORK_PACK.gtin, lot: "BM2026-1020-05", quantity: { amount: 2000, unit: "bag" }, conversion: { unit: "bag", kg: 0.5 }, product: retail(PORK_PACK) }],
          },
        },
      ],
    },
    {
      label: PORK_PACK.name,
      gtin: PORK_PACK.gtin,
      lot: "BM2026-1020-05",
      steps: [
        zhenpin("SZZP-2026-1020-BM", "2026-10-20", "2029-10-19"),
        ...carry("packingHouse", "counter", "河池市巴马瑶族自治县 巴马冷鲜分割车间", COUNTER, "桂M·2F306", { min: 0, max: 4 }, "2026-10-20T15:00:00+08:00"),
        receive("counter", COUNTER, "2026-10-21T05:20:00+08:00", "包装完好，到货中心温度 3 ℃"),
        {
          by: "counter",
          event: { type: "sale", quantity: { amount: 520, unit: "bag" }, amountCny: 25480, channel: "counter", soldAt: "2026-10-21T20:00:00+08:00" },
        },
      ],
    },
  ],
  [
    {
      label: "紫金绿茶 散装干茶",
      gtin: TEA.gtin,
      lot: "ZJ2026-0326",
      steps: [
        {
          by: "zijinCoop",
          harvest: {
            product: TEA,
            lot: "ZJ2026-0326",
            origin: ZIJIN,
            quantity: { amount: 300, unit: "kg" },
            harvestedAt: "2026-03-26T07:00:00+08:00",
            notes: "明前春茶，鲜叶当日杀青、揉捻、烘干，成干茶 300 kg",
          },
        },
        {
          // The split: the cooperative packs its own tea into two retail packs, each a new batch
          // naming this one as its input and stating what one tin or box holds.
          by: "zijinCoop",
          event: {
            type: "processing",
            step: "packing",
            occurredAt: "2026-04-02T09:00:00+08:00",
            facility: "紫金县蝉茶种植专业合作社包装车间",
            outputs: [
              { gtin: TEA_TIN.gtin, lot: "ZJ2026-0326-G", quantity: { amount: 600, unit: "piece" }, conversion: { unit: "piece", kg: 0.25 }, product: { name: TEA_TIN.name } },
              { gtin: TEA_GIFT_BOX.gtin, lot: "ZJ2026-0326-L", quantity: { amount: 180, unit: "box" }, conversion: { unit: "box", kg: 0.5 }, product: { name: TEA_GIFT_BOX.name } },
            ],
          },
        },
      ],
    },
    {
      label: TEA_TIN.name,
      gtin: TEA_TIN.gtin,
      lot: "ZJ2026-0326-G",
      serials: { by: "zijinCoop", count: 5 },
      steps: [
        zhenpin("SZZP-2026-0402-ZJG", "2026-04-02", "2029-04-01"),
        ...carry("zijinCoop", "counter", "河源市紫金县 合作社包装车间", COUNTER, "粤P·7D521", { min: 0, max: 5 }, "2026-04-03T07:00:00+08:00"),
        receive("counter", COUNTER, "2026-04-03T13:30:00+08:00", "罐体完好"),
        {
          by: "counter",
          event: { type: "sale", quantity: { amount: 150, unit: "piece" }, amountCny: 23700, channel: "counter", soldAt: "2026-04-05T18:00:00+08:00" },
        },
      ],
    },
    {
      label: TEA_GIFT_BOX.name,
      gtin: TEA_GIFT_BOX.gtin,
      lot: "ZJ2026-0326-L",
      steps: [
        zhenpin("SZZP-2026-0402-ZJL", "2026-04-02", "2029-04-01"),
        ...carry("zijinCoop", "counter", "河源市紫金县 合作社包装车间", COUNTER, "粤P·7D521", { min: 0, max: 5 }, "2026-04-03T07:00:00+08:00"),
        receive("counter", COUNTER, "2026-04-03T13:30:00+08:00", "礼盒完好"),
        {
          by: "counter",
          event: { type: "sale", quantity: { amount: 36, unit: "box" }, amountCny: 11520, channel: "counter", soldAt: "2026-04-05T18:00:00+08:00" },
        },
      ],
    },
  ],
];
