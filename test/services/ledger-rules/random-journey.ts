/**
 * Random journeys for the rules' property test: the commands fast-check draws (harvests,
 * shipments, receipts, sales, splits, merges, recalls, corrections, settling the chain), and a
 * Journey that turns each into a write through the gateway's API, choosing plausible writers,
 * batches and quantities most of the time (so journeys go deep) and implausible ones the rest
 * (so the rules have something to refuse). Every answer is kept in the journey's log.
 */
import fc from "fast-check";
import { Wallet } from "ethers";
import { ANVIL_DEV_KEY } from "../../../server/chain/anvil";
import { LedgerEntryReads, type LedgerView } from "../../../server/store/ledger-entry-reads";
import { LedgerFacts } from "../../../server/services/ledger-rules/ledger-facts";
import type { BatchLedger } from "../../../server/services/ledger-rules/batch-ledger";
import { MANGO_GTIN, TEA_GTIN } from "../../../scripts/lib/payloads";
import { TEST_ADMIN_TOKEN, type Harness } from "../../helpers/gateway-harness";

const MINUTE = 60_000;
/** Statuses a refused write may get; anything else (a 500) is a failure of its own. */
const REFUSALS = new Set([400, 403, 404, 409]);

export const ORG_SPECS = [
  ["田阳芒果专业合作社", "producer"],
  ["乐业猕猴桃合作社", "producer"],
  ["百色分拣包装厂", "processor"],
  ["顺丰冷运", "carrier"],
  ["京东冷链", "carrier"],
  ["福田区消费扶贫专柜", "retailer"],
  ["罗湖区消费扶贫专柜", "retailer"],
] as const;

export interface JourneyOrg {
  id: string;
  address: string;
  apiKey: string;
  name: string;
  role: string;
}

// ---- commands ---------------------------------------------------------------------------------

type Skew = "now" | "plain" | "early" | "future";
interface When {
  advance: number;
  skew: Skew;
}
type Unit = "kg" | "t" | "jin" | "box" | "bag" | "crate";
interface Amount {
  /** Percent of what the writer holds (or of the batch, when it holds nothing). */
  share: number;
  unit: number;
}

type Command =
  | { kind: "harvest"; by: number; amount: number; unit: Unit; boxKg: number | null; county: number; when: When }
  | { kind: "ship"; batch: number; by: number; to: number; amount: Amount | null; when: When }
  | { kind: "receive"; batch: number; by: number; when: When }
  | { kind: "sell"; batch: number; by: number; amount: Amount; price: number; confirmed: boolean; when: When }
  | { kind: "split"; batch: number; other: number | null; by: number; outputs: Array<{ share: number; unit: number; boxKg: number }>; when: When }
  | { kind: "merge"; batch: number; other: number; by: number; when: When }
  | { kind: "recall"; batch: number; by: number; when: When }
  | { kind: "correct"; batch: number; event: number; by: number; supersede: boolean; share: number; when: When }
  /** Relayer and indexer catch up: later writes are checked against events on chain and in the queue alike. */
  | { kind: "settle" };

const when = fc.record({
  advance: fc.integer({ min: 1, max: 600 }),
  skew: fc.oneof(
    { weight: 24, arbitrary: fc.constant<Skew>("now") },
    { weight: 3, arbitrary: fc.constant<Skew>("plain") },
    { weight: 1, arbitrary: fc.constant<Skew>("early") },
    { weight: 1, arbitrary: fc.constant<Skew>("future") },
  ),
});
const index = fc.nat({ max: 1000 });
const amount = fc.record({ share: fc.integer({ min: 1, max: 130 }), unit: fc.nat({ max: 9 }) });

const harvest = fc.record({ kind: fc.constant("harvest" as const), by: index, amount: fc.integer({ min: 1, max: 2000 }), unit: fc.constantFrom<Unit>("kg", "kg", "t", "jin", "box", "bag"), boxKg: fc.option(fc.integer({ min: 1, max: 20 })), county: fc.nat({ max: 11 }), when });
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: harvest },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant("ship" as const), batch: index, by: index, to: index, amount: fc.option(amount), when }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant("receive" as const), batch: index, by: index, when }) },
  { weight: 12, arbitrary: fc.record({ kind: fc.constant("sell" as const), batch: index, by: index, amount, price: fc.integer({ min: 0, max: 60 }), confirmed: fc.boolean(), when }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("split" as const), batch: index, other: fc.option(index, { freq: 3 }), by: index, outputs: fc.array(fc.record({ share: fc.integer({ min: 1, max: 60 }), unit: fc.nat({ max: 5 }), boxKg: fc.integer({ min: 1, max: 12 }) }), { minLength: 1, maxLength: 2 }), when }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("merge" as const), batch: index, other: index, by: index, when }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("recall" as const), batch: index, by: index, when }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("correct" as const), batch: index, event: index, by: index, supersede: fc.boolean(), share: fc.integer({ min: 1, max: 120 }), when }) },
  { weight: 1, arbitrary: fc.constant({ kind: "settle" as const }) },
);
/** A journey starts with a harvest or two: before one, there is nothing to write about. */
export const journey = fc.record({
  commands: fc.tuple(fc.array(harvest, { minLength: 1, maxLength: 2 }), fc.array(command, { minLength: 60, maxLength: 120 })).map(([first, rest]) => [...first, ...rest]),
  settle: fc.boolean(),
});

