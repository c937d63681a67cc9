/**
 * Processing: in place, merged with other batches, or split into new batches. Only the holder
 * processes, and the detail names what the step took from each input (consumed, in the input's
 * measure), so every reader can follow the quantities without guessing:
 * - a merge into the batch takes all the writer holds of each other input;
 * - a split's outputs take from the inputs in the order named, each as much as it needs
 *   (through weights when units differ); outputs in units that do not convert into the inputs'
 *   take all the writer holds of them, and only with the writer's confirmation.
 */
import { EventKind } from "../../domain/event-kinds";
import { invalidField } from "../../domain/errors";
import { batchIdFor, normalizeGtin, parseBatchId } from "../../domain/gs1";
import { ZERO_HASH } from "../../domain/hashes";
import type { PlannedEvent } from "../../domain/ledger-types";
import type { EventBody } from "../../domain/request-shapes";
import type { ConsumedItem } from "../ledger-rules/batch-ledger";
import { fits, inKilograms, inMeasure, keep, measureOf, type Conversion, type Quantity } from "../ledger-rules/quantities";
import { quantityWords, RULES } from "../ledger-rules/rule-messages";
import { checkConversion, refusalOf } from "./plan-harvest";
import { refusal, type PlanContext } from "./plan-context";

type ProcessingBody = Extract<EventBody, { type: "processing" }>;
type Output = NonNullable<ProcessingBody["outputs"]>[number];

export interface ProcessingTarget {
  batchId: string;
  head: string;
  /** Whether a batch id is taken (accepted or on chain). */
  exists(batchId: string): boolean;
  /** The head of an input batch, refusing an unknown or recalled one (naming its field). */
  inputHead(batchId: string, field: string): string;
}

export function planProcessing(context: PlanContext, target: ProcessingTarget, body: ProcessingBody): PlannedEvent[] {
  const { batchId } = target;
  context.checkNotFuture("occurredAt", body.occurredAt);
  const others = (body.inputs ?? []).map((id) => id.toLowerCase());
  others.forEach((input, i) => {
    if (input === batchId || others.indexOf(input) !== i) throw invalidField(`inputs[${i}]`, "names this batch or repeats an input");
    target.inputHead(input, `inputs[${i}]`);
  });
  return body.outputs?.length ? split(context, target, body, [batchId, ...others]) : inPlace(context, target, body, others);
}

/** Processing of the batch as it is, with other batches merged into it. */
function inPlace(context: PlanContext, target: ProcessingTarget, body: ProcessingBody, others: string[]): PlannedEvent[] {
  const writer = context.org.address;
  const consumed = others.map((id) => heldItem(context, id, writer));
  const detail = {
    ...context.common(),
    ...body,
    ...(others.length ? { inputs: others, consumed } : {}),
    batch: { id: target.batchId, ...parseBatchId(target.batchId) },
  };
  const planned = context.planned(target.batchId, EventKind.Processing, target.head, detail, others);
  const entry = context.entryOf(planned, "processing");
  context.refuseIf(context.facts.ledger(target.batchId).apply(entry));
  others.forEach((id, i) => context.refuseIf(context.facts.ledger(id).apply(entry), `inputs[${i}]`));
  return [planned];
}

/** A split: one new batch per output, each naming every input and what it took from each. */
function split(context: PlanContext, target: ProcessingTarget, body: ProcessingBody, inputs: string[]): PlannedEvent[] {
  const { outputs: _outputs, inputs: _others, ...step } = body;
  const outputs = body.outputs!;
  // Custody first: a packer who never received a batch is told so, not that its outputs are too
  // large (one who used it all up is told what is left, by the totals).
  inputs.forEach((id, j) => {
    const writer = { name: context.org.name, role: context.org.role };
    const problem = context.facts.ledger(id).custodyProblem(context.org.address, j === 0 ? "batchId" : `inputs[${j - 1}]`, writer);
    if (problem && problem.code !== "not_holder") throw refusal(problem);
  });
  checkTotal(context, inputs, outputs);
  const seen = new Set<string>();
  return outputs.map((output, i) => {
    checkConversion(output.quantity.unit, output.conversion, `outputs[${i}].`);
    const gtin = normalizeGtin(output.gtin);
    const outputId = batchIdFor(gtin, output.lot);
    if (seen.has(outputId) || target.exists(outputId)) throw refusalOf(`batch ${gtin}/${output.lot} exists already`, `批次 ${gtin}/${output.lot} 已经存在`, `outputs[${i}].lot`);
    seen.add(outputId);
    const consumed = allocate(context, inputs, output.quantity, output.conversion);
    const detail = { ...context.common(), ...step, batch: { id: outputId, gtin, lot: output.lot }, output: { ...output, gtin }, inputs, consumed };
    const planned = context.planned(outputId, EventKind.Processing, ZERO_HASH, detail, inputs);
    const entry = context.entryOf(planned, "processing");
    // The new batch's own check (what it holds against what it took), then each input's.
    const fresh = context.facts.ledger(outputId);
    context.refuseIf(fresh.apply(entry), `outputs[${i}].quantity.amount`);
    inputs.forEach((id, j) => context.refuseIf(context.facts.ledger(id).apply(entry), j === 0 ? "batchId" : `inputs[${j - 1}]`));
    return planned;
  });
}

