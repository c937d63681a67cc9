/**
 * What the chain itself holds, counted without the gateway: the ledger's EventRecorded logs per
 * batch id, read from the node. A write kept exactly once is a batch id counted once.
 */
import type { Provider } from "ethers";
import { EVENT_RECORDED_TOPIC } from "../../server/chain/ledger-events";

export async function recordedPerBatch(provider: Provider, ledger: string, fromBlock = 0): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const head = await provider.getBlockNumber();
  // In spans, so that a long history stays within what a node answers in one eth_getLogs.
  for (let from = fromBlock; from <= head; from += 5_000) {
    const logs = await provider.getLogs({ address: ledger, topics: [EVENT_RECORDED_TOPIC], fromBlock: from, toBlock: Math.min(head, from + 4_999) });
    for (const log of logs) {
      const batchId = log.topics[1].toLowerCase();
      counts.set(batchId, (counts.get(batchId) ?? 0) + 1);
    }
  }
  return counts;
}
