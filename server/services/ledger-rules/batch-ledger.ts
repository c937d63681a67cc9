/**
 * The ledger's rules, written once: a batch's custody, quantities, recall reach and corrections,
 * folded over its entries in ledger order. The gateway folds what it accepted and refuses a write
 * that would break a rule; a page and an independent audit fold what the chain holds and mark
 * every event that breaks one, whoever relayed it.
 *
 * - Custody: the creator holds the batch first. A holder's shipment moves some or all of what it
 *   holds towards the organisation it names (the consignee, also on chain), which alone records
 *   the receipt; a carrier takes a batch over by receiving it. Only a holder processes, ships or
 *   sells, and a sale to a consumer leaves the ledger.
 * - Quantities: each batch keeps what each holder has, in the batch's measure (kg for weights,
 *   else its counted unit); a quantity in another unit converts only through a stated weight.
 *   Splits and merges draw on their input batches by the amounts their detail names (consumed).
 * - Recalls reach every batch made from a recalled one: no shipment, processing or sale after.
 * - Corrections (void or supersede an earlier event, EPCIS errorDeclaration) are applied before
 *   the replay, so custody and quantities are those of the corrected history.
 *
 * An entry that breaks a custody or quantity rule changes nothing (it could not have happened);
 * one with only a wrong time, or made from a recalled batch, still moves the produce it names.
 */
import { batchIdFor } from "../../domain/gs1";
import { notBefore } from "../../domain/china-dates";
import { compareOrder, occurredAt, OCCURRED_AT_FIELD, type AncestorRecall, type BatchEntries, type Finding, type LedgerEntry } from "./entries";
import { checkCounty, futureProblem } from "./origin-rules";
import { fits, inKilograms, inMeasure, inOwnUnit, isWeight, KILOGRAMS_PER, measureOf, type Conversion, type Measure, type Quantity } from "./quantities";
import { quantityWords, RULES, type Held, type Party } from "./rule-messages";

export interface RuleOptions {
  /** Whether the address holds the ledger's admin role (it may correct any event). */
  isAdmin(address: string): boolean;
  /** Now (ms): what an event not yet on chain is checked against for times in the future. */
  now: number;
}

type Detail = Record<string, unknown>;
type Problem = Omit<Finding, "ref">;

export interface Transit {
  ref: string;
  from: string;
  to: string;
  amount: number;
  shippedAt?: string;
}

/** How an earlier event was corrected: by which correction, and to what. */
export interface AppliedCorrection {
  ref: string;
  declaration: "void" | "supersede";
  reason: string;
  signer: string;
  replacement?: Detail;
}

/** Findings that mean the event could not have happened: its effects are not applied. */
const BLOCKING = new Set(["not_received", "not_holder", "in_transit", "not_shipped_to", "exceeds_held", "unit_mismatch", "ship_to_self", "voided_batch", "consignee_mismatch"]);
const CORRECTABLE = new Set(["harvest", "processing", "shipment", "receipt", "sale"]);
const SUPERSEDABLE = new Set(["harvest", "shipment", "receipt", "sale"]);

export class BatchLedger {
  readonly findings: Finding[] = [];
  /** What the batch counts in; undefined until its creation's detail is known. */
  measure?: Measure;
  creator?: string;
  creationTime?: string;
  /** The product's name as the creating event gives it (a split's output may rename it). */
  productName?: string;
  /** The batch's creating event was declared void. */
  voided = false;
  recall?: { ref: string; reason: string | null };
  created = 0;
  sold = 0;
  drawn = 0;
  readonly holdings = new Map<string, number>();
  transits: Transit[] = [];
  /** Target ref → the correction that applies to it (the latest valid one). */
  readonly corrections = new Map<string, AppliedCorrection>();
  /** CNY per unit of measure of the sales so far (private amounts included where known). */
  readonly unitPrices: number[] = [];
  /** Organisations as the details name them, by lowercase address. */
  readonly parties = new Map<string, Party>();
  private readonly heldSince = new Map<string, string>();
  private readonly everHeld = new Set<string>();
  private started = false;

  private constructor(
    readonly batchId: string,
    private readonly ancestorRecalls: readonly AncestorRecall[],
    private readonly options: RuleOptions,
  ) {}