// ---- running a journey ------------------------------------------------------------------------

/** An accepted write of the journey, as it was asked for. */
interface Written {
  eventId: string;
  batchId: string;
  kind: string;
  by: JourneyOrg | "admin";
  body: Record<string, unknown>;
}

const COUNTIES = ["451003", "451028", "451227", "441621", "451003", "451028", "451227", "441621", "451003", "441900", "460321", "999999"];
const KG_PER: Record<string, number> = { kg: 1, t: 1000, jin: 0.5 };

export class Journey {
  readonly batches: string[] = [];
  readonly written: Written[] = [];
  readonly tally = new Map<string, number>();
  readonly log: string[] = [];
  private clock: number;
  private lots = 0;

  constructor(
    private readonly h: Harness,
    private readonly orgs: JourneyOrg[],
    private readonly run: number,
    start: number,
  ) {
    this.clock = start;
  }

  async perform(c: Command): Promise<void> {
    if (c.kind === "settle") {
      await this.h.settle();
      return this.count("settled mid-journey");
    }
    if (c.kind !== "harvest" && this.batches.length === 0) return;
    const facts = this.facts();
    const isa = (...roles: string[]) => (o: JourneyOrg) => roles.includes(o.role);
    switch (c.kind) {
      case "harvest": {
        const producer = this.pick(c.by, this.orgs.filter(isa("producer")));
        const weighed = c.unit === "box" || c.unit === "bag" ? true : c.boxKg !== null;
        const body = {
          product: { name: "田阳香芒", gtin: MANGO_GTIN },
          lot: this.lot(),
          origin: { countyCode: COUNTIES[c.county] },
          quantity: { amount: c.amount, unit: c.unit },
          ...(weighed ? { conversion: { unit: c.unit === "bag" ? "bag" : "box", kg: c.boxKg ?? 5 } } : {}),
          harvestedAt: this.time(c.when),
        };
        return this.write(producer, "harvest", "/api/v1/batches", body);
      }
      case "ship": {
        const [batch, ledger] = this.batchFor(c.batch, facts, (l) => l.holders().length > 0);
        const holders = this.holdersOf(ledger);
        // Mostly a holder; sometimes a carrier that holds nothing (it may only ship what it received: refused).
        const carriers = this.orgs.filter(isa("carrier"));
        const by = this.pick(c.by, [...holders, ...holders, ...carriers]);
        // Carriers are consignees often enough that journeys go through them: shipped to, received, shipped on.
        const to = this.pick(c.to, [...this.orgs.filter(isa("processor", "carrier", "retailer")), ...this.orgs.filter(isa("carrier", "retailer"))]);
        const quantity = c.amount ? this.quantity(ledger, by, c.amount) : undefined;
        const body = { type: "shipment", consignee: to.id, from: "百色", to: "深圳", shippedAt: this.time(c.when), ...(quantity ? { quantity } : {}) };
        return this.event(by, batch, body);
      }
      case "receive": {
        const [batch, ledger] = this.batchFor(c.batch, facts, (l) => l.inTransit().length > 0);
        const arriving = ledger.inTransit().map((t) => this.orgOf(t.toAddress)).filter((o): o is JourneyOrg => o !== undefined);
        const by = this.pick(c.by, [...repeat(arriving, 6), ...this.orgs]);
        return this.event(by, batch, { type: "receipt", location: by.name, receivedAt: this.time(c.when) });
      }
      case "sell": {
        const [batch, ledger] = this.batchFor(c.batch, facts, (l) => this.holdersOf(l).some(isa("retailer")));
        const counters = this.holdersOf(ledger).filter(isa("retailer"));
        const by = this.pick(c.by, [...repeat(counters, 8), ...repeat(this.orgs.filter(isa("retailer")), 4), ...this.orgs]);
        const quantity = this.quantity(ledger, by, c.amount);
        const body = { type: "sale", quantity, amountCny: Math.round(quantity.amount * c.price * 100) / 100, channel: "counter", soldAt: this.time(c.when), ...(c.confirmed ? { priceConfirmed: true } : {}) };
        return this.event(by, batch, body);
      }
      case "split": {
        const [batch, ledger] = this.batchFor(c.batch, facts, (l) => this.holdersOf(l).some(isa("producer", "processor")));
        const holders = this.holdersOf(ledger).filter(isa("producer", "processor"));
        const by = this.pick(c.by, [...repeat(holders, 6), ...this.orgs]);
        const otherId = c.other === null ? undefined : this.batches[c.other % this.batches.length];
        const other = otherId === batch ? undefined : otherId;
        const heldKg = this.kgHeld(ledger, by) + (other ? this.kgHeld(facts.ledger(other), by) : 0);
        const outputs = c.outputs.map((o) => {
          const kg = Math.max(0.001, (heldKg || 100) * (o.share / 100));
          const unit = (["kg", "t", "jin", "box", "bag", "crate"] as const)[o.unit];
          const counted = unit === "box" || unit === "bag";
          const per = counted ? o.boxKg : unit === "crate" ? 10 : KG_PER[unit];
          const amount = counted ? Math.max(1, Math.floor(kg / per)) : Math.max(0.001, round(kg / per));
          return { gtin: TEA_GTIN, lot: this.lot(), quantity: { amount, unit }, ...(counted ? { conversion: { unit, kg: o.boxKg } } : {}) };
        });
        const body = { type: "processing", step: "sorting", occurredAt: this.time(c.when), ...(other ? { inputs: [other] } : {}), outputs };
        return this.event(by, batch, body);
      }
      case "merge": {
        const [batch, ledger] = this.batchFor(c.batch, facts, (l) => this.holdersOf(l).some(isa("producer", "processor")));
        const holders = this.holdersOf(ledger).filter(isa("producer", "processor"));
        const by = this.pick(c.by, [...repeat(holders, 6), ...this.orgs]);
        const other = this.batches[c.other % this.batches.length];
        const body = { type: "processing", step: "packing", occurredAt: this.time(c.when), ...(other !== batch ? { inputs: [other] } : {}) };
        return this.event(by, batch, body);
      }
      case "recall": {
        // Mostly a batch others were made from: the recall then reaches downstream.
        const [batch, ledger] = this.batchFor(c.batch, facts, (l) => l.drawn > 0);
        const creator = this.orgOf(ledger.creator ?? "");
        const by = this.pick(c.by, [...(creator ? [creator, creator, creator] : []), ...this.orgs]);
        return this.event(by, batch, { type: "recall", reason: "抽检不合格", recalledAt: this.time(c.when) });
      }
      case "correct": {
        const targets = this.written.filter((w) => w.kind !== "correction" && w.kind !== "recall");
        if (targets.length === 0) return;
        const target = targets[c.event % targets.length];
        const writer = target.by === "admin" ? undefined : target.by;
        const pool: Array<JourneyOrg | "admin"> = [...(writer ? [writer, writer, writer, writer] : []), "admin", ...this.orgs];
        const by = pool[c.by % pool.length];
        const replacement = c.supersede ? this.replacement(target, c.share, c.when) : undefined;
        const body = { type: "correction", corrects: target.eventId, declaration: replacement ? "supersede" : "void", reason: "录入错误", ...(replacement ? { replacement } : {}) };
        if (by === "admin") return this.write("admin", "correction", `/api/v1/batches/${target.batchId}/corrections`, body);
        return this.event(by, target.batchId, body);
      }
    }
  }

