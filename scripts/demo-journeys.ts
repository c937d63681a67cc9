/**
 * The data `npm run demo` records: the organisations of the Shenzhen consumption-aid programme
 * (消费扶贫) and the 2026 journeys of four of its real products, from the farm to a Shenzhen
 * counter. Plain data: scripts/demo.ts turns each step into one API write.
 *
 * GTINs are GTIN-13 under a made-up GS1 China company prefix per cooperative (69745230x), with
 * correct check digits; lots are GS1 AI 10 strings. One mango lot is recalled after its sale;
 * the Zijin tea is split into two retail packs, each then certified, shipped, received and sold.
 */
import type { BatchCertificationBody, EventBody, HarvestBody } from "../server/domain/request-shapes";
import type { RoleName } from "../server/domain/event-kinds";

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

/** One write by one organisation on the batch it is listed under. */
export type Step =
  | { by: OrgKey; harvest: HarvestBody }
  | { by: OrgKey; event: EventBody }
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
const KIWI = { name: "乐业猕猴桃", gtin: "6974523020019", variety: "红阳（红心）" };
const PORK = { name: "巴马香猪", gtin: "6974523030018", variety: "巴马香猪（冷鲜分割肉）" };
const TEA = { name: "紫金绿茶", gtin: "6974523040017", variety: "紫金蝉茶（明前）" };
const TEA_TIN = { name: "紫金绿茶 250 g 罐装", gtin: "6974523040024" };
const TEA_GIFT_BOX = { name: "紫金绿茶 500 g 礼盒", gtin: "6974523040031" };

const TIANYANG = { countyCode: "451003", county: "百色市田阳区", village: "那坡镇", base: "田阳香芒供深基地", povertyCounty: true };
const LEYE = { countyCode: "451028", county: "百色市乐业县", village: "同乐镇", base: "乐业猕猴桃供深基地", povertyCounty: true };
const BAMA = { countyCode: "451227", county: "河池市巴马瑶族自治县", village: "甲篆镇", base: "巴马香猪生态养殖基地", povertyCounty: true };
// Zijin was a Guangdong provincial aid county, not one of the 832 national poverty counties.
const ZIJIN = { countyCode: "441621", county: "河源市紫金县", village: "龙窝镇", base: "紫金蝉茶供深基地", povertyCounty: false };

const COUNTER = "深圳市福田区消费扶贫专柜";

/** A 圳品 attestation; the certificate runs three years, so the pages show it valid. */
const zhenpin = (certificateNo: string, validFrom: string, validUntil: string): Step => ({
  by: "certifier",
  certification: { scheme: "圳品", certificateNo, validFrom, validUntil, notes: "基地审核与批次抽检（农残、重金属）合格" },
});