  /** The batch's state after all its entries, with what each broke. */
  static fold(entries: BatchEntries, options: RuleOptions): BatchLedger {
    const ledger = new BatchLedger(entries.batchId, entries.ancestorRecalls, options);
    ledger.collectCorrections(entries.own);
    const all = [...entries.own, ...entries.draws].sort((a, b) => compareOrder(a.order, b.order));
    for (const entry of all) ledger.replay(entry);
    return ledger;
  }

  /** Applies one more entry (an event of this batch, or a draw on it); returns what it broke. */
  apply(entry: LedgerEntry): Finding[] {
    const before = this.findings.length;
    this.replay(entry);
    return this.findings.slice(before);
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** Who holds how much, in the batch's own unit. */
  holders(): Array<{ address: string; party: Party; quantity: Quantity }> {
    const measure = this.measure;
    return [...this.holdings]
      .filter(([, amount]) => amount > 1e-9)
      .map(([address, amount]) => ({
        address,
        party: this.partyOf(address),
        quantity: measure ? inOwnUnit(amount, measure) : { amount, unit: "" },
      }));
  }

  /** What the organisation holds, in the batch's measure (0 for none). */
  heldBy(address: string): number {
    return this.holdings.get(address.toLowerCase()) ?? 0;
  }

  /** What is on its way, to whom. */
  inTransit(): Array<{ ref: string; from: Party; to: Party; toAddress: string; quantity: Quantity }> {
    return this.transits.map((t) => ({
      ref: t.ref,
      from: this.partyOf(t.from),
      to: this.partyOf(t.to),
      toAddress: t.to,
      quantity: this.measure ? inOwnUnit(t.amount, this.measure) : { amount: t.amount, unit: "" },
    }));
  }

  /** What remains of the batch (held or on its way), in its own unit. */
  remaining(): Quantity | undefined {
    if (!this.measure) return undefined;
    return inOwnUnit(Math.max(0, this.created - this.sold - this.drawn), this.measure);
  }

  /** How an event of this batch stands after the corrections. */
  statusOf(ref: string): "live" | "void" | "superseded" {
    const correction = this.corrections.get(ref);
    return correction ? (correction.declaration === "void" ? "void" : "superseded") : "live";
  }

  /** The recall of a batch this one was made from, recorded before `order`, if any. */
  recalledAncestor(): AncestorRecall | undefined {
    return this.ancestorRecalls[0];
  }

  partyOf(address: string): Party {
    return this.parties.get(address) ?? { name: address };
  }

  /** The amount in the batch's measure, or undefined when the unit does not convert. */
  toMeasure(quantity: Quantity): number | undefined {
    return this.measure ? inMeasure(quantity, this.measure) : undefined;
  }

  // ---- corrections (first pass) -----------------------------------------------------------------

  private collectCorrections(own: readonly LedgerEntry[]): void {
    const earlier = new Map<string, LedgerEntry>();
    for (const entry of own) {
      if (entry.kind === "correction" && entry.detail) {
        const problem = this.correctionProblem(entry, earlier);
        if (problem) this.findings.push({ ref: entry.ref, ...problem });
        else {
          const d = entry.detail;
          this.corrections.set(String(d.corrects).toLowerCase(), {
            ref: entry.ref,
            declaration: d.declaration === "supersede" ? "supersede" : "void",
            reason: String(d.reason ?? ""),
            signer: entry.signer,
            replacement: d.declaration === "supersede" ? (d.replacement as Detail) : undefined,
          });
        }
      }
      earlier.set(entry.ref.toLowerCase(), entry);
    }
  }

  private correctionProblem(entry: LedgerEntry, earlier: Map<string, LedgerEntry>): Problem | undefined {
    const d = entry.detail!;
    const targetRef = String(d.corrects ?? "").toLowerCase();
    const target = earlier.get(targetRef);
    if (!target) return RULES.correctionTarget(targetRef);
    if (!CORRECTABLE.has(target.kind)) return RULES.correctionKind(target.kind);
    if (this.corrections.get(targetRef)?.declaration === "void") return RULES.alreadyVoid();
    if (entry.signer !== target.signer && !this.options.isAdmin(entry.signer)) {
      return RULES.notCorrector(this.namedIn(target.detail, target.signer));
    }
    if (d.declaration !== "supersede") return undefined;
    if (!SUPERSEDABLE.has(target.kind)) return RULES.supersedeKind(target.kind);
    const replacement = (d.replacement ?? {}) as Detail;
    if (replacement.type !== target.kind) return RULES.replacementKind(target.kind);
    if (target.kind === "harvest" && !this.keepsBatch(replacement)) return RULES.replacementBatch();
    return undefined;
  }

  private keepsBatch(replacement: Detail): boolean {
    try {
      const product = replacement.product as { gtin?: string } | undefined;
      return batchIdFor(String(product?.gtin), String(replacement.lot)) === this.batchId;
    } catch {
      return false;
    }
  }

  // ---- the replay (second pass) -----------------------------------------------------------------

  private replay(entry: LedgerEntry): void {
    if (entry.batchId !== this.batchId) {
      if (!entry.voided) this.draw(entry);
      return;
    }
    const first = !this.started;
    this.started = true;
    this.learnParties(entry.detail, entry.signer);
    if (entry.kind === "correction") return;
    if (entry.kind === "recall") {
      this.recall = { ref: entry.ref, reason: (entry.detail?.reason as string | undefined) ?? null };
      this.checkTime(entry, entry.detail);
      return;
    }
    const correction = this.corrections.get(entry.ref.toLowerCase());
    if (correction?.declaration === "void") {
      if (first) this.voided = true;
      return;
    }
    const detail = correction?.replacement && entry.detail ? { ...entry.detail, ...correction.replacement } : entry.detail;
    this.learnParties(detail, entry.signer);

    const problems: Problem[] = [];
    if (first) this.create(entry, detail, problems);
    else if (this.voided) problems.push(RULES.voidedBatch());
    else if (detail) this.extend(entry, detail, problems);
    this.record(entry, problems);
  }

  private create(entry: LedgerEntry, detail: Detail | undefined, problems: Problem[]): void {
    this.creator = entry.signer;
    if (!detail) return; // a batch whose detail is unknown here: its quantities cannot be checked
    const made = entry.kind === "harvest" ? detail : ((detail.output ?? {}) as Detail);
    this.productName = ((made.product as Detail | undefined)?.name as string | undefined) ?? this.productName;
    const quantity = made.quantity as Quantity | undefined;
    if (quantity) {
      this.measure = measureOf(quantity, made.conversion as Conversion | undefined);
      this.created = inMeasure(quantity, this.measure) ?? 0;
      this.holdings.set(entry.signer, this.created);
    }
    this.everHeld.add(entry.signer);
    this.creationTime = occurredAt({ kind: entry.kind, detail });
    if (this.creationTime) this.heldSince.set(entry.signer, this.creationTime);
    if (entry.kind === "harvest") {
      const origin = (detail.origin ?? {}) as Detail;
      const county = checkCounty(origin.countyCode, origin.county);
      if ("problem" in county) problems.push(county.problem);
    } else {
      this.checkOutputBalance(detail, problems);
    }
    this.checkTime(entry, detail, problems);
  }

  private extend(entry: LedgerEntry, detail: Detail, problems: Problem[]): void {
    switch (entry.kind) {
      case "processing":
        return this.processInPlace(entry, detail, problems);
      case "shipment":
        return this.ship(entry, detail, problems);
      case "receipt":
        return this.receive(entry, detail, problems);
      case "sale":
        return this.sell(entry, detail, problems);
      default:
        return; // a second harvest cannot reach the chain
    }
  }

  private processInPlace(entry: LedgerEntry, detail: Detail, problems: Problem[]): void {
    this.checkRecallReach(entry, problems);
    this.requireHolder(entry, problems);
    this.checkHeldSince(entry, detail, entry.signer, problems);
    this.checkTime(entry, detail, problems);
    if (problems.some((p) => BLOCKING.has(p.code))) return;
    // A merge: what was taken from the other inputs now belongs to this batch.
    let gained = 0;
    const unconverted: string[] = [];
    for (const item of consumedOf(detail)) {
      if (item.batchId === this.batchId) continue;
      const amount = this.consumedInMeasure(item);
      if (amount === undefined) unconverted.push(item.quantity.unit);
      else gained += amount;
    }
    if (unconverted.length > 0 && detail.quantitiesConfirmed !== true && this.measure) {
      problems.push(RULES.unitsUnchecked([this.measure.own, ...unconverted]));
    }
    this.add(entry.signer, gained);
    this.created += gained;
  }

  private ship(entry: LedgerEntry, detail: Detail, problems: Problem[]): void {
    this.checkRecallReach(entry, problems);
    // The chain's counterparty is the consignee that may record the receipt; a detail that names
    // another breaks the ledger's word.
    const named = addressIn(detail.consignee);
    const consignee = entry.counterparty && !/^0x0+$/.test(entry.counterparty) ? entry.counterparty.toLowerCase() : named;
    if (named && consignee && named !== consignee) problems.push(RULES.consigneeMismatch(consignee));
    this.requireHolder(entry, problems);
    if (consignee === entry.signer) problems.push(RULES.shipToSelf());
    const blocked = () => problems.some((p) => BLOCKING.has(p.code));
    const amount = blocked() ? undefined : this.amountOf(detail.quantity, entry.signer, problems, "quantity");
    this.checkHeldSince(entry, detail, entry.signer, problems);
    this.checkTime(entry, detail, problems);
    if (amount === undefined || !consignee || blocked()) return;
    this.add(entry.signer, -amount);
    this.transits.push({ ref: entry.ref, from: entry.signer, to: consignee, amount, shippedAt: detail.shippedAt as string | undefined });
  }

  private receive(entry: LedgerEntry, detail: Detail, problems: Problem[]): void {
    const arriving = this.transits.filter((t) => t.to === entry.signer);
    if (arriving.length === 0) problems.push(RULES.nothingShippedTo(this.partyOf(entry.signer), this.held(), this.transitTargets()));
    const receivedAt = detail.receivedAt as string | undefined;
    for (const transit of arriving) {
      if (receivedAt && transit.shippedAt && !notBefore(receivedAt, transit.shippedAt)) {
        problems.push(RULES.beforeShipped("receivedAt", transit.shippedAt));
        break;
      }
    }
    this.checkTime(entry, detail, problems);
    if (problems.some((p) => BLOCKING.has(p.code))) return;
    if (this.heldBy(entry.signer) <= 0 && receivedAt) this.heldSince.set(entry.signer, receivedAt);
    this.add(entry.signer, arriving.reduce((sum, t) => sum + t.amount, 0));
    this.everHeld.add(entry.signer);
    this.transits = this.transits.filter((t) => t.to !== entry.signer);
  }

  private sell(entry: LedgerEntry, detail: Detail, problems: Problem[]): void {
    this.checkRecallReach(entry, problems);
    this.requireHolder(entry, problems);
    const amount = problems.some((p) => BLOCKING.has(p.code)) ? undefined : this.amountOf(detail.quantity, entry.signer, problems, "quantity");
    this.checkHeldSince(entry, detail, entry.signer, problems);
    this.checkTime(entry, detail, problems);
    if (amount === undefined || problems.some((p) => BLOCKING.has(p.code))) return;
    this.add(entry.signer, -amount);
    this.sold += amount;
    // A gift (¥0) is no price: it must not widen the range later sales are compared with.
    if (typeof detail.amountCny === "number" && detail.amountCny > 0 && amount > 0) this.unitPrices.push(detail.amountCny / amount);
  }

  /** A split or merge recorded on another batch that takes from this one. */
  private draw(entry: LedgerEntry): void {
    const problems: Problem[] = [];
    const detail = entry.detail;
    this.learnParties(detail, entry.signer);
    if (this.voided) {
      this.record(entry, [RULES.voidedBatch("inputs")]);
      return;
    }
    this.checkRecallReach(entry, problems, "inputs");
    const named = detail && Array.isArray(detail.consumed);
    const item = detail ? consumedOf(detail).find((c) => c.batchId === this.batchId) : undefined;
    // An input a split took nothing more from (an earlier output took it all) was still the writer's.
    if (named && (!item || item.quantity.amount === 0)) {
      if (!this.everHeld.has(entry.signer)) problems.push(this.notHoldingProblem(entry.signer, "inputs"));
    } else this.requireHolder(entry, problems, "inputs");
    let amount: number | undefined;
    if (!problems.some((p) => BLOCKING.has(p.code)) && detail) {
      const output = (detail.output as Detail | undefined)?.quantity as Quantity | undefined;
      if (named) amount = item && item.quantity.amount > 0 ? this.amountOf(item.quantity, entry.signer, problems, "outputs") : 0;
      else if (output && entry.inputs.length === 1) amount = Math.min(this.toMeasure(output) ?? Infinity, this.heldBy(entry.signer));
      else amount = this.heldBy(entry.signer); // recorded before details named what a split took
      this.checkHeldSince(entry, detail, entry.signer, problems);
    }
    this.record(entry, problems);
    if (amount === undefined || problems.some((p) => BLOCKING.has(p.code))) return;
    this.add(entry.signer, -amount);
    this.drawn += amount;
  }

  // ---- checks -----------------------------------------------------------------------------------

  /** A split's output may not hold more than it drew from its inputs (in kg, or the same counted unit). */
  private checkOutputBalance(detail: Detail, problems: Problem[]): void {
    const consumed = consumedOf(detail);
    if (consumed.length === 0 || !this.measure) return; // recorded before the ledger named what a split took
    const outputKg = inKilograms(this.created, this.measure);
    const inputKg = consumed.map((item) => item.kg ?? (isWeight(item.quantity.unit) ? item.quantity.amount * KILOGRAMS_PER[item.quantity.unit] : undefined));
    if (outputKg !== undefined && inputKg.every((kg) => kg !== undefined)) {
      const available = inputKg.reduce((sum: number, kg) => sum + kg!, 0);
      if (!fits(outputKg, available)) problems.push(RULES.outputsExceed(quantityWords(outputKg, "kg"), quantityWords(available, "kg")));
      return;
    }
    if (consumed.every((item) => item.quantity.unit === this.measure!.unit)) {
      const available = consumed.reduce((sum, item) => sum + item.quantity.amount, 0);
      if (!fits(this.created, available)) {
        problems.push(RULES.outputsExceed(quantityWords(this.created, this.measure.unit), quantityWords(available, this.measure.unit)));
      }
      return;
    }
    if (detail.quantitiesConfirmed !== true) {
      problems.push(RULES.unitsUnchecked([...new Set([this.measure.own, ...consumed.map((item) => item.quantity.unit)])]));
    }
  }

  /** The amount of `quantity` in the measure, refused when it does not convert or exceeds what `holder` has. */
  private amountOf(quantity: unknown, holder: string, problems: Problem[], field: string): number | undefined {
    const held = this.heldBy(holder);
    if (!this.measure) return undefined;
    if (!isQuantity(quantity)) return held; // a shipment of all the shipper holds
    const amount = inMeasure(quantity, this.measure);
    if (amount === undefined) {
      problems.push(RULES.unitMismatch(this.measure.unit, quantity.unit, `${field}.unit`));
      return undefined;
    }
    if (!fits(amount, held)) {
      problems.push(RULES.exceeds(this.partyOf(holder), this.words(held), quantityWords(quantity.amount, quantity.unit), `${field}.amount`));
      return undefined;
    }
    return Math.min(amount, held);
  }

  private requireHolder(entry: LedgerEntry, problems: Problem[], field?: string): void {
    if (this.heldBy(entry.signer) > 0) return;
    problems.push(this.notHoldingProblem(entry.signer, field));
  }

  /** Why `address` may not act as the batch's holder, if it holds none of it. */
  custodyProblem(address: string, field?: string, party?: Party): Problem | undefined {
    const who = address.toLowerCase();
    if (party && !this.parties.has(who)) this.parties.set(who, party);
    return this.heldBy(who) > 0 ? undefined : this.notHoldingProblem(who, field);
  }

  private notHoldingProblem(address: string, field?: string): Problem {
    const actor = this.partyOf(address);
    if (this.transits.some((t) => t.to === address)) return RULES.stillInTransit(actor, field);
    if (this.everHeld.has(address)) return RULES.notHolder(actor, this.held(), this.transitTargets(), field);
    return RULES.notReceived(actor, this.held(), this.transitTargets(), field);
  }

  private checkRecallReach(entry: LedgerEntry, problems: Problem[], field?: string): void {
    const recall = this.ancestorRecalls.find((r) => compareOrder(r.order, entry.order) < 0);
    if (recall) problems.push(RULES.recalledAncestor(recall.lot, recall.reason, field));
  }

  private checkHeldSince(entry: LedgerEntry, detail: Detail, holder: string, problems: Problem[]): void {
    const field = OCCURRED_AT_FIELD[entry.kind];
    const at = occurredAt({ kind: entry.kind, detail });
    const since = this.heldSince.get(holder);
    if (field && at && since && !notBefore(at, since)) problems.push(RULES.beforeHeld(field, this.partyOf(holder), since));
  }

  private checkTime(entry: LedgerEntry, detail: Detail | undefined, problems?: Problem[]): void {
    const field = OCCURRED_AT_FIELD[entry.kind];
    const at = occurredAt({ kind: entry.kind, detail });
    if (!field || !at) return;
    const problem = futureProblem(field, at, entry.chainTime ?? this.options.now);
    if (!problem) return;
    if (problems) problems.push(problem);
    else this.findings.push({ ref: entry.ref, ...problem });
  }

  private record(entry: LedgerEntry, problems: Problem[]): void {
    const seen = new Set<string>();
    for (const problem of problems) {
      if (seen.has(problem.code)) continue;
      seen.add(problem.code);
      this.findings.push({ ref: entry.ref, ...problem });
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private add(holder: string, amount: number): void {
    const next = (this.holdings.get(holder) ?? 0) + amount;
    if (next > 1e-9) this.holdings.set(holder, next);
    else this.holdings.delete(holder);
    if (amount > 0) this.everHeld.add(holder);
  }

  private consumedInMeasure(item: ConsumedItem): number | undefined {
    if (!this.measure) return undefined;
    // By weight first: the input's counted unit may weigh otherwise than this batch's (5 kg boxes into 10 kg boxes).
    const byWeight = item.kg !== undefined ? inMeasure({ amount: item.kg, unit: "kg" }, this.measure) : undefined;
    return byWeight ?? inMeasure(item.quantity, this.measure);
  }

  private held(): Held[] {
    return this.holders().map((h) => ({ party: h.party, amount: quantityWords(h.quantity.amount, h.quantity.unit) }));
  }

  private transitTargets(): Party[] {
    return this.transits.map((t) => this.partyOf(t.to));
  }

  private words(amount: number): string {
    const own = this.measure ? inOwnUnit(amount, this.measure) : { amount, unit: "" };
    return quantityWords(own.amount, own.unit);
  }

  private learnParties(detail: Detail | undefined, signer: string): void {
    if (!detail) return;
    const org = detail.org as { name?: string; role?: string } | undefined;
    if (org?.name && !this.parties.has(signer)) this.parties.set(signer, { name: org.name, role: org.role });
    for (const key of ["consignee", "shipper"]) {
      const named = detail[key] as { name?: string; role?: string; address?: string } | undefined;
      const address = addressIn(named);
      if (address && named?.name && !this.parties.has(address)) this.parties.set(address, { name: named.name, role: named.role });
    }
  }

  private namedIn(detail: Detail | undefined, signer: string): Party {
    const org = detail?.org as { name?: string; role?: string } | undefined;
    return org?.name ? { name: org.name, role: org.role } : this.partyOf(signer);
  }
}

/** One input a split or merge took from, as its detail names it. */
export interface ConsumedItem {
  batchId: string;
  /** In the input's own measure. */
  quantity: Quantity;
  /** The same in kilograms, when it has a weight. */
  kg?: number;
}

export function consumedOf(detail: Detail): ConsumedItem[] {
  const consumed = detail.consumed;
  if (!Array.isArray(consumed)) return [];
  return consumed
    .filter((item): item is ConsumedItem => typeof item?.batchId === "string" && isQuantity(item.quantity))
    .map((item) => ({ ...item, batchId: item.batchId.toLowerCase() }));
}

function isQuantity(value: unknown): value is Quantity {
  const q = value as Quantity | undefined;
  return typeof q?.amount === "number" && typeof q.unit === "string";
}

function addressIn(value: unknown): string | undefined {
  const address = (value as { address?: unknown } | undefined)?.address;
  return typeof address === "string" ? address.toLowerCase() : undefined;
}

