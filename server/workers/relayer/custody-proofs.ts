/**
 * The custody proofs an event needs on chain: for its own batch (unless it creates it), the link
 * and custody its prevHead commits to; for each input, the input's link and custody as they will
 * stand when the event runs (after every earlier event the relayer sends). They come from the
 * send queue first (each accepted event keeps its link and the custody after it), then from the
 * index, then, for a batch moved by others, from the chain's own logs.
 */
import type { CustodyProof, ProvenEvent } from "../../chain/ledger-calls";
import { batchHistoryFilter, decodeLedgerLogs, replayBatch } from "../../chain/ledger-events";
import { ZERO_HASH } from "../../domain/hashes";
import type { OutboxEvent } from "../../store/outbox-repository";
import type { RelayerContext } from "./context";

/** The group's events, each with its proofs; an event whose custody cannot be proven is named in `unproven`. */
export async function withProofs(ctx: RelayerContext, group: readonly OutboxEvent[]): Promise<{ proven: ProvenEvent[]; unproven: OutboxEvent[] }> {
  const proven: ProvenEvent[] = [];
  const unproven: OutboxEvent[] = [];
  for (const event of group) {
    const proofs: (CustodyProof | undefined)[] = [];
    if (event.prevHead !== ZERO_HASH) proofs.push(await proofOf(ctx, event.batchId, event.seq, event.prevHead));
    for (const input of event.inputs) proofs.push(await proofOf(ctx, input, event.seq));
    if (proofs.some((proof) => proof === undefined)) unproven.push(event);
    else proven.push({ ...event, proofs: proofs as CustodyProof[] });
  }
  return { proven, unproven };
}

/**
 * What `batchId`'s head commits to just before the event at `seq` runs: the latest earlier
 * accepted event's link and custody (when `head` is given, only if it produced that head).
 */
export async function proofOf(ctx: RelayerContext, batchId: string, seq: number, head?: string): Promise<CustodyProof | undefined> {
  const before = ctx.outbox.predecessor(batchId, seq);
  if (before && (head === undefined || same(before.head, head)) && before.link) return { link: before.link, custody: before.custody };
  const indexed = ctx.index?.batchState(batchId);
  if (indexed && indexed.link && (head === undefined ? !before : same(indexed.head, head))) return { link: indexed.link, custody: indexed.custody };
  // A batch another relayer moved: the chain's own logs say where it stands.
  const logs = await ctx.rpc.logs(batchHistoryFilter(ctx.ledger.address, batchId, ctx.fromBlock));
  const chained = replayBatch(batchId, decodeLedgerLogs(logs, ctx.ledger.address));
  const step = head === undefined ? chained.at(-1) : chained.find((e) => same(e.head, head));
  return step && { link: step.link, custody: step.custody };
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
