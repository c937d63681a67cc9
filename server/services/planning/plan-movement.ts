/**
 * Custody moves: a holder ships, naming the organisation it goes to (also on chain, as the
 * event's counterparty: only that organisation may record the receipt); a receipt takes in what
 * was shipped to its writer; a sale sells what its writer holds. A carrier takes a batch over by
 * receiving it (the holder ships to the carrier), and ships it on as its holder. Each detail states the quantity it
 * moved, in the batch's own unit, so that every reader can follow the custody.
 */
import { EventKind, roleMayRecord } from "../../domain/event-kinds";
import { DomainError } from "../../domain/errors";
import { parseBatchId } from "../../domain/gs1";
import type { PlannedEvent } from "../../domain/ledger-types";
import type { EventBody } from "../../domain/request-shapes";
import type { BatchLedger } from "../ledger-rules/batch-ledger";
import { inOwnUnit, round } from "../ledger-rules/quantities";
import { unitZh } from "../ledger-rules/rule-messages";
import { orgSummary, type PlanContext } from "./plan-context";

type ShipmentBody = Extract<EventBody, { type: "shipment" }>;
type ReceiptBody = Extract<EventBody, { type: "receipt" }>;
type SaleBody = Extract<EventBody, { type: "sale" }>;

/** How far from the batch's usual price a sale must be (either way) to ask for confirmation. */
const PRICE_FACTOR = 3;

export interface MoveTarget {
  batchId: string;
  head: string;
}

export function planShipment(context: PlanContext, target: MoveTarget, body: ShipmentBody): PlannedEvent[] {
  const facts = shipmentFacts(context, target.batchId, body);
  return move(context, target, EventKind.Shipment, "shipment", facts, String((facts.consignee as { address: string }).address));
}

export function planReceipt(context: PlanContext, target: MoveTarget, body: ReceiptBody): PlannedEvent[] {
  return move(context, target, EventKind.Receipt, "receipt", receiptFacts(context, target.batchId, body));
}

export function planSale(context: PlanContext, target: MoveTarget, body: SaleBody): PlannedEvent[] {
  context.checkNotFuture("soldAt", body.soldAt);
  const ledger = context.facts.ledger(target.batchId);
  const usual = usualPrices(context, target.batchId, ledger);
  const planned = move(context, target, EventKind.Sale, "sale", { ...body });
  checkPrice(ledger, body, usual);
  return planned;
}

/** A shipment's facts as the ledger keeps them: whom it goes to, from whom, and how much. */
export function shipmentFacts(context: PlanContext, batchId: string, body: ShipmentBody, prefix = ""): Record<string, unknown> {
  context.checkNotFuture(`${prefix}shippedAt`, body.shippedAt);
  const consignee = context.organisation(body.consignee, `${prefix}consignee`);
  if (!roleMayRecord(consignee.role, "receipt")) {
    throw new DomainError("invalid_request", `${consignee.name} is a ${consignee.role} and cannot record a receipt: ship to a packing house, carrier or counter`, [
      {
        field: `${prefix}consignee`,
        message: `${consignee.name} is a ${consignee.role} and cannot record a receipt: ship to a packing house, carrier or counter`,
        zh: `${consignee.name}不能登记收货：请发给加工厂、承运方或专柜`,
      },
    ]);
  }
  const ledger = context.facts.ledger(batchId);
  const held = ledger.heldBy(context.org.address);
  const quantity = body.quantity ?? (held > 0 && ledger.measure ? inOwnUnit(held, ledger.measure) : undefined);
  return { ...body, consignee: orgSummary(consignee), ...(quantity ? { quantity } : {}) };
}

/** A receipt's facts: what arrives for its writer (all that was shipped to it and not yet received). */
export function receiptFacts(context: PlanContext, batchId: string, body: ReceiptBody, prefix = ""): Record<string, unknown> {
  context.checkNotFuture(`${prefix}receivedAt`, body.receivedAt);
  const ledger = context.facts.ledger(batchId);
  const writer = context.org.address.toLowerCase();
  const arriving = ledger.inTransit().filter((t) => t.toAddress === writer);
  if (arriving.length === 0 || !ledger.measure) return { ...body };
  const amount = arriving.reduce((sum, t) => sum + t.quantity.amount, 0);
  return { ...body, quantity: { amount: round(amount), unit: ledger.measure.own } };
}

function move(
  context: PlanContext,
  target: MoveTarget,
  kind: number,
  name: "shipment" | "receipt" | "sale",
  facts: Record<string, unknown>,
  counterparty?: string,
): PlannedEvent[] {
  const detail = { ...context.common(), ...facts, type: name, batch: { id: target.batchId, ...parseBatchId(target.batchId) } };
  const planned = context.planned(target.batchId, kind, target.head, detail, [], counterparty);
  context.refuseIf(context.facts.ledger(target.batchId).apply(context.entryOf(planned, name)));
  return [planned];
}

/** CNY per unit of measure of the batch's earlier sales and those of the batches it was made from in the same measure. */
function usualPrices(context: PlanContext, batchId: string, ledger: BatchLedger): number[] {
  const prices = [...ledger.unitPrices];
  for (const ancestor of context.facts.ancestors(batchId)) {
    const other = context.facts.ledger(ancestor);
    if (other.measure?.unit === ledger.measure?.unit) prices.push(...other.unitPrices);
  }
  return prices;
}

/** A sale for nothing, or far from the usual price, is recorded only once its writer confirms it. */
function checkPrice(ledger: BatchLedger, body: SaleBody, usual: number[]): void {
  if (body.priceConfirmed || !ledger.measure) return;
  const amount = ledger.toMeasure(body.quantity);
  if (!amount) return;
  const unit = ledger.measure.unit;
  if (body.amountCny === 0) {
    throw confirm(
      `a sale for ¥0: if it was given away, confirm it (priceConfirmed)`,
      `销售金额为 0 元：如确为赠送，请确认`,
    );
  }
  if (usual.length === 0) return;
  const price = body.amountCny / amount;
  const low = Math.min(...usual);
  const high = Math.max(...usual);
  if (price >= low / PRICE_FACTOR && price <= high * PRICE_FACTOR) return;
  const range = low === high ? money(low) : `${money(low)}–${money(high)}`;
  const direction = price < low ? { en: "below", zh: "低于" } : { en: "above", zh: "高于" };
  throw confirm(
    `¥${body.amountCny} for ${body.quantity.amount} ${body.quantity.unit} is ${money(price)} a ${unit}, far ${direction.en} this batch's usual ${range} a ${unit}: check the amount, or confirm it (priceConfirmed)`,
    `${body.amountCny} 元 ${body.quantity.amount} ${unitZh(body.quantity.unit)}，即每${unitZh(unit)} ${money(price)}，远${direction.zh}这个批次通常的每${unitZh(unit)} ${range}：请核对金额，或确认无误`,
  );
}

function confirm(en: string, zh: string): DomainError {
  return new DomainError("confirmation_required", en, [{ field: "amountCny", message: en, zh }]);
}

function money(amount: number): string {
  return `¥${amount >= 1 ? amount.toFixed(2) : amount.toPrecision(2)}`;
}

