/**
 * Fills the ledger with other batches' events for `npm run bench:pages`, straight through the
 * contract: the HTTP API takes about 500 events/s, far too slow for 200,000. Events are signed
 * here with the keys of two organisations that registered their own addresses (a producer
 * harvests and ships each load to a carrier, which receives it: journeys the contract's custody
 * check accepts, each event with the proof of its batch's custody), and relayed in `recordBatch`
 * transactions from anvil's funded development accounts 2..9 — accounts 0 and 1 are the
 * gateway's admin and relayer, whose nonces must stay the gateway's own. `recordBatch` needs no
 * role of its sender.
 *
 * anvil holds its development accounts unlocked, so the transactions go by eth_sendTransaction
 * and anvil signs them and keeps their nonces: signing 100 kB transactions in JavaScript cost
 * this process more than signing the events. Each sender owns whole batches (a harvest, then
 * shipments and receipts on it), so its transactions never depend on another sender's, and
 * sends one transaction at a time.
 */
import { Interface, ZeroAddress } from "ethers";
import type Database from "better-sqlite3";
import { LEDGER_CALLS_ABI } from "../server/chain/ledger-calls";
import { LEDGER_EVENTS_ABI } from "../server/chain/ledger-events";
import { signDigest } from "../server/chain/sign-digest";
import { chainStep, eventDigest, eventStructHash, ledgerDomain, type SignedEventStruct } from "../server/chain/typed-data";
import type { Custody } from "../server/domain/custody";
import { type LedgerEvent } from "../server/domain/ledger-types";
import { hashDetail, ZERO_HASH } from "../server/domain/hashes";
import { EventKind } from "../server/domain/event-kinds";
import { batchIdFor } from "../server/domain/gs1";
import * as payload from "./lib/payloads";

/** anvil's development accounts (by index) that relay the fill. */
const SENDER_ACCOUNTS = [2, 3, 4, 5, 6, 7, 8, 9];
/** Events per batch: a harvest, then shipments and receipts in turn. */
const EVENTS_PER_BATCH = 10;
/** Batches per transaction: 400 events, about 9M gas, well inside anvil's 30M block. */
const BATCHES_PER_TX = 40;
/** Gas limit per transaction, above the measured cost (~65k per harvest, ~18k per later event with its custody proof). */
const GAS_PER_HARVEST = 90_000;
const GAS_PER_EVENT = 30_000;
const BASE_GAS = 100_000;
/** How far the fill may run ahead of the index, so one indexer tick never reads a huge log range. */
const MAX_AHEAD_OF_INDEX = 20_000;

const ledgerInterface = new Interface([...LEDGER_CALLS_ABI, ...LEDGER_EVENTS_ABI]);
const EVENT_RECORDED = ledgerInterface.getEvent("EventRecorded")!.topicHash;
const EVENT_REJECTED = ledgerInterface.getEvent("EventRejected")!.topicHash;
const RECORD_BATCH_SELECTOR = ledgerInterface.getFunction("recordBatch")!.selector;

/** The receipt's detail hash: the fill's events have no detail in the gateway, only their hash on chain. */
const RECEIPT_HASH = hashDetail(payload.receipt);

/** An organisation's own signing key. */
export interface OrgKey {
  address: string;
  privateKey: string;
}

export interface FillOptions {
  rpcUrl: string;
  ledgerAddress: string;
  chainId: number;
  /** The producer's and carrier's own keys: their organisations hold those roles on chain. */
  producer: OrgKey;
  carrier: OrgKey;
  /** The gateway's database, read-only: how many events are indexed. */
  db: Database.Database;
}

export interface Filler {
  /** Records events until the index holds `total` events; resolves once it does. */
  fillTo(total: number): Promise<{ added: number; seconds: number }>;
}

