/**
 * Whether an event is already on chain, read from the ledger's logs: a batch's head chain is
 * replayed from its EventRecorded and BatchDerived logs (the same formula as the contract), so
 * an event is on chain exactly when its `head` is one of the heads the batch went through. This
 * is what makes re-sending safe: an event the chain already has comes back as StaleHead or
 * BatchExists, and is then confirmed with the transaction that really recorded it.
 */
import { batchHistoryFilter, decodeLedgerLogs, replayBatch, type ChainedEvent } from "../../chain/ledger-events";
import type { ChainRpc } from "./rpc";

export interface Recording {
  txHash: string;
  blockNumber: number;
  /** The nonce of the transaction when the relayer's own account sent it; null otherwise. */
  txNonce: number | null;
}

export class ChainHistory {
  /** Per batch, one replay per tick: the chain moves between ticks. */
  private readonly replays = new Map<string, Promise<ChainedEvent[]>>();

  constructor(
    private readonly rpc: ChainRpc,
    private readonly ledger: { address: string },
    private readonly relayerAddress: string,
    private readonly fromBlock: number,
  ) {}

  async find(event: { batchId: string; head: string }): Promise<Recording | undefined> {
    const key = event.batchId.toLowerCase();
    let replay = this.replays.get(key);
    if (!replay) {
      replay = this.replay(key);
      this.replays.set(key, replay);
    }
    const step = (await replay).find((s) => s.head === event.head.toLowerCase());
    if (!step) return undefined;
    const tx = await this.rpc.transaction(step.txHash);
    const ours = tx !== null && tx.from.toLowerCase() === this.relayerAddress.toLowerCase();
    return { txHash: step.txHash, blockNumber: step.blockNumber, txNonce: ours ? tx.nonce : null };
  }

  private async replay(batchId: string): Promise<ChainedEvent[]> {
    const logs = await this.rpc.logs(batchHistoryFilter(this.ledger.address, batchId, this.fromBlock));
    return replayBatch(batchId, decodeLedgerLogs(logs));
  }
}
