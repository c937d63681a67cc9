/**
 * What a mined recordBatch transaction did to each of its events, from its receipt:
 * EventRejected(index, batchId, reason) names the events it skipped, and the EventRecorded logs
 * follow the others in order. The decisions are worked out first (they may need the chain) and
 * then written in one SQLite transaction, each guarded by the nonce the event was submitted in.
 */
import { decodeLedgerLogs, type EventRecordedLog } from "../../chain/ledger-events";
import type { OutboxEvent } from "../../store/outbox-repository";
import type { ChainTx } from "../../store/chain-tx-repository";
import type { ChainHistory } from "./chain-history";
import type { RelayerContext, TickReport } from "./context";
import { explainRevert, revertDataOf, revertName } from "./explain-error";
import { isOrphaned } from "./orphans";
import type { RpcReceipt } from "./rpc";

type Decision =
  | { id: string; action: "confirm"; txHash: string; blockNumber: number; txNonce?: number | null }
  | { id: string; action: "fail"; reason: string }
  | { id: string; action: "requeue"; solo?: boolean };

export async function settleReceipt(
  ctx: RelayerContext,
  tx: ChainTx,
  receipt: RpcReceipt,
  history: ChainHistory,
  report: TickReport,
): Promise<void> {
  const decisions = receipt.status === 1 ? await decideMined(ctx, tx, receipt, history) : await decideReverted(ctx, tx, receipt);
  ctx.db.transaction(() => {
    ctx.txs.markMined(tx.nonce, receipt.transactionHash, receipt.blockNumber);
    apply(ctx, decisions, tx.nonce, report);
  })();
  ctx.log(
    `tx ${receipt.transactionHash} (nonce ${tx.nonce}) mined in block ${receipt.blockNumber}` +
      (receipt.status === 1 ? "" : " but reverted as a whole: its events go again one by one"),
  );
}

function apply(ctx: RelayerContext, decisions: Decision[], inTx: number, report: TickReport): void {
  for (const d of decisions) {
    if (d.action === "confirm") {
      const options = { inTx, finalBlock: ctx.finalBlock, ...(d.txNonce !== undefined && { txNonce: d.txNonce }) };
      if (ctx.outbox.markConfirmed(d.id, d.txHash, d.blockNumber, options)) report.confirmed++;
    } else if (d.action === "fail") {
      if (ctx.outbox.markFailed(d.id, d.reason, { inTx })) {
        report.failed++;
        ctx.log(`event ${d.id} failed: ${d.reason}`);
      }
    } else if (ctx.outbox.requeue([d.id], { inTx, solo: d.solo }) === 1) {
      report.requeued++;
    }
  }
}

async function decideMined(ctx: RelayerContext, tx: ChainTx, receipt: RpcReceipt, history: ChainHistory): Promise<Decision[]> {
  const rejected = new Map<number, string>();
  const recorded: EventRecordedLog[] = [];
  for (const log of decodeLedgerLogs(receipt.logs, ctx.ledger.address)) {
    if (log.type === "EventRejected") rejected.set(log.index, log.reason);
    if (log.type === "EventRecorded") recorded.push(log);
  }

  const decisions: Decision[] = [];
  let next = 0;
  for (const [index, id] of tx.eventIds.entries()) {
    const reason = rejected.get(index);
    const log = reason === undefined ? recorded[next++] : undefined; // recorded logs follow the others in order
    const event = ctx.outbox.byId(id);
    if (!event) continue;
    if (reason !== undefined) {
      decisions.push(await decideRejected(ctx, event, reason, history));
      continue;
    }
    if (log && log.batchId === event.batchId.toLowerCase() && log.dataHash === event.dataHash.toLowerCase()) {
      decisions.push({ id, action: "confirm", txHash: receipt.transactionHash, blockNumber: receipt.blockNumber });
    } else {
      // The logs do not line up with what we sent (should not happen): ask the chain itself.
      const found = await history.find(event);
      decisions.push(found ? { id, action: "confirm", ...found } : { id, action: "requeue" });
    }
  }
  return decisions;
}

/**
 * A rejected event fails, except when the rejection is only about order: StaleHead or
 * BatchExists for an event the chain already has (sent twice: confirm it), StaleHead or
 * UnknownBatch while an earlier event it depends on is still on its way (send it again after),
 * or StaleHead because the event it extended failed (it may be re-signed before it is sent).
 */
async function decideRejected(
  ctx: RelayerContext,
  event: OutboxEvent,
  reason: string,
  history: ChainHistory,
): Promise<Decision> {
  const name = revertName(ctx.ledger.iface, reason);
  if (name === "ProvenanceLedgerStaleHead" || name === "ProvenanceLedgerBatchExists") {
    const found = await history.find(event);
    if (found) return { id: event.id, action: "confirm", ...found };
  }
  if (name === "ProvenanceLedgerStaleHead" || name === "ProvenanceLedgerUnknownBatch") {
    const batch = String(ctx.ledger.iface.parseError(reason)!.args[0]);
    if (ctx.outbox.hasEarlierUnsettled(batch, event.seq)) return { id: event.id, action: "requeue" };
  }
  // The event it extended failed: back to pending, where it is re-signed or failed (orphans.ts).
  if (name === "ProvenanceLedgerStaleHead" && isOrphaned(ctx, event)) return { id: event.id, action: "requeue" };
  return { id: event.id, action: "fail", reason: explainRevert(ctx.ledger.iface, reason) };
}

/**
 * recordBatch reverts only for a malformed call (or out of gas): the events go back one by one
 * so the bad one is found; a lone event that reverted fails with the reason the call gives.
 */
async function decideReverted(ctx: RelayerContext, tx: ChainTx, receipt: RpcReceipt): Promise<Decision[]> {
  if (tx.eventIds.length > 1) return tx.eventIds.map((id) => ({ id, action: "requeue" as const, solo: true }));
  let reason = "the transaction reverted: out of gas";
  const data = (await revertOf(ctx, tx.data, receipt.blockNumber - 1)) ?? (await revertOf(ctx, tx.data, "latest"));
  if (data !== undefined) reason = explainRevert(ctx.ledger.iface, data);
  return tx.eventIds.map((id) => ({ id, action: "fail" as const, reason }));
}

/**
 * The revert data of the call at that block, or undefined when it does not revert there or the
 * node no longer holds that block's state (the embedded chain keeps none but the latest).
 */
async function revertOf(ctx: RelayerContext, data: string, block: number | "latest"): Promise<string | undefined> {
  try {
    await ctx.rpc.call({ to: ctx.ledger.address, data }, block);
    return undefined;
  } catch (error) {
    const revert = revertDataOf(error);
    if (revert !== undefined) return revert;
    if (block === "latest") throw error; // the node does not answer: try again next tick
    return undefined;
  }
}