export function createFiller(options: FillOptions): Filler {
  const rpc = rpcClient(options.rpcUrl);
  const domain = ledgerDomain(options.chainId, options.ledgerAddress);
  const countIndexed = options.db.prepare(`SELECT count(*) AS n FROM idx_events`);
  const indexed = () => (countIndexed.get() as { n: number }).n;
  let lots = 0;
  // The producer ships each load to the carrier, which is its consignee and records the receipt;
  // the producer, the batch's creator, stays a holder and ships the next load.
  const shipmentHash = hashDetail(payload.shipment(options.carrier.address));

  /** A batch of `size` events (1..EVENTS_PER_BATCH) on a fresh lot, signed and chained, each with its custody proof. */
  function signBatch(size: number): ProvenStruct[] {
    const lot = `F${String(++lots).padStart(8, "0")}`;
    const batchId = batchIdFor(payload.MANGO_GTIN, lot);
    const events: ProvenStruct[] = [];
    let state: { head: string; link: string; custody: Custody | undefined } = { head: ZERO_HASH, link: ZERO_HASH, custody: undefined };
    for (let i = 0; i < size; i++) {
      const kind = i === 0 ? EventKind.Harvest : i % 2 === 1 ? EventKind.Shipment : EventKind.Receipt;
      const signer = kind === EventKind.Receipt ? options.carrier : options.producer;
      const counterparty = kind === EventKind.Shipment ? options.carrier.address : ZeroAddress;
      const dataHash = i === 0 ? hashDetail(payload.harvest(lot)) : kind === EventKind.Shipment ? shipmentHash : RECEIPT_HASH;
      const event: LedgerEvent = { batchId, kind, prevHead: state.head, dataHash, inputs: [], counterparty };
      const structHash = eventStructHash(event);
      const { r, s, v } = signDigest(signer.privateKey, eventDigest(domain, event, structHash));
      const proof = state.custody && { link: state.link, custody: state.custody };
      events.push({ struct: { batchId, prevHead: state.head, dataHash, counterparty, kind, inputCount: 0, r, s, v }, proof });
      state = chainStep(event, signer.address, state.custody, structHash);
    }
    return events;
  }

  /** Sends one recordBatch of `batches` from `sender` and checks every event was recorded. */
  async function send(sender: string, batches: ProvenStruct[][]): Promise<void> {
    const events = batches.flat();
    const gas = BASE_GAS + GAS_PER_HARVEST * batches.length + GAS_PER_EVENT * (events.length - batches.length);
    const hash = (await rpc("eth_sendTransaction", [
      {
        from: sender,
        to: options.ledgerAddress,
        data: encodeRecordBatch(events),
        gas: `0x${gas.toString(16)}`,
        // Far above anvil's base fee (1 gwei, rising while blocks are over half full) so that
        // no fill transaction ever waits in the pool for the base fee to drop.
        maxFeePerGas: `0x${(100n * 10n ** 9n).toString(16)}`,
        maxPriorityFeePerGas: "0xf4240",
      },
    ])) as string;
    const receipt = await receiptOf(rpc, hash);
    const recorded = receipt.logs.filter((log) => log.topics[0] === EVENT_RECORDED).length;
    const rejected = receipt.logs.find((log) => log.topics[0] === EVENT_REJECTED);
    if (receipt.status !== "0x1" || recorded !== events.length || rejected) {
      const reason = rejected ? ` (first rejection: ${rejected.data})` : "";
      throw new Error(`fill transaction ${hash}: status ${receipt.status}, ${recorded} of ${events.length} events recorded${reason}`);
    }
  }

  /** Waits while the chain is more than MAX_AHEAD_OF_INDEX events ahead of the index. */
  async function throttle(sentTotal: number): Promise<void> {
    while (sentTotal - indexed() > MAX_AHEAD_OF_INDEX) await sleep(50);
  }

  return {
    async fillTo(total) {
      const started = performance.now();
      const before = indexed();
      let remaining = total - before;
      if (remaining < 0) throw new Error(`the index holds ${before} events already, more than ${total}`);
      let sent = before;
      const accounts = (await rpc("eth_accounts", [])) as string[];
      const senders = SENDER_ACCOUNTS.map((i) => accounts[i]);
      if (senders.some((sender) => !sender)) throw new Error(`anvil has ${accounts.length} unlocked accounts, the fill needs 10`);
      // Each sender takes the next transaction's worth of events while any remain.
      await Promise.all(
        senders.map(async (sender) => {
          while (remaining > 0) {
            const take = Math.min(remaining, EVENTS_PER_BATCH * BATCHES_PER_TX);
            remaining -= take;
            await throttle(sent);
            sent += take;
            const batches: ProvenStruct[][] = [];
            for (let left = take; left > 0; left -= EVENTS_PER_BATCH) batches.push(signBatch(Math.min(left, EVENTS_PER_BATCH)));
            await send(sender, batches);
          }
        }),
      );
      await waitForIndexed(indexed, total);
      return { added: total - before, seconds: (performance.now() - started) / 1000 };
    },
  };
}

