/**
 * Brings SQLite in line with the chain before anything new is sent:
 * 1. lost blocks: the chain's nonce is below transactions we saw mined (anvil restarted from an
 *    older state file after a hard kill, or a reorg): their events go back to pending;
 * 2. sent transactions: mined ones are settled from their receipts; one whose nonce the chain
 *    used for another transaction, or that the node forgot while its nonce is unused, is given
 *    up and its events go back to pending (with every later sent one, which could only wait
 *    behind the gap); one stuck longer than replaceAfterMs is re-sent with higher fees.
 * Sending an event twice is harmless (it signs the head it extends, so the chain records it
 * once); losing track of one is not, so doubt always resolves to "send it again".
 */
import type { ChainTx } from "../../store/chain-tx-repository";
import type { ChainHistory } from "./chain-history";
import type { RelayerContext, TickReport } from "./context";
import type { RpcReceipt } from "./rpc";
import { settleReceipt } from "./settle-receipt";
import { replacementFees, signLedgerTx } from "./transaction";

/** `chainNonce`: the relayer account's nonce at 'latest', read before anything else this tick. */
export async function recoverLostBlocks(ctx: RelayerContext, chainNonce: number, report: TickReport): Promise<void> {
  const lostTxs: ChainTx[] = [];
  for (const tx of ctx.txs.minedFrom(chainNonce)) {
    if (!(await ctx.rpc.receipt(tx.hash))) lostTxs.push(tx);
  }
  // Also events confirmed by a transaction of ours other than the one they were sent in.
  const lostHashes: string[] = [];
  for (const { txHash } of ctx.outbox.confirmedTxsFrom(chainNonce)) {
    if (!(await ctx.rpc.receipt(txHash))) lostHashes.push(txHash);
  }
  if (lostTxs.length === 0 && lostHashes.length === 0) return;

  ctx.db.transaction(() => {
    for (const tx of lostTxs) {
      report.requeued += ctx.outbox.requeueTx(tx.nonce, { includeConfirmed: true });
      ctx.txs.markDropped(tx.nonce);
      report.dropped++;
    }
    for (const hash of lostHashes) report.requeued += ctx.outbox.requeueConfirmedBy(hash);
  })();
  ctx.log(
    `the chain's nonce ${chainNonce} is behind what we saw mined: it lost ${lostTxs.length + lostHashes.length} ` +
      `transaction(s) (${[...lostTxs.map((t) => t.hash), ...lostHashes].join(", ")}); their events go again`,
  );
}

export async function followSentTxs(
  ctx: RelayerContext,
  chainNonce: number,
  history: ChainHistory,
  report: TickReport,
): Promise<void> {
  for (const tx of ctx.txs.withStatus("sent")) {
    const receipt = await minedVersion(ctx, tx);
    if (receipt) {
      await settleReceipt(ctx, tx, receipt, history, report);
      continue;
    }
    if (tx.nonce < chainNonce) {
      // None of our versions was mined, yet the nonce is used: another transaction took it.
      giveUp(ctx, [tx], report, `its nonce ${tx.nonce} was used by another transaction`);
      continue;
    }
    if (!(await isKnown(ctx, tx))) {
      // Dropped from the pool (or never broadcast: a crash just after it was recorded). Later
      // nonces cannot be mined before this one, so they are given up with it and sent anew.
      const later = ctx.txs.withStatus("sent").filter((t) => t.nonce >= tx.nonce);
      giveUp(ctx, later, report, `the node no longer knows tx ${tx.hash} and nonce ${tx.nonce} is unused`);
      return;
    }
    if (ctx.now() - tx.sentAt >= ctx.replaceAfterMs) await replace(ctx, tx, report);
  }
}

/** The receipt of whichever version of the transaction was mined (a fee bump may lose the race). */
async function minedVersion(ctx: RelayerContext, tx: ChainTx): Promise<RpcReceipt | null> {
  for (const hash of [...tx.hashes].reverse()) {
    const receipt = await ctx.rpc.receipt(hash);
    if (receipt) return receipt;
  }
  return null;
}

async function isKnown(ctx: RelayerContext, tx: ChainTx): Promise<boolean> {
  for (const hash of tx.hashes) if (await ctx.rpc.transaction(hash)) return true;
  return false;
}

function giveUp(ctx: RelayerContext, txs: ChainTx[], report: TickReport, why: string): void {
  ctx.db.transaction(() => {
    for (const tx of txs) {
      report.requeued += ctx.outbox.requeueTx(tx.nonce);
      ctx.txs.markDropped(tx.nonce);
      report.dropped++;
    }
  })();
  ctx.log(`gave up ${txs.map((t) => `${t.hash} (nonce ${t.nonce})`).join(", ")}: ${why}; their events go again`);
}

/** Same nonce, same call, fees up by at least 12.5%: recorded first, then broadcast. */
async function replace(ctx: RelayerContext, tx: ChainTx, report: TickReport): Promise<void> {
  const fees = replacementFees({ maxFee: tx.maxFee, priorityFee: tx.priorityFee }, await ctx.rpc.fees());
  const signed = await signLedgerTx(ctx, { nonce: tx.nonce, data: tx.data, gasLimit: tx.gasLimit, fees });
  ctx.db.transaction(() => {
    ctx.txs.replace(tx.nonce, signed.hash, fees, ctx.now());
    ctx.outbox.retarget(tx.nonce, signed.hash);
  })();
  report.replaced++;
  ctx.log(`tx ${tx.hash} (nonce ${tx.nonce}) stuck: replaced by ${signed.hash} with max fee ${fees.maxFee}`);
  try {
    await ctx.rpc.broadcast(signed.raw);
  } catch (error) {
    // The next tick sees what happened: the old version mined, or this one unknown.
    ctx.log(`broadcasting the replacement ${signed.hash} failed: ${(error as Error).message}`);
  }
}

/**
 * Confirms the events mined in blocks that are final now (ctx.finalBlock), each transaction once
 * the chain still holds it in the same block: a block number alone proves nothing, as a chain that
 * lost blocks mines others at the same heights. Events whose transaction the chain no longer holds
 * go back to pending.
 */
export async function confirmFinal(ctx: RelayerContext, report: TickReport): Promise<void> {
  for (const { txHash, blockNumber } of ctx.outbox.minedUpTo(ctx.finalBlock)) {
    const receipt = await ctx.rpc.receipt(txHash);
    if (receipt && receipt.blockNumber === blockNumber) {
      report.confirmed += ctx.outbox.confirmMined(txHash, blockNumber);
    } else {
      const requeued = ctx.outbox.requeueConfirmedBy(txHash);
      report.requeued += requeued;
      ctx.log(`tx ${txHash} is no longer in block ${blockNumber}: its ${requeued} event(s) go again`);
    }
  }
}
