/** Valid request bodies of the programme's real products, for the API tests to start from. */
import { batchIdFor } from "../../server/domain/gs1";

export const MANGO_GTIN = "06901234567892";
export const TEA_GTIN = "06901234567809";

export function harvest(lot: string, overrides: Record<string, unknown> = {}) {
  return {
    product: { name: "田阳香芒", gtin: MANGO_GTIN, variety: "台农一号" },
    lot,
    origin: { countyCode: "451003", county: "百色市田阳区", village: "那坡镇", base: "田阳芒果供深基地" },
    quantity: { amount: 1200, unit: "kg" },
    conversion: { unit: "box", kg: 5 },
    harvestedAt: "2026-06-01T08:00:00+08:00",
    ...overrides,
  };
}

export function harvestedBatchId(lot: string, gtin = MANGO_GTIN): string {
  return batchIdFor(gtin, lot);
}

/** A cold-chain shipment to `consignee` (an organisation's id or address), which records the receipt. */
export function shipment(consignee: string, overrides: Record<string, unknown> = {}) {
  return {
    type: "shipment",
    consignee,
    from: "百色市田阳区",
    to: "深圳市福田区",
    vehicle: "桂L·12345",
    temperature: { min: 8, max: 12 },
    shippedAt: "2026-06-02T06:00:00+08:00",
    ...overrides,
  };
}

export const receipt = { type: "receipt", location: "福田区消费扶贫专柜", receivedAt: "2026-06-03T09:00:00+08:00" };

export const sale = {
  type: "sale",
  quantity: { amount: 20, unit: "box" },
  amountCny: 1580.5,
  channel: "counter",
  soldAt: "2026-06-03T15:00:00+08:00",
};

export const packing = { type: "processing", step: "packing", occurredAt: "2026-06-01T18:00:00+08:00", facility: "田阳分拣中心" };

export const recall = { type: "recall", reason: "农残抽检超标", recalledAt: "2026-06-04T10:00:00+08:00" };

export function certification(certificateNo: string) {
  return {
    scheme: "圳品",
    certificateNo,
    validFrom: "2026-01-01T00:00:00+08:00",
    validUntil: "2099-12-31T23:59:59+08:00",
  };
}

/** Who records each leg of a hand-over: the batch's holder, the carrier, the organisation it goes to. */
export type Leg = "holder" | "carrier" | "consignee";

/** `at` (a date-time at +08:00) plus `minutes`, written the same way. */
export function later(at: string, minutes: number): string {
  const shifted = new Date(new Date(at).getTime() + (minutes + 8 * 60) * 60_000).toISOString().slice(0, 19);
  return `${shifted}+08:00`;
}

/**
 * A hand-over through a carrier, as the ledger takes it: the holder ships to the carrier, which
 * records the receipt (it holds the batch now), ships it on to the consignee, which records the
 * receipt. The four bodies in order, each with who records it, times `stepMinutes` apart from
 * `at`. `shipment` goes into both shipments (a quantity: the part handed over), `receipt` into
 * the consignee's.
 */
export function viaCarrier(
  carrier: string,
  consignee: string,
  options: { at?: string; stepMinutes?: number; shipment?: Record<string, unknown>; receipt?: Record<string, unknown> } = {},
): Array<[Leg, Record<string, unknown>]> {
  const at = options.at ?? "2026-06-02T06:00:00+08:00";
  const step = options.stepMinutes ?? 60;
  return [
    ["holder", shipment(carrier, { ...options.shipment, shippedAt: at })],
    ["carrier", { ...receipt, location: "承运方冷链中转仓", receivedAt: later(at, step) }],
    ["carrier", shipment(consignee, { ...options.shipment, shippedAt: later(at, 2 * step) })],
    ["consignee", { ...receipt, ...options.receipt, receivedAt: later(at, 3 * step) }],
  ];
}
