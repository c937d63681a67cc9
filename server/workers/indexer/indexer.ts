/**
 * The indexer: follows the ledger's logs into the idx_ tables. Each tick reads the chain's
 * head, undoes what a reorg replaced, then indexes the blocks from the cursor up to the final block
 * (`confirmations` blocks below the head, or what chain/finality.ts says), in chunks of `chunkSize` blocks; each chunk is written
 * in one transaction together with the cursor, so a crash never leaves half a chunk.
 *
 * Reorgs: the hash of the cursor block (and of every block that had logs) is kept. A tick
 * first compares the cursor block with the chain; when it differs, or the chain is now shorter
 * (anvil restarted from an older state file), the index goes back to the highest kept block the
 * chain still has, forgets everything above it and indexes forward again.
 */
import { getAddress, type Provider } from "ethers";
import type { Db } from "../../store/database";
import { IndexCursor } from "../../store/index-cursor";
import { IndexRepository } from "../../store/index-repository";
import { createTicker } from "../ticker";
import { applyLogs } from "./apply-logs";
import { applyRoleLogs } from "./apply-role-logs";
import { findForkPoint, readChunk, type Chunk } from "./chain-reads";

export interface IndexerOptions {
  db: Db;
  /** Must not cache repeated reads: see chain-reads.ts (JsonRpcProvider: `cacheTimeout: -1`). */
  provider: Provider;
  /** The ProvenanceLedger's address. */
  address: string;
  /** The block the ledger was deployed in: nothing before it is read. */
  deployBlock: number;
  /** How many of the newest blocks to leave unindexed (0: index the head too). */
  confirmations: number;
  /** The last block to index, given the head: `head - confirmations` unless given (chain/finality.ts). */
  finalBlock?: (head: number) => number;
  /**
   * The first block whose logs the chain still keeps, given the head (the embedded chain keeps
   * its last blocks' only); every block's unless given. An index behind it cannot catch up from
   * the chain: it stops and says so (status().historyGap) rather than skip the events between.
   */
  historyFrom?: (head: number) => number;
  /** Blocks per eth_getLogs; 2,000 by default. */
  chunkSize?: number;
  /**
   * About how many logs one chunk (one transaction) holds; LOGS_PER_CHUNK by default. The chain
   * thread asks for fewer: a chunk's transaction holds SQLite's write lock, which the gateway's
   * own thread may be waiting for.
   */
  logsPerChunk?: number;
  log?: (message: string) => void;
}

export interface TickResult {
  /** The first block this tick indexed (or would have indexed)... */
  from: number;
  /** ...and the cursor after it: `to < from` when there was nothing to index. */
  to: number;
  /** Set when a reorg was undone: the block the index went back to. */
  rewound?: number;
}

export interface IndexerStatus {
  cursor: number;
  /** The chain's latest block at the last tick; null before the first. */
  chainHead: number | null;
  caughtUp: boolean;
  /** The blocks the index lacks and the chain no longer keeps the logs of: it stopped before them. */
  historyGap?: { from: number; keptFrom: number };
}

export interface Indexer {
  /** One pass; ticks never overlap (a call waits for the one in flight). */
  tick(): Promise<TickResult>;
  /** Ticks every `intervalMs` after the previous tick ends; a failed tick is logged and retried. */
  start(intervalMs: number): void;
  /** Stops ticking and waits for the tick in flight. */
  stop(): Promise<void>;
  status(): IndexerStatus;
}

/** How far behind the cursor the hashes of log-less cursor blocks are kept for reorg checks. */
const RECENT_BLOCKS = 128;
/**
 * Logs a chunk should hold, about: a chunk is one transaction, and one of a hundred thousand logs
 * (a read gateway joining a busy chain) would hold the event loop for many seconds. The span in
 * blocks adapts to it: it starts small, doubles while chunks are light and shrinks when one is
 * heavy, never beyond `chunkSize`.
 */
const LOGS_PER_CHUNK = 4_000;
const FIRST_SPAN = 4;
/** Reads that saw the chain change are retried this many times per tick. */
const READ_ATTEMPTS = 5;

