/**
 * The batches the page tests look at, recorded through the API on a harness's chain, each a
 * journey the ledger's rules accept (custody moves by shipment and receipt, times in order):
 * - journey: harvest → shipped to the carrier, which receives it, ships it on to the packing
 *   house → receipt → packing → 圳品 (valid) → 1,000 kg packed into gift boxes (the packs) → the
 *   other 200 kg shipped to the carrier, which receives them and ships them on to the counter →
 *   receipt;
 * - packs: the two retail packs of 100 boxes (5 kg each) split from the journey batch;
 * - recalled: a batch the packing house received and packed into boxes, then recalled by its
 *   cooperative, and the pack made from it (recalled through its input);
 * - revoked, expired: batches whose 圳品 certificate was revoked, or has ended;
 * - xss: a batch whose every free-text field holds a script payload (the county's name comes
 *   from its code, so that one cannot), shipped by the cooperative to the counter and received there.
 * The harvests' county, 田阳 (451003), is put on the programme's list by its office, as a
 * programme does (a fresh install's list is empty).
 */
import { randomBytes } from "node:crypto";
import { batchIdFor } from "../../server/domain/gs1";
import type { Harness } from "./gateway-harness";
import * as payload from "../../scripts/lib/payloads";
import { uploadProgrammeCounties } from "../../scripts/lib/programme-counties";

export const XSS = `<script>window.__xss=1</script><img src=x onerror="window.__xss=2">"'&`;

export interface Stories {
  journey: { batchId: string; lot: string };
  packs: string[];
  recalled: { batchId: string; packId: string };
  revoked: string;
  expired: string;
  xss: string;
  orgs: Record<"producer" | "processor" | "certifier" | "carrier" | "retailer", { id: string; address: string; apiKey: string }>;
}

/** A box of mangoes weighs 5 kg: outputs in boxes of a batch in kg state it. */
const BOX = { unit: "box", kg: 5 };

export async function recordStories(h: Harness, prefix = "PG"): Promise<Stories> {
  const orgs = {
    producer: await h.org("田阳芒果专业合作社", "producer"),
    processor: await h.org("百色分拣包装厂", "processor"),
    certifier: await h.org("深圳市标准技术研究院", "certifier"),
    carrier: await h.org("顺丰冷运", "carrier"),
    retailer: await h.org("福田区消费扶贫专柜", "retailer"),
  };
  const office = { username: `stories-office-${prefix}`.toLowerCase(), password: randomBytes(12).toString("base64url") };
  await h.member(null, office.username, office.password);
  await uploadProgrammeCounties(h.base, office, [{ code: "451003", name: "百色市田阳区" }]);
  const ok = async (method: string, path: string, token: string, body: unknown) => {
    const answer = await h.call(method, path, { token, body });
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const harvest = async (lot: string, overrides: Record<string, unknown> = {}) =>
    (await ok("POST", "/api/v1/batches", orgs.producer.apiKey, payload.harvest(lot, overrides))).batchId as string;
  const event = (batchId: string, org: keyof typeof orgs, body: unknown) =>
    ok("POST", `/api/v1/batches/${batchId}/events`, orgs[org].apiKey, body);
  const certify = (batchId: string, body: unknown) =>
    ok("POST", `/api/v1/batches/${batchId}/certifications`, orgs.certifier.apiKey, body);
  /**
   * `from`, the batch's holder, ships it to the carrier, which receives it and ships it on to
   * `to`, which receives it; an hour between each, from `at`.
   */
  const handOver = async (batchId: string, from: keyof typeof orgs, to: keyof typeof orgs, options: Parameters<typeof payload.viaCarrier>[2]) => {
    const who = { holder: from, carrier: "carrier", consignee: to } as const;
    for (const [leg, body] of payload.viaCarrier(orgs.carrier.id, orgs[to].id, options)) await event(batchId, who[leg], body);
  };
  /** From the cooperative through the carrier to the packing house, which receives it (by 15:00 on 1 June). */
  const toPackingHouse = (batchId: string) =>
    handOver(batchId, "producer", "processor", { at: "2026-06-01T11:00:00+08:00", shipment: { to: "百色分拣包装厂" }, receipt: { location: "百色分拣包装厂" } });

  const lot = `${prefix}-J1`;
  const journey = await harvest(lot);
  await toPackingHouse(journey);
  await event(journey, "processor", payload.packing);
  await certify(journey, { ...payload.certification(`ZP-${prefix}-0001`), notes: "基地抽检合格，管理规范" });
  const packLots = [`${prefix}-P1`, `${prefix}-P2`];
  await event(journey, "processor", {
    type: "processing",
    step: "packing",
    occurredAt: "2026-06-01T20:00:00+08:00",
    facility: "百色分拣包装厂礼盒车间",
    outputs: packLots.map((packLot) => ({
      gtin: payload.MANGO_GTIN,
      lot: packLot,
      quantity: { amount: 100, unit: "box" },
      conversion: BOX,
      product: { name: "田阳香芒礼盒", variety: "台农一号" },
    })),
  });
  // What was not boxed goes loose to the counter.
  await handOver(journey, "processor", "retailer", { shipment: { from: "百色分拣包装厂", quantity: { amount: 200, unit: "kg" } } });

  const recalled = await harvest(`${prefix}-R1`);
  await toPackingHouse(recalled);
  const recalledPackLot = `${prefix}-RP`;
  await event(recalled, "processor", {
    ...payload.packing,
    outputs: [{ gtin: payload.MANGO_GTIN, lot: recalledPackLot, quantity: { amount: 50, unit: "box" }, conversion: BOX }],
  });
  await event(recalled, "producer", payload.recall);

  const revoked = await harvest(`${prefix}-V1`);
  await certify(revoked, payload.certification(`ZP-${prefix}-0002`));
  const expired = await harvest(`${prefix}-E1`);
  await certify(expired, { ...payload.certification(`ZP-${prefix}-0003`), validFrom: "2025-01-01T00:00:00+08:00", validUntil: "2025-12-31T23:59:59+08:00" });

  const xss = await harvest(`${prefix}-X1`, {
    product: { name: `芒果${XSS}`, gtin: payload.MANGO_GTIN, variety: XSS },
    origin: { countyCode: "451003", village: XSS, base: XSS },
    notes: XSS,
  });
  await event(xss, "producer", payload.shipment(orgs.retailer.id, { from: XSS, to: XSS, vehicle: XSS.slice(0, 50), notes: XSS }));
  await event(xss, "retailer", { ...payload.receipt, location: XSS, condition: XSS });
  await certify(xss, { ...payload.certification(XSS.slice(0, 64)), notes: XSS });

  await h.settle();
  // Revoke after the attestation is on chain: the revocation names the certification's id.
  const certs = (await h.call("GET", `/api/v1/batches/${revoked}`)).body.certifications as Array<{ certificationId: string }>;
  await ok("POST", `/api/v1/certifications/${certs[0].certificationId}/revoke`, orgs.certifier.apiKey, { reason: "复检不合格" });
  await h.settle();

  return {
    journey: { batchId: journey, lot },
    packs: packLots.map((packLot) => batchIdFor(payload.MANGO_GTIN, packLot)),
    recalled: { batchId: recalled, packId: batchIdFor(payload.MANGO_GTIN, recalledPackLot) },
    revoked,
    expired,
    xss,
    orgs,
  };
}
