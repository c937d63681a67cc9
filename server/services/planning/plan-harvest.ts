/**
 * A harvest: creates its batch. The origin county is checked against GB/T 2260 and named from
 * its code (a name the writer adds must agree); the harvest may not lie in the future; a counted
 * unit's weight, when stated, is the batch's own unit's.
 */
import { EventKind } from "../../domain/event-kinds";
import { invalidField } from "../../domain/errors";
import { batchIdFor, normalizeGtin } from "../../domain/gs1";
import { ZERO_HASH } from "../../domain/hashes";
import type { PlannedEvent } from "../../domain/ledger-types";
import type { HarvestBody } from "../../domain/request-shapes";
import { checkCounty } from "../ledger-rules/origin-rules";
import { isWeight } from "../ledger-rules/quantities";
import { refusal, type PlanContext } from "./plan-context";

/** The detail of a harvest as the ledger keeps it (without who wrote it and when). */
export function harvestFacts(context: PlanContext, body: HarvestBody, fieldPrefix = ""): Record<string, unknown> {
  const county = checkCounty(body.origin.countyCode, body.origin.county);
  if ("problem" in county) throw refusal(county.problem, `${fieldPrefix}origin.countyCode`);
  context.checkNotFuture(`${fieldPrefix}harvestedAt`, body.harvestedAt);
  checkConversion(body.quantity.unit, body.conversion, fieldPrefix);
  const gtin = normalizeGtin(body.product.gtin);
  return {
    ...body,
    type: "harvest",
    batch: { id: batchIdFor(gtin, body.lot), gtin, lot: body.lot },
    product: { ...body.product, gtin },
    origin: { ...body.origin, county: county.county.shortName },
  };
}

export function planHarvest(context: PlanContext, body: HarvestBody, exists: (batchId: string) => boolean): PlannedEvent[] {
  const facts = harvestFacts(context, body);
  const { id, gtin, lot } = facts.batch as { id: string; gtin: string; lot: string };
  if (exists(id)) throw refusalExists(gtin, lot);
  return [context.planned(id, EventKind.Harvest, ZERO_HASH, { ...context.common(), ...facts }, [])];
}

/** A batch of counted units may state only its own unit's weight; a batch by weight any counted unit's. */
export function checkConversion(unit: string, conversion: { unit: string } | undefined, fieldPrefix = ""): void {
  if (conversion && !isWeight(unit) && conversion.unit !== unit) {
    throw invalidField(`${fieldPrefix}conversion.unit`, `must be the batch's own unit (${unit}): the weight of one ${unit}`);
  }
}

function refusalExists(gtin: string, lot: string) {
  return refusalOf(`batch ${gtin}/${lot} exists already`, `批次 ${gtin}/${lot} 已经存在`, "lot");
}

export function refusalOf(en: string, zh: string, field: string) {
  return refusal({ code: "exists", en, zh, field });
}
