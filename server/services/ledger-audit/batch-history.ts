/**
 * One batch as the chain itself holds it, read for an audit: its EventRecorded, BatchDerived and
 * BatchShipped logs replayed into the head chain with the contract's formula, beside the head the
 * contract stores. Every read is pinned to one block, so that logs and heads are of the same
 * moment however busy the chain is. When the two heads differ, the contract's head at each block
 * that recorded an event of the batch says where the chains stop agreeing (on a node that keeps
 * the state of past blocks).
 */
import { zeroPadValue, type Provider } from "ethers";
import { decodeHeadOf, encodeHeadOf } from "../../chain/ledger-calls";
import { BATCH_DERIVED_TOPIC, batchHistoryFilter, decodeLedgerLogs, replayBatch, type ChainedEvent } from "../../chain/ledger-events";
import { parseBatchId } from "../../domain/gs1";
import { ZERO_HASH } from "../../domain/hashes";

/** The chain as an audit reads it: the ledger, logs from `fromBlock`, everything as of `atBlock`. */
export interface ChainView {
  provider: Provider;
  ledger: string;
  fromBlock: number;
  atBlock: number;
}

export interface ChainBatch {
  batchId: string;
  gtin: string;
  lot: string;
  /** Oldest first, with the head each event gave the batch. */
  events: ChainedEvent[];
  /** The batches its processing events name as inputs, in the order first named. */
  inputs: string[];
  /** headOf at the audit's block. */
  chainHead: string;
  /** The head the logs give. */
  recomputedHead: string;
}

export async function readChainBatch(chain: ChainView, batchId: string): Promise<ChainBatch> {
  const id = batchId.toLowerCase();
  const [logs, chainHead] = await Promise.all([
    chain.provider.getLogs({ ...batchHistoryFilter(chain.ledger, id, chain.fromBlock), toBlock: chain.atBlock }),
    headAt(chain, id, chain.atBlock),
  ]);
  const events = replayBatch(id, decodeLedgerLogs(logs, chain.ledger));
  const inputs = [...new Set(events.flatMap((e) => e.event.inputs.map((i) => i.toLowerCase())))];
  const { gtin, lot } = parseBatchId(id);
  return { batchId: id, gtin, lot, events, inputs, chainHead, recomputedHead: events.at(-1)?.head ?? ZERO_HASH };
}

/** Batches whose processing events named this one as an input (what was made from it). */
export async function derivedFrom(chain: ChainView, batchId: string): Promise<string[]> {
  const logs = await chain.provider.getLogs({
    address: chain.ledger,
    topics: [BATCH_DERIVED_TOPIC, null, zeroPadValue(batchId, 32)],
    fromBlock: chain.fromBlock,
    toBlock: chain.atBlock,
  });
  return [...new Set(logs.map((log) => log.topics[1].toLowerCase()))];
}

async function headAt(chain: ChainView, batchId: string, block: number): Promise<string> {
  return decodeHeadOf(await chain.provider.call({ to: chain.ledger, data: encodeHeadOf(batchId), blockTag: block })).toLowerCase();
}

/** Where the contract's head and the head the logs give stop agreeing. */
export type HeadBreak =
  /** The contract's head after `block` is not the one the logs give after its events `first`…`last` (positions). */
  | { at: "events"; first: number; last: number; block: number; chainHead: string; recomputedHead: string }
  /** Every block with an event agrees: the head changed later, with no event logged. */
  | { at: "after"; last: number; block: number }
  /** The contract holds a head but the logs hold no event of the batch (from the audit's first block). */
  | { at: "no-events" }
  /** The node could not say (it keeps no state for past blocks). */
  | { at: "unknown"; reason: string };

export async function locateHeadBreak(chain: ChainView, batch: ChainBatch): Promise<HeadBreak> {
  const { events } = batch;
  if (events.length === 0) return { at: "no-events" };
  const lastInBlock = new Map<number, number>();
  events.forEach((event, position) => lastInBlock.set(event.blockNumber, position));
  for (const [block, last] of lastInBlock) {
    let chainHead: string;
    try {
      chainHead = await headAt(chain, batch.batchId, block);
    } catch (error) {
      return { at: "unknown", reason: `the node did not give the head at block ${block} (${shortReason(error)}); it may keep no state for past blocks` };
    }
    if (chainHead !== events[last].head) {
      const first = events.findIndex((e) => e.blockNumber === block);
      return { at: "events", first, last, block, chainHead, recomputedHead: events[last].head };
    }
  }
  return { at: "after", last: events.length - 1, block: events[events.length - 1].blockNumber };
}

export function shortReason(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string; code?: string };
  return (e.shortMessage ?? e.message ?? String(error)).split("\n")[0].slice(0, 160);
}
