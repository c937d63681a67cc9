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

/** The group's events, each with its proofs; an event whose custody cannot be proven is named in `unproven`, with why. */
export async function withProofs(
  ctx: RelayerContext,
  group: readonly OutboxEvent[],
): Promise<{ proven: ProvenEvent[]; unproven: Array<{ event: OutboxEvent; reason: string }> }> {
  const proven: ProvenEvent[] = [];
  const unproven: Array<{ event: OutboxEvent; reason: string }> = [];
  for (const event of group) {
    const proofs: CustodyProof[] = [];
    let reason: string | undefined;
    if (event.prevHead !== ZERO_HASH) {
      const own = await proofOf(ctx, event.batchId, event.seq, event.prevHead);
      if (own) proofs.push(own);
      else reason = "the custody this event extends cannot be proven: its batch's head is not one the gateway or the chain knows";
    }
    for (const input of event.inputs) {
      if (reason) break;
      const proof = await proofOf(ctx, input, event.seq);
      if (proof) proofs.push(proof);
      else reason = `the custody of input batch ${input} cannot be proven: neither the gateway nor the chain knows the batch`;
    }
    if (reason) unproven.push({ event, reason });
    else proven.push({ ...event, proofs });
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
