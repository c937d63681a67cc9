/**
 * Hand-built ledger histories for the rules' unit tests: organisations with made-up addresses,
 * entries in ledger order with details shaped as the planner writes them, and the batch's
 * entries (its own, the draws of splits and merges on it) as LedgerFacts would hand them to
 * BatchLedger.fold. No database, no chain: the rules alone.
 */
import { batchIdFor } from "../../../server/domain/gs1";
import type { EventKindName } from "../../../server/domain/event-kinds";
import { BatchLedger, type RuleOptions } from "../../../server/services/ledger-rules/batch-ledger";
import type { AncestorRecall, BatchEntries, LedgerEntry } from "../../../server/services/ledger-rules/entries";
import type { Conversion, Quantity } from "../../../server/services/ledger-rules/quantities";

export const MANGO = "06901234567892";
export const TEA = "06901234567809";

export interface StoryOrg {
  address: string;
  name: string;
  role: string;
}

const org = (n: number, name: string, role: string): StoryOrg => ({ address: `0x${n.toString(16).padStart(40, "0")}`, name, role });

export const ORGS = {
  coop: org(0xa1, "田阳芒果专业合作社", "producer"),
  coop2: org(0xa2, "乐业猕猴桃合作社", "producer"),
  packer: org(0xb1, "百色分拣包装厂", "processor"),
  carrier: org(0xc1, "顺丰冷运", "carrier"),
  carrier2: org(0xc2, "京东冷链", "carrier"),
  counter: org(0xd1, "福田区消费扶贫专柜", "retailer"),
  counter2: org(0xd2, "罗湖区消费扶贫专柜", "retailer"),
  admin: org(0xe1, "消费帮扶办公室", "admin"),
};

/** Now for the rules: 2026-07-20 12:00 in China. The story's events happen in June. */
export const NOW = Date.parse("2026-07-20T12:00:00+08:00");
export const OPTIONS: RuleOptions = { isAdmin: (address) => address === ORGS.admin.address, now: NOW };

const summary = (o: StoryOrg) => ({ name: o.name, role: o.role, address: o.address });

type Fields = Record<string, unknown>;

export class Story {
  readonly entries: LedgerEntry[] = [];
  private position = 0;

  /** An entry after every earlier one, with a detail as the planner writes it. */
  add(batchId: string, kind: EventKindName, by: StoryOrg, detail: Fields, inputs: string[] = [], extra: Partial<LedgerEntry> = {}): LedgerEntry {
    const n = ++this.position;
    const entry: LedgerEntry = {
      ref: `0x${n.toString(16).padStart(64, "0")}`,
      batchId: batchId.toLowerCase(),
      kind,
      signer: by.address,
      detail: { v: 2, org: summary(by), type: kind, ...detail },
      inputs: inputs.map((id) => id.toLowerCase()),
      order: [0, n, 0],
      ...extra,
    };
    this.entries.push(entry);
    return entry;
  }

  harvest(lot: string, by: StoryOrg, fields: Fields = {}): LedgerEntry {
    const batchId = batchIdFor(MANGO, lot);
    return this.add(batchId, "harvest", by, {
      product: { name: "田阳香芒", gtin: MANGO },
      lot,
      batch: { id: batchId, gtin: MANGO, lot },
      origin: { countyCode: "451003", county: "百色市田阳区" },
      quantity: { amount: 1000, unit: "kg" },
      harvestedAt: "2026-06-01T08:00:00+08:00",
      ...fields,
    });
  }

  /**
   * A shipment to `consignee`, which the chain names as the event's counterparty too (pass
   * `counterparty` for one the chain names otherwise, or null for an entry whose counterparty is
   * not known).
   */
  ship(batchId: string, by: StoryOrg, consignee: StoryOrg, fields: Fields = {}, counterparty: string | null = consignee.address): LedgerEntry {
    const detail = { consignee: summary(consignee), from: "百色市田阳区", to: "深圳市福田区", shippedAt: "2026-06-02T06:00:00+08:00", ...fields };
    return this.add(batchId, "shipment", by, detail, [], counterparty === null ? {} : { counterparty });
  }

  receive(batchId: string, by: StoryOrg, fields: Fields = {}): LedgerEntry {
    return this.add(batchId, "receipt", by, { location: by.name, receivedAt: "2026-06-03T09:00:00+08:00", ...fields });
  }