export function createIndexer(options: IndexerOptions): Indexer {
  const { db, provider, deployBlock, confirmations, chunkSize = 2_000, logsPerChunk = LOGS_PER_CHUNK, log = () => {} } = options;
  const finalBlock = options.finalBlock ?? ((head: number) => head - confirmations);
  const address = getAddress(options.address);
  const repo = new IndexRepository(db);
  const indexCursor = new IndexCursor(db);
  let chainHead: number | null = null;
  let span = Math.min(FIRST_SPAN, chunkSize);
  let historyGap: { from: number; keptFrom: number } | undefined;

  /** Claims the index for this ledger; tables of another deployment (or none) start afresh. */
  const useLedger = () => {
    if (indexCursor.useLedger(address, deployBlock).cleared) {
      log(`the index belonged to another ledger deployment: cleared; indexing ${address} from block ${deployBlock}`);
    }
  };
  useLedger();
  const cursor = () => indexCursor.getCursor()?.blockNumber ?? deployBlock - 1;

  /** The block to go back to when the chain no longer has the cursor block; else undefined. */
  async function forkPoint(latest: number): Promise<number | undefined> {
    const current = cursor();
    if (current < deployBlock) return undefined; // nothing indexed
    const stored = indexCursor.blockHash(current);
    if (stored !== undefined && current <= latest && (await provider.getBlock(current))?.hash === stored) return undefined;
    return findForkPoint(provider, indexCursor.blocksUpTo(Math.min(current, latest)), deployBlock - 1);
  }

  function commit(chunk: Chunk, to: number): void {
    const timestamps = new Map(chunk.blocks.map((block) => [block.number, block.timestamp]));
    repo.transaction(() => {
      applyLogs(repo, chunk.logs, timestamps);
      applyRoleLogs(db, address, cursor() + 1, to, chunk.roleLogs);
      for (const block of chunk.blocks) indexCursor.saveBlock(block);
      indexCursor.setCursor(to);
      indexCursor.pruneEmptyBlocks(to - RECENT_BLOCKS);
    });
  }

  async function tickOnce(): Promise<TickResult> {
    useLedger(); // the tables may have been cleared (rebuildIndex) since the last tick
    let from = Number.POSITIVE_INFINITY;
    let rewound: number | undefined;
    for (let attempt = 1; ; attempt++) {
      const latest = await provider.getBlockNumber();
      chainHead = latest;
      const fork = await forkPoint(latest);
      if (fork !== undefined) {
        log(`reorg: block ${cursor()} is no longer the indexed one; rewinding the index to block ${fork}`);
        repo.rewindTo(fork);
        rewound = Math.min(rewound ?? fork, fork);
      }

      const target = finalBlock(latest);
      let done = cursor();
      from = Math.min(from, done + 1);
      const keptFrom = options.historyFrom?.(latest);
      if (keptFrom !== undefined && done + 1 < keptFrom && done < target) {
        if (!historyGap) {
          log(
            `the index stops at block ${done}: the chain keeps the logs of blocks ${keptFrom} on only, so the events of blocks ` +
              `${done + 1}..${keptFrom - 1} cannot be read from it (restore a backup whose chain snapshot goes with its database)`,
          );
        }
        historyGap = { from: done + 1, keptFrom };
        return { from, to: done, ...(rewound !== undefined && { rewound }) };
      }
      historyGap = undefined;
      let consistent = true;
      while (done < target) {
        const to = Math.min(done + span, target);
        const hash = indexCursor.blockHash(done);
        const chunk = await readChunk(provider, address, done + 1, to, hash === undefined ? undefined : { number: done, hash });
        if (!chunk) {
          consistent = false;
          break;
        }
        commit(chunk, to);
        done = to;
        span = nextSpan(span, chunk.logs.length + chunk.roleLogs.length, chunkSize, logsPerChunk);
      }
      if (consistent) return { from, to: done, ...(rewound !== undefined && { rewound }) };
      if (attempt === READ_ATTEMPTS) {
        log(`the chain kept changing while blocks ${done + 1}..${target} were read; trying again next tick`);
        return { from, to: done, ...(rewound !== undefined && { rewound }) };
      }
    }
  }

  const ticker = createTicker({
    run: tickOnce,
    first: "next-turn",
    whileRunning: "queue", // a tick() after the chain moved sees the move
    onError: (error) => log(`indexer tick failed: ${error instanceof Error ? error.message : String(error)}`),
  });

  return {
    tick: ticker.tick,
    start: ticker.start,
    stop: ticker.stop,
    status() {
      const current = cursor();
      return {
        cursor: current,
        chainHead,
        caughtUp: chainHead !== null && current >= finalBlock(chainHead),
        ...(historyGap && { historyGap: { ...historyGap } }),
      };
    },
  };
}

/** The next chunk's span in blocks, from how many logs the last one held. */
export function nextSpan(span: number, logs: number, max: number, logsPerChunk = LOGS_PER_CHUNK): number {
  if (logs > logsPerChunk) return Math.max(1, Math.floor((span * logsPerChunk) / logs));
  if (logs < logsPerChunk / 2) return Math.min(max, span * 2);
  return span;
}
