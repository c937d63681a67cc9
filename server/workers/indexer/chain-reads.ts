/**
 * What the indexer reads from the chain: a chunk of the ledger's logs with the blocks they came
 * from, checked to be one consistent view of the chain, and the point a reorg forked from.
 *
 * The provider must not answer repeated reads from a cache: ethers' JsonRpcProvider shares
 * identical requests for 250 ms unless made with `{ cacheTimeout: -1 }`, which would hide a
 * reorg from the re-reads below.
 */
import type { Block, Provider } from "ethers";
import type { IndexedBlock } from "../../store/index-cursor";
import { decodeLedgerLogs, decodeRoleLogs, type LedgerLog, type RoleLog } from "../../chain/ledger-events";

export interface Chunk {
  logs: LedgerLog[];
  /** The blocks the logs came from (hasLogs) and the chunk's last block. */
  blocks: IndexedBlock[];
  /** The ledger's RoleGranted and RoleRevoked logs (apply-role-logs.ts). */
  roleLogs: RoleLog[];
}

/** How many block headers are fetched at once. */
const BLOCK_READ_CONCURRENCY = 8;

/**
 * The ledger's logs in blocks `from`..`to` and their blocks, or undefined when the chain changed
 * under the read (a reorg, a restart): the caller checks for a reorg and tries again.
 *
 * `cursor` is the stored block just below `from`. The reads are bracketed by two reads of block
 * `to`: a reorg at any height up to `to` replaces `to`, so an unchanged `to` means the cursor
 * check, the logs and the headers all saw the same chain.
 */
export async function readChunk(
  provider: Provider,
  address: string,
  from: number,
  to: number,
  cursor: { number: number; hash: string } | undefined,
): Promise<Chunk | undefined> {
  const end = await provider.getBlock(to);
  if (!end?.hash) return undefined;
  if (cursor && (await provider.getBlock(cursor.number))?.hash !== cursor.hash) return undefined;

  const rawLogs = await provider.getLogs({ address, fromBlock: from, toBlock: to });
  const numbers = [...new Set(rawLogs.map((log) => log.blockNumber))].sort((a, b) => a - b);
  const headers = await mapLimit(numbers, BLOCK_READ_CONCURRENCY, (n) => provider.getBlock(n));
  const byNumber = new Map<number, Block>();
  for (const header of headers) if (header?.hash) byNumber.set(header.number, header);
  // Every log must come from the block now at its height: else the logs are of a replaced fork.
  if (rawLogs.some((log) => log.removed || byNumber.get(log.blockNumber)?.hash !== log.blockHash)) return undefined;

  if ((await provider.getBlock(to))?.hash !== end.hash) return undefined;

  const blocks: IndexedBlock[] = [...byNumber.values()].map((b) => toIndexedBlock(b, true));
  if (!byNumber.has(to)) blocks.push(toIndexedBlock(end, false));
  const logs = decodeLedgerLogs(rawLogs);
  return { logs, blocks, roleLogs: decodeRoleLogs(rawLogs) };
}

/**
 * The highest of the `stored` blocks (lowest first) whose hash is still the chain's, or
 * `fallback` when none is. A match at height h means the chain below h is the indexed one too
 * (each block commits to its parent), so the matches form a prefix: binary search finds its end.
 */
export async function findForkPoint(
  provider: Provider,
  stored: ReadonlyArray<{ number: number; hash: string }>,
  fallback: number,
): Promise<number> {
  let lo = -1; // highest index known to match (-1: none)
  let hi = stored.length; // lowest index known not to match
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const block = await provider.getBlock(stored[mid].number);
    if (block?.hash === stored[mid].hash) lo = mid;
    else hi = mid;
  }
  return lo >= 0 ? stored[lo].number : fallback;
}

function toIndexedBlock(block: Block, hasLogs: boolean): IndexedBlock {
  return { number: block.number, hash: block.hash!, timestamp: block.timestamp, hasLogs };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