export const JOURNEYS: Journey[] = [
  [
    {
      label: "田阳香芒 5 kg 箱装",
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
        {
          by: "packingHouse",
          event: {
            type: "processing",
            step: "packing",
            occurredAt: "2026-07-08T16:00:00+08:00",
            facility: "田阳分拣包装车间",
            notes: "分级、套网袋，5 kg 箱装，共 700 箱",
          },
        },
        zhenpin("SZZP-2026-0708-TY", "2026-07-08T00:00:00+08:00", "2029-07-07T23:59:59+08:00"),
        {
          by: "carrier",
          event: {
            type: "shipment",
            from: "百色市田阳区 田阳分拣包装车间",
            to: COUNTER,
            vehicle: "桂L·6A728",
            temperature: { min: 10, max: 13 },
            shippedAt: "2026-07-09T06:00:00+08:00",
          },
        },
        { by: "counter", event: { type: "receipt", location: COUNTER, receivedAt: "2026-07-10T05:40:00+08:00", condition: "箱体完好，到货温度 12 ℃" } },
        {
          by: "counter",
          event: { type: "sale", quantity: { amount: 120, unit: "box" }, amountCny: 10680, channel: "counter", soldAt: "2026-07-10T20:30:00+08:00" },
        },
      ],
    },
  ],
  [
    {
      label: "田阳香芒 5 kg 箱装（已召回）",
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
        {
          by: "packingHouse",
          event: { type: "processing", step: "packing", occurredAt: "2026-07-15T15:30:00+08:00", facility: "田阳分拣包装车间", notes: "5 kg 箱装，共 460 箱" },
        },
        zhenpin("SZZP-2026-0715-TY", "2026-07-15T00:00:00+08:00", "2029-07-14T23:59:59+08:00"),
        {
          by: "carrier",
          event: {
            type: "shipment",
            from: "百色市田阳区 田阳分拣包装车间",
            to: COUNTER,
            vehicle: "桂L·8B203",
            temperature: { min: 10, max: 13 },
            shippedAt: "2026-07-16T06:00:00+08:00",
          },
        },
        { by: "counter", event: { type: "receipt", location: COUNTER, receivedAt: "2026-07-17T06:10:00+08:00", condition: "到货温度 16 ℃，高于约定范围" } },
        {
          by: "counter",
          event: { type: "sale", quantity: { amount: 40, unit: "box" }, amountCny: 3560, channel: "counter", soldAt: "2026-07-17T19:00:00+08:00" },
        },
        {
          by: "tianyangCoop",
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
      label: "乐业红心猕猴桃 2.5 kg 箱装",
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
        {
          by: "packingHouse",
          event: { type: "processing", step: "packing", occurredAt: "2026-09-07T10:00:00+08:00", facility: "乐业分拣包装车间", notes: "2.5 kg 礼箱装，共 760 箱" },
        },
        zhenpin("SZZP-2026-0907-LY", "2026-09-07T00:00:00+08:00", "2029-09-06T23:59:59+08:00"),
        {
          by: "carrier",
          event: {
            type: "shipment",
            from: "百色市乐业县 乐业分拣包装车间",
            to: COUNTER,
            vehicle: "桂L·3C915",
            temperature: { min: 0, max: 2 },
            shippedAt: "2026-09-08T05:30:00+08:00",
          },
        },
        { by: "counter", event: { type: "receipt", location: COUNTER, receivedAt: "2026-09-09T06:00:00+08:00", condition: "箱体完好，到货温度 1 ℃" } },
        {
          by: "counter",
          event: { type: "sale", quantity: { amount: 200, unit: "box" }, amountCny: 13600, channel: "counter", soldAt: "2026-09-10T19:30:00+08:00" },
        },
      ],
    },
  ],
  [
    {
      label: "巴马香猪 冷鲜分割肉",
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
            notes: "出栏 60 头，定点屠宰，动物检疫合格",
          },
        },
        {
          by: "packingHouse",
          event: { type: "processing", step: "packing", occurredAt: "2026-10-20T11:00:00+08:00", facility: "巴马冷鲜分割车间", notes: "冷鲜分割，真空包装" },
        },
        zhenpin("SZZP-2026-1020-BM", "2026-10-20T00:00:00+08:00", "2029-10-19T23:59:59+08:00"),
        {
          by: "carrier",
          event: {
            type: "shipment",
            from: "河池市巴马瑶族自治县 巴马冷鲜分割车间",
            to: COUNTER,
            vehicle: "桂M·2F306",
            temperature: { min: 0, max: 4 },
            shippedAt: "2026-10-20T15:00:00+08:00",
          },
        },
        { by: "counter", event: { type: "receipt", location: COUNTER, receivedAt: "2026-10-21T05:20:00+08:00", condition: "包装完好，到货中心温度 3 ℃" } },
        {
          by: "counter",
          event: { type: "sale", quantity: { amount: 260, unit: "kg" }, amountCny: 25480, channel: "counter", soldAt: "2026-10-21T20:00:00+08:00" },
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
          // The split: two retail packs, each a new batch naming this one as its input.
          by: "zijinCoop",
          event: {
            type: "processing",
            step: "packing",
            occurredAt: "2026-04-02T09:00:00+08:00",
            facility: "紫金县蝉茶种植专业合作社包装车间",
            outputs: [
              { gtin: TEA_TIN.gtin, lot: "ZJ2026-0326-G", quantity: { amount: 600, unit: "piece" }, product: { name: TEA_TIN.name } },
              { gtin: TEA_GIFT_BOX.gtin, lot: "ZJ2026-0326-L", quantity: { amount: 180, unit: "box" }, product: { name: TEA_GIFT_BOX.name } },
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
        zhenpin("SZZP-2026-0402-ZJG", "2026-04-02T00:00:00+08:00", "2029-04-01T23:59:59+08:00"),
        {
          by: "carrier",
          event: {
            type: "shipment",
            from: "河源市紫金县 合作社包装车间",
            to: COUNTER,
            vehicle: "粤P·7D521",
            temperature: { min: 0, max: 5 },
            shippedAt: "2026-04-03T07:00:00+08:00",
          },
        },
        { by: "counter", event: { type: "receipt", location: COUNTER, receivedAt: "2026-04-03T13:30:00+08:00", condition: "罐体完好" } },
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
        zhenpin("SZZP-2026-0402-ZJL", "2026-04-02T00:00:00+08:00", "2029-04-01T23:59:59+08:00"),
        {
          by: "carrier",
          event: {
            type: "shipment",
            from: "河源市紫金县 合作社包装车间",
            to: COUNTER,
            vehicle: "粤P·7D521",
            temperature: { min: 0, max: 5 },
            shippedAt: "2026-04-03T07:00:00+08:00",
          },
        },
        { by: "counter", event: { type: "receipt", location: COUNTER, receivedAt: "2026-04-03T13:30:00+08:00", condition: "礼盒完好" } },
        {
          by: "counter",
          event: { type: "sale", quantity: { amount: 36, unit: "box" }, amountCny: 11520, channel: "counter", soldAt: "2026-04-05T18:00:00+08:00" },
        },
      ],
    },
  ],
];
