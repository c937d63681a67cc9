/**
 * Whether an event is already on chain, read from the ledger's logs: a batch's head chain is
 * replayed from its EventRecorded and BatchDerived logs (the same formula as the contract), so
 * an event is on chain exactly when its `head` is one of the heads the batch went through. This
 * is what makes re-sending safe: an event the chain already has comes back as StaleHead or
 * BatchExists, and is then confirmed with the transaction that really recorded it.
 */
import type { Interface } from "ethers";
import { nextHead } from "../../chain/typed-data";
import { ZERO_HASH } from "../../domain/hashes";
import type { ChainRpc } from "./rpc";

export interface Recording {
  txHash: string;
  blockNumber: number;
  /** The nonce of the transaction when the relayer's own account sent it; null otherwise. */
  txNonce: number | null;
}

interface Step {
  head: string;
  txHash: string;
  blockNumber: number;
}

export class ChainHistory {
  /** Per batch, one replay per tick: the chain moves between ticks. */
  private readonly replays = new Map<string, Promise<Step[]>>();

  constructor(
    private readonly rpc: ChainRpc,
    private readonly ledger: { address: string; iface: Interface },
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

  private async replay(batchId: string): Promise<Step[]> {
    const { iface, address } = this.ledger;
    const recorded = iface.getEvent("EventRecorded")!.topicHash;
    const derived = iface.getEvent("BatchDerived")!.topicHash;
    const logs = await this.rpc.logs({ address, topics: [[recorded, derived], batchId], fromBlock: this.fromBlock });
    logs.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);

    const steps: Step[] = [];
    let head = ZERO_HASH;
    let inputs: string[] = [];
    for (const log of logs) {
      const parsed = iface.parseLog({ topics: log.topics, data: log.data });
      if (!parsed) continue;
      if (parsed.name === "BatchDerived") {
        // Emitted once per input, in the signed order, just before its event's EventRecorded.
        inputs.push(String(parsed.args.inputBatchId));
        continue;
      }
      const event = { batchId, kind: Number(parsed.args.kind), prevHead: head, dataHash: String(parsed.args.dataHash), inputs };
      head = nextHead(event, String(parsed.args.signer)).toLowerCase();
      steps.push({ head, txHash: log.transactionHash, blockNumber: log.blockNumber });
      inputs = [];
    }
    return steps;
  }
}
