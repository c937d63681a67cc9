/**
 * The relayer: moves accepted events from the SQLite outbox to the chain in recordBatch
 * transactions from one account. Each tick first reconciles what was sent (lost blocks, receipts,
 * drops, fee bumps; see reconcile.ts), then sends what is pending (send-batch.ts). Ticks never
 * overlap. All state lives in SQLite, so a new instance over the same database (after a crash)
 * carries on where the last one stopped.
 */
import { Interface, type BaseWallet, type InterfaceAbi } from "ethers";
import { ledgerDomain } from "../../chain/typed-data";
import type { Db } from "../../store/database";
import { ChainTxRepository } from "../../store/chain-tx-repository";
import { OutboxRepository } from "../../store/outbox-repository";
import { IndexRepository } from "../../store/index-repository";
import { createTicker } from "../ticker";
import { ChainHistory } from "./chain-history";
import { emptyReport, type RelayerContext, type ResignEvent, type TickReport } from "./context";
import { confirmFinal, followSentTxs, recoverLostBlocks } from "./reconcile";
import { ChainRpc } from "./rpc";
import { sendPending } from "./send-batch";

export type { ResignEvent, TickReport } from "./context";

export interface RelayerOptions {
  db: Db;
  /** The relaying account, connected to a JSON-RPC provider of the ledger's chain. */
  wallet: BaseWallet;
  /** The ledger: its address and ABI (the compiled artifact's, or ProvenanceLedger__factory.abi). */
  ledger: { address: string; abi: InterfaceAbi };
  /** Most events per transaction. */
  batchSize: number;
  /** A transaction not mined after this long is re-sent with higher fees. */
  replaceAfterMs: number;
  /** The ledger's deploy block: where reading its logs starts (0 by default). */
  fromBlock?: number;
  /** Most transactions waiting in the pool at once (4 by default). */
  maxInFlight?: number;
  log?: (message: string) => void;
  resign?: ResignEvent;
  /** The clock, in ms since the epoch. */
  now?: () => number;
  /**
   * The last final block, given the chain's head (chain/finality.ts): what no crash can take back.
   * Events are confirmed only in final blocks; every mined block is final unless given.
   */
  finalBlock?: (head: number) => number;
}

export interface Relayer {
  tick(): Promise<TickReport>;
  /** Ticks now (reconciling what the chain lost while we were away), then every intervalMs. */
  start(intervalMs: number): void;
  /** Stops ticking; resolves once the tick under way has finished. */
  stop(): Promise<void>;
  /** How its ticks have gone: what /readyz and /metrics report. */
  health(): RelayerHealth;
}

export interface RelayerHealth {
  /** Ticks that failed since start. */
  failures: number;
  /** Failed ticks in a row, up to now; 0 after a tick that went through. */
  consecutiveFailures: number;
  /** When the first of those failed ticks ended (ms since the epoch). */
  failingSince?: number;
  lastError?: string;
  /** When a tick last confirmed an event (or the relayer was made): how long the queue has not moved. */
  progressAt: number;
}

export function createRelayer(options: RelayerOptions): Relayer {
  const rpc = ChainRpc.of(options.wallet.provider);
  const log = options.log ?? (() => {});
  const finalBlock = options.finalBlock ?? ((head: number) => head);
  let context: Promise<RelayerContext> | undefined;

  const makeContext = async (): Promise<RelayerContext> => {
    const chainId = await rpc.chainId();
    return {
      db: options.db,
      outbox: new OutboxRepository(options.db),
      txs: new ChainTxRepository(options.db),
      index: new IndexRepository(options.db),
      rpc,
      wallet: options.wallet,
      ledger: { address: options.ledger.address, iface: Interface.from(options.ledger.abi) },
      chainId,
      domain: ledgerDomain(chainId, options.ledger.address),
      fromBlock: options.fromBlock ?? 0,
      batchSize: options.batchSize,
      replaceAfterMs: options.replaceAfterMs,
      maxInFlight: options.maxInFlight ?? 4,
      resign: options.resign,
      finalBlock: -1,
      log,
      now: options.now ?? Date.now,
    };
  };

  const runTick = async (): Promise<TickReport> => {
    context ??= makeContext().catch((error) => {
      context = undefined; // the chain may not be up yet: try again next tick
      throw error;
    });
    const ctx = await context;
    const report = emptyReport();
    // Read first: every later answer is judged against this nonce, and against this final block
    // (read before the nonce, so that no block counted final is one the nonce has not seen).
    ctx.finalBlock = finalBlock(await rpc.blockNumber());
    const chainNonce = await rpc.nonce(ctx.wallet.address, "latest");
    const history = new ChainHistory(rpc, ctx.ledger, ctx.wallet.address, ctx.fromBlock);
    await recoverLostBlocks(ctx, chainNonce, report);
    await followSentTxs(ctx, chainNonce, history, report);
    await confirmFinal(ctx, report);
    await sendPending(ctx, report);
    return report;
  };

  const clock = options.now ?? Date.now;
  const health: RelayerHealth = { failures: 0, consecutiveFailures: 0, progressAt: clock() };
  const observedTick = async (): Promise<TickReport> => {
    try {
      const report = await runTick();
      health.consecutiveFailures = 0;
      health.failingSince = undefined;
      health.lastError = undefined;
      if (report.confirmed > 0) health.progressAt = clock();
      return report;
    } catch (error) {
      health.failures++;
      health.consecutiveFailures++;
      health.failingSince ??= clock();
      health.lastError = error instanceof Error ? error.message : String(error);
      throw error;
    }
  };

  const ticker = createTicker({
    run: observedTick,
    first: "now", // reconcile what the chain lost while we were away before anything waits
    onError: (error) => log(`relayer tick failed: ${(error as Error).message}`),
  });
  return { tick: ticker.tick, start: ticker.start, stop: ticker.stop, health: () => ({ ...health }) };
}