  sell(batchId: string, by: StoryOrg, quantity: Quantity, fields: Fields = {}): LedgerEntry {
    return this.add(batchId, "sale", by, { quantity, amountCny: quantity.amount * 10, channel: "counter", soldAt: "2026-06-03T15:00:00+08:00", ...fields });
  }

  /**
   * A split: a new batch `lot` made from `consumed` (each input, how much of its measure, and the
   * same in kg); every input is named on chain.
   */
  split(lot: string, by: StoryOrg, output: { quantity: Quantity; conversion?: Conversion; gtin?: string }, consumed: Array<[string, Quantity, number?]>, fields: Fields = {}): LedgerEntry {
    const gtin = output.gtin ?? TEA;
    const batchId = batchIdFor(gtin, lot);
    const inputs = consumed.map(([id]) => id.toLowerCase());
    return this.add(batchId, "processing", by, {
      step: "sorting",
      occurredAt: "2026-06-02T10:00:00+08:00",
      batch: { id: batchId, gtin, lot },
      output: { gtin, lot, quantity: output.quantity, ...(output.conversion ? { conversion: output.conversion } : {}), product: { name: "田阳香芒礼盒" } },
      inputs,
      consumed: consumedItems(consumed),
      ...fields,
    }, inputs);
  }

  /** Processing of `batchId` in place, taking `consumed` of other batches into it. */
  merge(batchId: string, by: StoryOrg, consumed: Array<[string, Quantity, number?]>, fields: Fields = {}): LedgerEntry {
    const others = consumed.map(([id]) => id.toLowerCase());
    return this.add(batchId, "processing", by, {
      step: "packing",
      occurredAt: "2026-06-02T10:00:00+08:00",
      inputs: others,
      consumed: consumedItems(consumed),
      ...fields,
    }, others);
  }

  recall(batchId: string, by: StoryOrg, fields: Fields = {}): LedgerEntry {
    return this.add(batchId, "recall", by, { reason: "农残抽检超标", recalledAt: "2026-06-04T10:00:00+08:00", ...fields });
  }

  correct(target: LedgerEntry | { batchId: string; ref: string }, by: StoryOrg, declaration: "void" | "supersede", replacement?: Fields): LedgerEntry {
    return this.add(target.batchId, "correction", by, {
      corrects: target.ref,
      declaration,
      reason: declaration === "void" ? "录入错误" : "数量录错",
      ...(replacement ? { replacement } : {}),
    });
  }

  /** The batch's entries as LedgerFacts gives them: its own, and the draws of other batches on it. */
  entriesOf(batchId: string, ancestorRecalls: AncestorRecall[] = []): BatchEntries {
    const id = batchId.toLowerCase();
    const own = this.entries.filter((e) => e.batchId === id);
    const draws = this.entries
      .filter((e) => e.kind === "processing" && e.batchId !== id && e.inputs.includes(id))
      .map((e) => ({ ...e, voided: this.voidedOn(e.batchId).has(e.ref) }));
    return { batchId: id, own, draws, ancestorRecalls };
  }

  fold(batchId: string, options: RuleOptions = OPTIONS, ancestorRecalls: AncestorRecall[] = []): BatchLedger {
    return BatchLedger.fold(this.entriesOf(batchId, ancestorRecalls), options);
  }

  private voidedOn(batchId: string): Set<string> {
    return new Set(
      this.entries
        .filter((e) => e.batchId === batchId && e.kind === "correction" && e.detail?.declaration === "void")
        .map((e) => String(e.detail?.corrects).toLowerCase()),
    );
  }
}

function consumedItems(consumed: Array<[string, Quantity, number?]>) {
  return consumed.map(([batchId, quantity, kg]) => ({ batchId: batchId.toLowerCase(), quantity, ...(kg !== undefined ? { kg } : {}) }));
}

/** What a fold holds that an event may change: who has how much, what is on its way, the totals. */
export function stateOf(ledger: BatchLedger) {
  return {
    holdings: Object.fromEntries(ledger.holdings),
    transits: ledger.transits.map((t) => ({ ...t })),
    created: ledger.created,
    sold: ledger.sold,
    drawn: ledger.drawn,
    voided: ledger.voided,
  };
}

/** Holders by organisation name, with their quantity in the batch's own unit. */
export function holdersOf(ledger: BatchLedger): Record<string, Quantity> {
  return Object.fromEntries(ledger.holders().map((h) => [h.party.name, h.quantity]));
}

export function codesOf(findings: ReadonlyArray<{ code: string }>): string[] {
  return findings.map((f) => f.code);
}