  /** A batch of the journey, most often one `likely` holds for and no recall reaches (where the write has a chance). */
  private batchFor(n: number, facts: LedgerFacts, likely: (ledger: BatchLedger) => boolean): [string, BatchLedger] {
    const open = (ledger: BatchLedger) => !ledger.recall && !ledger.recalledAncestor() && !ledger.voided;
    const likelyOnes = this.batches.filter((id) => likely(facts.ledger(id)));
    const preferred = likelyOnes.filter((id) => open(facts.ledger(id)));
    // Some writes go to a batch a recall upstream reaches: the rules must refuse those.
    const reached = likelyOnes.filter((id) => facts.ledger(id).recalledAncestor() !== undefined);
    const batch = this.pick(n, [...repeat(preferred, 4), ...repeat(reached, 2), ...this.batches]);
    return [batch, facts.ledger(batch)];
  }

  /** The accepted view, as a new write is checked against it. */
  facts(view: LedgerView = "accepted"): LedgerFacts {
    return new LedgerFacts(new LedgerEntryReads(this.h.db), view, { isAdmin, now: Date.now() });
  }

  private replacement(target: Written, share: number, at: When): Record<string, unknown> | undefined {
    const scaled = (q: { amount: number; unit: string }) => ({ amount: Math.max(0.001, round((q.amount * share) / 100)), unit: q.unit });
    switch (target.kind) {
      case "harvest":
        return { ...target.body, type: "harvest", quantity: scaled(target.body.quantity as { amount: number; unit: string }) };
      case "sale":
        return { ...target.body, quantity: scaled(target.body.quantity as { amount: number; unit: string }), priceConfirmed: true };
      case "shipment":
        return target.body.quantity ? { ...target.body, quantity: scaled(target.body.quantity as { amount: number; unit: string }) } : undefined;
      case "receipt":
        return { ...target.body, receivedAt: this.time(at) };
      default:
        return undefined; // processing can only be declared void
    }
  }

