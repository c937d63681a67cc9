/** What every step of the relayer works with, assembled once by createRelayer. */
import type { BaseWallet, Interface, TypedDataDomain } from "ethers";
import type { SignedEventStruct } from "../../chain/typed-data";
import type { Db } from "../../store/database";
import type { ChainTxRepository } from "../../store/chain-tx-repository";
import type { OutboxEvent, OutboxRepository } from "../../store/outbox-repository";
import type { ChainRpc } from "./rpc";
import type { IndexRepository } from "../../store/index-repository";

/**
 * Re-signs a custodial event over `prevHead`, the head its batch will really have (the event it
 * extended failed). Resolves to the new signature, or undefined when the gateway does not hold
 * the signer's key (the event then fails).
 */
export type ResignEvent = (event: OutboxEvent, prevHead: string) => Promise<Pick<SignedEventStruct, "r" | "s" | "v"> | undefined>;

export interface RelayerContext {
  db: Db;
  outbox: OutboxRepository;
  txs: ChainTxRepository;
  /** Where batches the send queue did not move stand (custody proofs); the chain's logs otherwise. */
  index?: IndexTips;
  rpc: ChainRpc;
  wallet: BaseWallet;
  /** The ledger; its ABI is read for its errors (the calls and logs are chain/ledger-calls.ts and ledger-events.ts). */
  ledger: { address: string; iface: Interface };
  chainId: bigint;
  domain: TypedDataDomain;
  /** Where to start reading the ledger's logs (its deploy block). */
  fromBlock: number;
  batchSize: number;
  replaceAfterMs: number;
  maxInFlight: number;
  resign?: ResignEvent;
  /**
   * The last final block as this tick found it (chain/finality.ts): an event mined above it stays
   * submitted, with its block, until a later tick finds its block final.
   */
  finalBlock: number;
  log: (message: string) => void;
  now: () => number;
}

/** The index, for custody proofs of batches the send queue did not move; optional for the relayer's own tests. */
export type IndexTips = Pick<IndexRepository, "batchState">;

/** What one tick did, for logs and tests. */
export interface TickReport {
  /** Transactions broadcast (new nonces). */
  sent: number;
  /** Fee bumps of stuck transactions. */
  replaced: number;
  /** Transactions given up (dropped, their nonce used by another, or their block lost). */
  dropped: number;
  confirmed: number;
  failed: number;
  requeued: number;
  resigned: number;
}

export const emptyReport = (): TickReport => ({
  sent: 0,
  replaced: 0,
  dropped: 0,
  confirmed: 0,
  failed: 0,
  requeued: 0,
  resigned: 0,
});
