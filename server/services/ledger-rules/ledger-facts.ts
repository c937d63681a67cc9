/**
 * The gateway's side of the rules: builds a batch's entries from the index and the send queue
 * (store/ledger-entry-reads.ts) and folds them (batch-ledger.ts). One LedgerFacts answers one
 * question at a time; folds are kept for the length of that question, because a write that
 * touches several batches, or a page that shows a batch's ancestry, asks for each batch more
 * than once.
 */
import { eventKindName } from "../../domain/event-kinds";
import { parseBatchId } from "../../domain/gs1";
import { revealPrivateFields } from "../../domain/private-fields";
import { privateValuesOf } from "../../store/private-field-repository";
import type { EntryRow, LedgerEntryReads, LedgerView } from "../../store/ledger-entry-reads";
import { BatchLedger, type RuleOptions } from "./batch-ledger";
import type { AncestorRecall, BatchEntries, LedgerEntry, LedgerOrder } from "./entries";

/** Batches followed back at most when looking for recalled ancestors: a pack's ancestry is a handful. */
const MAX_ANCESTORS = 64;

export class LedgerFacts {
  private readonly folds = new Map<string, BatchLedger>();

  constructor(
    private readonly reads: LedgerEntryReads,
    private readonly view: LedgerView,
    private readonly options: RuleOptions,
  ) {}

  /** The batch folded over its entries in this view (kept for this LedgerFacts' life). */
  ledger(batchId: string): BatchLedger {
    const id = batchId.toLowerCase();
    let ledger = this.folds.get(id);
    if (!ledger) {
      ledger = BatchLedger.fold(this.entries(id), this.options);
      this.folds.set(id, ledger);
    }
    return ledger;
  }

  /** The batch's entries: its own events, the draws on it and the recalls of its ancestors. */
  entries(batchId: string): BatchEntries {
    const id = batchId.toLowerCase();
    const own = this.reads.own(id, this.view).map(toEntry);
    const draws = this.reads.draws(id, this.view).map(toEntry);
    const voidedOn = new Map<string, Set<string>>();
    for (const draw of draws) {
      let voided = voidedOn.get(draw.batchId);
      if (!voided) voidedOn.set(draw.batchId, (voided = this.voidedRefs(draw.batchId)));
      draw.voided = voided.has(draw.ref.toLowerCase());
    }
    return { batchId: id, own, draws, ancestorRecalls: this.ancestorRecalls(id) };
  }

  /** Folds entries given here (a write's what-if: the batch with one more correction). */
  foldWith(entries: BatchEntries): BatchLedger {
    return BatchLedger.fold(entries, this.options);
  }

  /** The batches this one was made from, directly or not, nearest first. */
  ancestors(batchId: string): string[] {
    const found: string[] = [];
    const seen = new Set([batchId.toLowerCase()]);
    const queue = this.reads.inputsOf(batchId, this.view);
    while (queue.length > 0 && seen.size < MAX_ANCESTORS) {
      const id = queue.shift()!;
      if (seen.has(id)) continue;
      seen.add(id);
      found.push(id);
      queue.push(...this.reads.inputsOf(id, this.view));
    }
    return found;
  }

  /** The batch's recalled ancestors, nearest first, each with where its recall stands. */
  ancestorRecalls(batchId: string): AncestorRecall[] {
    return this.ancestors(batchId).flatMap((id) => {
      const recall = this.reads.recallOf(id, this.view);
      if (!recall) return [];
      const detail = parse(recall.detail);
      return [{ batchId: id, lot: lotOf(id), order: orderOf(recall), reason: (detail?.reason as string | undefined) ?? null }];
    });
  }

  /** Data hashes of the batch's events that a correction of it declares void. */
  private voidedRefs(batchId: string): Set<string> {
    const voided = new Set<string>();
    for (const row of this.reads.correctionsOn(batchId, this.view)) {
      const detail = parse(row.detail);
      if (detail?.declaration === "void" && typeof detail.corrects === "string") voided.add(detail.corrects.toLowerCase());
    }
    return voided;
  }
}

export function toEntry(row: EntryRow): LedgerEntry {
  return {
    ref: row.dataHash.toLowerCase(),
    batchId: row.batchId.toLowerCase(),
    kind: eventKindName(row.kind),
    signer: row.signer.toLowerCase(),
    detail: withPrivateValues(parse(row.detail), row.privateValues),
    inputs: row.inputs,
    counterparty: row.counterparty,
    order: orderOf(row),
    chainTime: row.timestamp === null ? undefined : row.timestamp * 1000,
    eventId: row.eventId ?? undefined,
  };
}

/** The detail with the private values this gateway holds put back (accepted view only: the chain's view has none). */
function withPrivateValues(detail: Record<string, unknown> | undefined, values: string | null | undefined): Record<string, unknown> | undefined {
  if (!detail || !values) return detail;
  return revealPrivateFields(detail, privateValuesOf(values));
}

function orderOf(row: EntryRow): LedgerOrder {
  return row.blockNumber !== null ? [0, row.blockNumber, row.logIndex ?? 0] : [1, row.seq ?? 0, 0];
}

function parse(text: string | null): Record<string, unknown> | undefined {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function lotOf(batchId: string): string {
  try {
    return parseBatchId(batchId).lot;
  } catch {
    return batchId;
  }
}
