/**
 * Events that extend a head their batch will never have: the event they extended failed (or was
 * signed again over another head). Sent as they are, the chain would reject them as stale, so
 * before sending, each is either re-signed over the batch's real head by the `resign` callback
 * (custodial organisations) or failed with the stale-head reason.
 */
import { recoverAddress, Signature } from "ethers";
import { decodeHeadOf, encodeHeadOf } from "../../chain/ledger-calls";
import { chainStep, eventDigest } from "../../chain/typed-data";
import { proofOf } from "./custody-proofs";
import { type LedgerEvent } from "../../domain/ledger-types";
import { ZERO_HASH } from "../../domain/hashes";
import type { OutboxEvent } from "../../store/outbox-repository";
import type { RelayerContext, TickReport } from "./context";
import { explainRevert } from "./explain-error";

/** Up to batchSize pending events in seq order, none of them orphaned. */
export async function sendableWindow(ctx: RelayerContext, report: TickReport): Promise<OutboxEvent[]> {
  // Each pass fails or re-signs at least one event, or returns: it ends.
  for (;;) {
    const window = ctx.outbox.pending(ctx.batchSize);
    let changed = false;
    for (const event of window) {
      if (await settleOrphan(ctx, event, report)) changed = true;
    }
    if (!changed) return window;
  }
}

/** True when the event was orphaned and has now been re-signed or failed. */
async function settleOrphan(ctx: RelayerContext, event: OutboxEvent, report: TickReport): Promise<boolean> {
  if (!isOrphaned(ctx, event)) return false;
  const realHead = await headToExtend(ctx, event);

  let signature: { r: string; s: string; v: number } | undefined;
  let why = "the event it extended failed";
  try {
    signature = realHead !== ZERO_HASH && ctx.resign ? await ctx.resign(event, realHead) : undefined;
  } catch (error) {
    // Not retried: a key that cannot be unlocked now will not be next tick, and the queue must move.
    why += `, and signing it again failed (${(error as Error).message})`;
  }
  // The custody the real head commits to: the re-signed event's head commits to what follows it.
  const tip = signature ? await proofOf(ctx, event.batchId, event.seq, realHead) : undefined;
  if (signature && !tip) why += ", and the custody of the head it must extend cannot be proven";
  if (signature && tip) {
    const resigned: LedgerEvent = {
      batchId: event.batchId,
      kind: event.kind,
      prevHead: realHead,
      dataHash: event.dataHash,
      inputs: event.inputs,
      counterparty: event.counterparty,
    };
    const { r, s, v } = Signature.from(signature);
    const signer = recoverAddress(eventDigest(ctx.domain, resigned), { r, s, v });
    if (signer.toLowerCase() === event.signer.toLowerCase()) {
      const { head, link, custody } = chainStep(resigned, event.signer, tip.custody);
      if (ctx.outbox.resign(event.id, { prevHead: realHead, head, link, custody, r, s, v })) {
        report.resigned++;
        ctx.log(`event ${event.id} re-signed over ${realHead}: the event it extended failed`);
      }
      return true;
    }
    why += `, and signing it again gave a signature by ${signer}, not by ${event.signer}`;
  }
  const reason = `${explainRevert(ctx.ledger.iface, staleHeadData(ctx, event, realHead))}; ${why}`;
  if (ctx.outbox.markFailed(event.id, reason)) {
    report.failed++;
    ctx.log(`event ${event.id} failed: ${reason}`);
  }
  return true;
}

/**
 * Whether the event extends a head its batch will not have, as far as the outbox knows: the
 * batch's latest earlier event that has not failed has another head, or, with none left, the
 * head it extends is that of a failed event of ours (a batch built by other means is left for
 * the chain to judge).
 */
export function isOrphaned(ctx: RelayerContext, event: OutboxEvent): boolean {
  const before = ctx.outbox.predecessor(event.batchId, event.seq);
  if (before) return !same(before.head, event.prevHead);
  return !same(event.prevHead, ZERO_HASH) && ctx.outbox.failedWithHead(event.batchId, event.seq, event.prevHead) !== undefined;
}

/** The head an orphaned event should extend: its latest earlier event's that has not failed, else the chain's. */
async function headToExtend(ctx: RelayerContext, event: OutboxEvent): Promise<string> {
  const before = ctx.outbox.predecessor(event.batchId, event.seq);
  if (before) return before.head;
  return decodeHeadOf(await ctx.rpc.call({ to: ctx.ledger.address, data: encodeHeadOf(event.batchId) }));
}

/** The error the chain would give, so that the reason reads like every other rejection. */
function staleHeadData(ctx: RelayerContext, event: OutboxEvent, realHead: string): string {
  return ctx.ledger.iface.encodeErrorResult("ProvenanceLedgerStaleHead", [event.batchId, realHead, event.prevHead]);
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