type Rpc = (method: string, params: unknown[]) => Promise<unknown>;

/**
 * JSON-RPC over fetch: ethers' provider decodes each answer with its JavaScript UTF-8 decoder,
 * and a receipt of 400 events is a quarter of a megabyte; that cost more than the signing.
 */
function rpcClient(url: string): Rpc {
  let id = 0;
  return async (method, params) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const answer = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
    return answer.result;
  };
}

/** A receipt as the node sends it, only the fields checked. */
interface RawReceipt {
  status: string;
  logs: { topics: string[]; data: string }[];
}

/** The receipt of `hash`: anvil's automine has usually mined it by the time the send returns. */
async function receiptOf(rpc: Rpc, hash: string): Promise<RawReceipt> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const receipt = (await rpc("eth_getTransactionReceipt", [hash])) as RawReceipt | null;
    if (receipt) return receipt;
    if (Date.now() > deadline) {
      // What the pool holds tells a nonce gap from a fee too low.
      const pool = await rpc("txpool_inspect", []).catch((error: Error) => error.message);
      throw new Error(`fill transaction ${hash} was not mined within 60 s; anvil's pool: ${JSON.stringify(pool).slice(0, 2_000)}`);
    }
    await sleep(20);
  }
}

/** A signed event and the proof of its batch's custody (none for a harvest). */
interface ProvenStruct {
  struct: SignedEventStruct;
  proof: { link: string; custody: Custody } | undefined;
}

/**
 * recordBatch(structs, [], proofs, custodians) encoded by hand: every SignedEvent and
 * CustodyProof field is one static word, so the calldata is a few offsets and the words in
 * order. ethers' ABI coder takes ~0.3 ms an event, more than signing; the first call is checked
 * against it.
 */
function encodeRecordBatch(events: ProvenStruct[]): string {
  const word = (value: string | number) =>
    typeof value === "number" ? value.toString(16).padStart(64, "0") : value.slice(2).toLowerCase().padStart(64, "0");
  const proofs = events.flatMap((e) => (e.proof ? [e.proof] : []));
  const custodians = proofs.flatMap((p) => [...p.custody.holders, ...p.custody.pending]);
  const inputsOffset = 0x80 + 32 + events.length * 9 * 32;
  const proofsOffset = inputsOffset + 32; // no inputs: the array is its length alone
  const custodiansOffset = proofsOffset + 32 + proofs.length * 3 * 32;
  const parts = [RECORD_BATCH_SELECTOR, word(0x80), word(inputsOffset), word(proofsOffset), word(custodiansOffset), word(events.length)];
  for (const { struct: e } of events) {
    parts.push(word(e.batchId), word(e.prevHead), word(e.dataHash), word(e.counterparty), word(e.kind), word(e.inputCount));
    parts.push(word(e.r), word(e.s), word(e.v));
  }
  parts.push(word(0), word(proofs.length));
  for (const p of proofs) parts.push(word(p.link), word(p.custody.holders.length), word(p.custody.pending.length));
  parts.push(word(custodians.length), ...custodians.map(word));
  const data = parts.join("");
  if (!encodingChecked) {
    const structs = proofs.map((p) => ({ link: p.link, holders: p.custody.holders.length, pending: p.custody.pending.length }));
    const expected = ledgerInterface.encodeFunctionData("recordBatch", [events.map((e) => e.struct), [], structs, custodians]);
    if (data !== expected) throw new Error("the hand-made recordBatch calldata differs from ethers'");
    encodingChecked = true;
  }
  return data;
}
let encodingChecked = false;

async function waitForIndexed(indexed: () => number, total: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  let count = indexed();
  while (count < total) {
    if (Date.now() > deadline) throw new Error(`the index holds ${count} of ${total} events after 10 minutes`);
    await sleep(50);
    count = indexed();
  }
  if (count !== total) throw new Error(`the index holds ${count} events, expected exactly ${total}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