/** All the writer holds of a batch, as a consumed item. */
function heldItem(context: PlanContext, batchId: string, writer: string): ConsumedItem {
  const ledger = context.facts.ledger(batchId);
  const held = ledger.heldBy(writer);
  const unit = ledger.measure?.unit ?? "kg";
  return item(batchId, held, ledger.measure ? inKilograms(held, ledger.measure) : undefined, unit);
}

function item(batchId: string, amount: number, kg: number | undefined, unit: string): ConsumedItem {
  return { batchId, quantity: { amount: keep(amount), unit }, ...(kg !== undefined ? { kg: keep(kg) } : {}) };
}

/**
 * What one output takes from each input, in the order the inputs are named. An output that
 * converts into none of them takes all the writer still holds of each (the writer confirmed the
 * quantities by hand; the rules refuse it otherwise).
 */
function allocate(context: PlanContext, inputs: string[], quantity: Quantity, conversion: Conversion | undefined): ConsumedItem[] {
  const writer = context.org.address;
  const outMeasure = measureOf(quantity, conversion);
  const outAmount = inMeasure(quantity, outMeasure) ?? 0;
  const outKg = inKilograms(outAmount, outMeasure);
  let need = outKg ?? outAmount;
  let converted = false;
  const items = inputs.map((id) => {
    const ledger = context.facts.ledger(id);
    const held = ledger.heldBy(writer);
    const measure = ledger.measure;
    if (!measure) return item(id, 0, undefined, "kg");
    const needHere = outKg !== undefined ? inMeasure({ amount: need, unit: "kg" }, measure) : measure.unit === outMeasure.unit ? need : undefined;
    if (needHere === undefined) return item(id, 0, inKilograms(0, measure), measure.unit);
    converted = true;
    const take = Math.max(0, Math.min(held, needHere));
    const takeKg = inKilograms(take, measure);
    need -= outKg !== undefined ? (takeKg ?? 0) : take;
    return item(id, take, takeKg, measure.unit);
  });
  if (converted) return items;
  // Nothing converts: the output takes all the writer holds of each input. The new batch's own
  // check refuses this unless the writer confirmed the quantities.
  return inputs.map((id) => heldItem(context, id, writer));
}

/** The outputs together may not hold more than the writer holds of the inputs (when the units convert). */
function checkTotal(context: PlanContext, inputs: string[], outputs: Output[]): void {
  const writer = context.org.address;
  let heldKg = 0;
  for (const id of inputs) {
    const ledger = context.facts.ledger(id);
    const kg = ledger.measure ? inKilograms(ledger.heldBy(writer), ledger.measure) : undefined;
    if (kg === undefined) return;
    heldKg += kg;
  }
  let outputKg = 0;
  for (const output of outputs) {
    const measure = measureOf(output.quantity, output.conversion);
    const kg = inKilograms(inMeasure(output.quantity, measure) ?? 0, measure);
    if (kg === undefined) return;
    outputKg += kg;
  }
  if (!fits(outputKg, heldKg)) {
    const problem = RULES.outputsExceed(quantityWords(outputKg, "kg"), quantityWords(heldKg, "kg"));
    throw refusal({ ...problem, en: `${problem.en} (what ${context.org.name} holds of them)`, zh: `${problem.zh}（${context.org.name}持有的数量）` });
  }
}