  private async event(by: JourneyOrg, batchId: string, body: Record<string, unknown>): Promise<void> {
    return this.write(by, String(body.type), `/api/v1/batches/${batchId}/events`, body);
  }

  private async write(by: JourneyOrg | "admin", kind: string, path: string, body: Record<string, unknown>): Promise<void> {
    const token = by === "admin" ? TEST_ADMIN_TOKEN : by.apiKey;
    const { status, body: answer } = await this.h.call("POST", path, { token, body });
    const who = by === "admin" ? "admin" : by.name;
    this.log.push(`${status} ${kind} by ${who}: ${JSON.stringify(body)} → ${status === 202 ? answer.eventId : JSON.stringify(answer.error ?? answer)}`);
    if (status !== 202) {
      if (!REFUSALS.has(status)) throw new Error(`a ${kind} got ${status}: ${JSON.stringify(answer)}\n${this.log.slice(-10).join("\n")}`);
      this.count(`refused ${kind}`);
      return;
    }
    this.count(kind);
    for (const event of answer.events as Array<{ eventId: string; batchId: string }>) {
      const batchId = event.batchId.toLowerCase();
      if (!this.batches.includes(batchId)) this.batches.push(batchId);
      const own = event.batchId.toLowerCase() === String(answer.batchId).toLowerCase();
      this.written.push({ eventId: event.eventId, batchId, kind: own ? kind : "processing", by, body });
    }
  }

  private count(key: string): void {
    this.tally.set(key, (this.tally.get(key) ?? 0) + 1);
  }

  /** A quantity near what `by` holds (or what the batch has), in one of several units, some of which will not convert. */
  private quantity(ledger: BatchLedger, by: JourneyOrg, amount: Amount): { amount: number; unit: string } {
    const kg = this.kgHeld(ledger, by) || this.kgHeld(ledger, undefined) || 10;
    const conversion = ledger.measure?.conversion;
    const units = ["own", "own", "own", "kg", "kg", "jin", "t", "box", "bag", "crate"];
    const unit = units[amount.unit] === "own" ? (ledger.measure?.own ?? "kg") : units[amount.unit];
    const per = KG_PER[unit] ?? (conversion?.unit === unit ? conversion.kg : 5);
    return { amount: Math.max(0.001, round(((kg / per) * amount.share) / 100)), unit };
  }

  /** Kilograms `by` holds of the batch (undefined `by`: all the batch has left). */
  private kgHeld(ledger: BatchLedger, by: JourneyOrg | undefined): number {
    const measure = ledger.measure;
    if (!measure) return 0;
    const amount = by ? ledger.heldBy(by.address) : ledger.holders().reduce((sum, h) => sum + ledger.heldBy(h.address), 0);
    if (measure.unit === "kg") return amount;
    return measure.conversion ? amount * measure.conversion.kg : amount;
  }

  private holdersOf(ledger: BatchLedger): JourneyOrg[] {
    return ledger.holders().map((h) => this.orgOf(h.address)).filter((o): o is JourneyOrg => o !== undefined);
  }

  private orgOf(address: string): JourneyOrg | undefined {
    return this.orgs.find((o) => o.address.toLowerCase() === address.toLowerCase());
  }

  private pick<T>(n: number, pool: T[]): T {
    const all = pool.length > 0 ? pool : (this.orgs as unknown as T[]);
    return all[n % all.length];
  }

  private lot(): string {
    return `J${this.run}-${++this.lots}`;
  }

  /** The journey's clock moves on; a write says when it happened: now, as a China date, earlier, or in the future. */
  private time(at: When): string {
    this.clock += at.advance * MINUTE;
    switch (at.skew) {
      case "now":
        return chinaDateTime(this.clock);
      case "plain":
        return chinaDateTime(this.clock).slice(0, 10);
      case "early":
        return chinaDateTime(this.clock - at.advance * 20 * MINUTE);
      case "future":
        return chinaDateTime(Date.now() + 2 * 86_400_000);
    }
  }
}

const ADMIN_ADDRESS = new Wallet(ANVIL_DEV_KEY).address.toLowerCase();
const isAdmin = (address: string) => address.toLowerCase() === ADMIN_ADDRESS;

function chinaDateTime(ms: number): string {
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

function repeat<T>(items: T[], times: number): T[] {
  return Array.from({ length: times }, () => items).flat();
}

function round(amount: number): number {
  return Math.round(amount * 1000) / 1000;
}
