/**
 * A batch's entries read from a chain node itself, not from any gateway's index: its own events
 * replayed from its logs, the splits and merges that drew on it (found by their BatchDerived
 * logs naming it as the input), the corrections of those, and the recalls of the batches it was
 * made from. Details come from whatever `detailOf` reads (this gateway's store, a peer, a
 * bundle file), so the rules can be checked by anyone who can read the chain.
 */
import { keccak256, toUtf8Bytes, zeroPadValue, type Provider } from "ethers";
import { BATCH_DERIVED_TOPIC, batchHistoryFilter, decodeLedgerLogs, replayBatch, type ChainedEvent } from "../../chain/ledger-events";
import { EventKind, eventKindName } from "../../domain/event-kinds";
import { parseBatchId } from "../../domain/gs1";
import type { AncestorRecall, BatchEntries, LedgerEntry } from "./entries";

/** The canonical detail of an event, by its data hash; undefined when it cannot be had. */
export type DetailSource = (dataHash: string) => string | undefined;

/** Batches followed back at most for recalls: a pack's ancestry is a handful. */
const MAX_ANCESTORS = 64;

export class ChainEntries {
  private readonly histories = new Map<string, Promise<ChainedEvent[]>>();
  private readonly blockTimes = new Map<number, Promise<number>>();

  constructor(
    private readonly provider: Provider,
    private readonly address: string,
    private readonly deployBlock: number,
    private readonly detailOf: DetailSource,
  ) {}

  async entries(batchId: string): Promise<BatchEntries> {
    const id = batchId.toLowerCase();
    const own = await this.ownEntries(id);
    const draws: LedgerEntry[] = [];
    for (const output of await this.derivedFrom(id)) {
      const events = await this.ownEntries(output);
      const voided = voidedRefs(events);
      for (const entry of events) {
        if (entry.kind === "processing" && entry.inputs.includes(id)) draws.push({ ...entry, voided: voided.has(entry.ref) });
      }
    }
    return { batchId: id, own, draws, ancestorRecalls: await this.ancestorRecalls(own) };
  }

  private async ownEntries(batchId: string): Promise<LedgerEntry[]> {
    const chained = await this.history(batchId);
    return Promise.all(
      chained.map(async ({ event, signer, blockNumber, logIndex }) => ({
        ref: event.dataHash.toLowerCase(),
        batchId,
        kind: eventKindName(event.kind),
        signer: signer.toLowerCase(),
        detail: checked(this.detailOf(event.dataHash), event.dataHash),
        inputs: event.inputs.map((i) => i.toLowerCase()),
        counterparty: event.counterparty.toLowerCase(),
        order: [0, blockNumber, logIndex] as const,
        chainTime: (await this.blockTime(blockNumber)) * 1000,
      })),
    );
  }

  private history(batchId: string): Promise<ChainedEvent[]> {
    let history = this.histories.get(batchId);
    if (!history) {
      history = this.provider
        .getLogs(batchHistoryFilter(this.address, batchId, this.deployBlock))
        .then((logs) => replayBatch(batchId, decodeLedgerLogs(logs, this.address)));
      this.histories.set(batchId, history);
    }
    return history;
  }

  /** Batches whose events named this one as an input. */
  private async derivedFrom(batchId: string): Promise<string[]> {
    const logs = await this.provider.getLogs({
      address: this.address,
      topics: [BATCH_DERIVED_TOPIC, null, zeroPadValue(batchId, 32)],
      fromBlock: this.deployBlock,
    });
    return [...new Set(logs.map((log) => log.topics[1].toLowerCase()))];
  }

  private async ancestorRecalls(own: LedgerEntry[]): Promise<AncestorRecall[]> {
    const recalls: AncestorRecall[] = [];
    const seen = new Set(own.map((e) => e.batchId));
    const queue = own.flatMap((e) => e.inputs);
    while (queue.length > 0 && seen.size < MAX_ANCESTORS) {
      const id = queue.shift()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const events = await this.ownEntries(id);
      const recall = events.find((e) => e.kind === "recall");
      if (recall) recalls.push({ batchId: id, lot: parseBatchId(id).lot, order: recall.order, reason: (recall.detail?.reason as string | undefined) ?? null });
      queue.push(...events.flatMap((e) => e.inputs));
    }
    return recalls;
  }

  private blockTime(blockNumber: number): Promise<number> {
    let time = this.blockTimes.get(blockNumber);
    if (!time) {
      time = this.provider.getBlock(blockNumber).then((block) => block?.timestamp ?? 0);
      this.blockTimes.set(blockNumber, time);
    }
    return time;
  }
}

/** Refs a correction among these events declares void. */
function voidedRefs(events: LedgerEntry[]): Set<string> {
  return new Set(
    events
      .filter((e) => e.kind === eventKindName(EventKind.Correction) && e.detail?.declaration === "void")
      .map((e) => String(e.detail?.corrects).toLowerCase()),
  );
}

/** The detail, if its keccak256 is the data hash the chain holds: a source is never trusted. */
function checked(text: string | undefined, dataHash: string): Record<string, unknown> | undefined {
  if (text === undefined || keccak256(toUtf8Bytes(text)) !== dataHash.toLowerCase()) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
