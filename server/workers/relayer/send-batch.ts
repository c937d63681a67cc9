/**
 * Sends pending events, in seq order, in recordBatch transactions. Each transaction is signed
 * locally and recorded (chain_txs row and events 'submitted', one SQLite transaction) before it
 * is broadcast, so a crash at any point leaves a row that the next tick reconciles.
 */
import { encodeRecordBatch } from "../../chain/ledger-calls";
import { ZERO_HASH } from "../../domain/hashes";
import type { OutboxEvent } from "../../store/outbox-repository";
import type { RelayerContext, TickReport } from "./context";
import { explainRevert, revertDataOf } from "./explain-error";
import { sendableWindow } from "./orphans";
import { withProofs } from "./custody-proofs";
import { max, min, replacementFees, signLedgerTx } from "./transaction";

/**
 * Gas bounds per event, above what recording costs (about 70k for an event that creates its
 * batch, under 30k for one on an existing batch, plus a few thousand per input). A batch is sent
 * with the sum as its gas limit and no estimate first: an estimate executes the whole batch
 * several times over on the node (a binary search), which halved the throughput, and it runs
 * against the latest block, where events extending ones still in the pool are cheap rejections.
 * A batch that nevertheless reverts as a whole is found in its receipt and split.
 */
const BASE_GAS = 60_000n;
const GAS_PER_CREATING_EVENT = 110_000n;
const GAS_PER_EVENT = 50_000n;
const GAS_PER_INPUT = 20_000n;

const gasBound = (events: OutboxEvent[]): bigint =>
  events.reduce(
    (sum, e) => sum + (e.prevHead === ZERO_HASH ? GAS_PER_CREATING_EVENT : GAS_PER_EVENT) + GAS_PER_INPUT * BigInt(e.inputs.length),
    BASE_GAS,
  );

export async function sendPending(ctx: RelayerContext, report: TickReport): Promise<void> {
  let inFlight = ctx.txs.withStatus("sent").length;
  const gasCap = ((await ctx.rpc.blockGasLimit()) * 9n) / 10n;
  while (inFlight < ctx.maxInFlight) {
    const window = await sendableWindow(ctx, report);
    if (window.length === 0) return;
    const group = pickGroup(window, gasCap);
    const outcome = await sendGroup(ctx, group, gasCap, report);
    if (outcome === "broadcast-failed") return;
    if (outcome === "sent") inFlight++;
  }
}

/** The first event alone if it must go alone; else the events up to the next lone one, within gas. */
function pickGroup(window: OutboxEvent[], gasCap: bigint): OutboxEvent[] {
  if (window[0].solo) return [window[0]];
  const group: OutboxEvent[] = [];
  for (const event of window) {
    if (event.solo || (group.length > 0 && gasBound([...group, event]) > gasCap)) break;
    group.push(event);
  }
  return group;
}

async function sendGroup(
  ctx: RelayerContext,
  picked: OutboxEvent[],
  gasCap: bigint,
  report: TickReport,
): Promise<"sent" | "isolated" | "broadcast-failed"> {
  let group: OutboxEvent[] = picked;
  const { proven, unproven } = await withProofs(ctx, picked);
  for (const { event, reason } of unproven) {
    if (ctx.outbox.markFailed(event.id, reason)) {
      report.failed++;
      ctx.log(`event ${event.id} failed: ${reason}`);
    }
  }
  if (proven.length === 0) return "isolated";
  group = picked.filter((event) => !unproven.some((u) => u.event === event));
  const ids = group.map((e) => e.id);
  const data = encodeRecordBatch(proven);

  // A lone event gets a dry run, whose revert names the reason it can never be recorded.
  let estimate = 0n;
  if (group.length === 1) {
    const outcome = await dryRun(ctx, ids[0], data, report);
    if (outcome === "failed") return "isolated";
    estimate = outcome;
  }
  const gasLimit = max(estimate + estimate / 4n, min(gasBound(group), gasCap));

  const nonce = Math.max(ctx.txs.nextNonce() ?? 0, await ctx.rpc.nonce(ctx.wallet.address, "pending"));
  let fees = await ctx.rpc.fees();
  // A transaction we gave up at this nonce may still sit in some pool: outbid it.
  const previous = ctx.txs.byNonce(nonce);
  if (previous) fees = replacementFees({ maxFee: previous.maxFee, priorityFee: previous.priorityFee }, fees);

  const signed = await signLedgerTx(ctx, { nonce, data, gasLimit, fees });
  ctx.db.transaction(() => {
    ctx.txs.record({
      nonce,
      hash: signed.hash,
      eventIds: ids,
      data,
      gasLimit,
      maxFee: fees.maxFee,
      priorityFee: fees.priorityFee,
      sentAt: ctx.now(),
    });
    ctx.outbox.markSubmitted(ids, nonce, signed.hash);
  })();
  try {
    await ctx.rpc.broadcast(signed.raw);
  } catch (error) {
    const message = (error as Error).message;
    if (!/already known|known transaction/i.test(message)) {
      // Recorded but maybe not sent: the next tick finds it unknown (dropped) or mined.
      ctx.log(`broadcasting ${signed.hash} (nonce ${nonce}) failed: ${message}`);
      return "broadcast-failed";
    }
  }
  report.sent++;
  ctx.log(`sent ${group.length} event(s) in ${signed.hash} (nonce ${nonce})`);
  return "sent";
}

/** The gas a lone event's transaction needs, or "failed" once the event is marked failed with the revert's reason. */
async function dryRun(ctx: RelayerContext, id: string, data: string, report: TickReport): Promise<bigint | "failed"> {
  try {
    return await ctx.rpc.estimateGas({ from: ctx.wallet.address, to: ctx.ledger.address, data });
  } catch (error) {
    const revert = revertDataOf(error);
    if (revert === undefined) throw error;
    const reason = explainRevert(ctx.ledger.iface, revert);
    if (ctx.outbox.markFailed(id, reason)) {
      report.failed++;
      ctx.log(`event ${id} failed: ${reason}`);
    }
    return "failed";
  }
}
