/**
 * Signing the relayer's transactions locally, so that the hash is known (and persisted) before
 * the transaction is broadcast: a crash between the two can then never lose track of a nonce.
 */
import { keccak256 } from "ethers";
import type { RelayerContext } from "./context";
import type { FeeSuggestion } from "./rpc";

export interface SignedTx {
  raw: string;
  hash: string;
}

export async function signLedgerTx(
  ctx: RelayerContext,
  tx: { nonce: number; data: string; gasLimit: bigint; fees: FeeSuggestion },
): Promise<SignedTx> {
  const raw = await ctx.wallet.signTransaction({
    type: 2,
    chainId: ctx.chainId,
    nonce: tx.nonce,
    to: ctx.ledger.address,
    data: tx.data,
    value: 0n,
    gasLimit: tx.gasLimit,
    maxFeePerGas: tx.fees.maxFee,
    maxPriorityFeePerGas: tx.fees.priorityFee,
  });
  return { raw, hash: keccak256(raw) };
}

/** +12.5%, rounded up: nodes replace a pooled transaction only for at least +10% on both fees. */
const bump = (fee: bigint): bigint => (fee * 9n + 7n) / 8n;

/** Fees for a transaction that must replace one sent with `previous` at the same nonce. */
export function replacementFees(previous: FeeSuggestion, current: FeeSuggestion): FeeSuggestion {
  const priorityFee = max(bump(previous.priorityFee), current.priorityFee);
  const maxFee = max(bump(previous.maxFee), current.maxFee, priorityFee);
  return { maxFee, priorityFee };
}

export const max = (...values: bigint[]): bigint => values.reduce((a, b) => (a > b ? a : b));
export const min = (...values: bigint[]): bigint => values.reduce((a, b) => (a < b ? a : b));
