/**
 * The embedded chain's state on disk, written by us rather than by anvil's `--state-interval`.
 * anvil's own periodic dump has two faults that a hard kill exposes:
 * - it rewrites the file in place, so a kill during the write leaves a file cut short, and anvil
 *   then refuses to start;
 * - it reads its blocks and its account state at different moments, so a transaction mined in
 *   between is in the saved state (its batch exists, its sender's nonce counts it) but not in the
 *   saved blocks (no receipt, no log): after a restart the chain holds an effect that no log
 *   explains, and the event can never be proven.
 * So each snapshot is taken over RPC (`anvil_dumpState`), checked, written to a temporary file
 * and renamed over the last one; a snapshot that fails the check is not written. Snapshot files
 * are 0600: the chain's state is the data folder's, private to the service.
 */
import { closeSync, existsSync, fsyncSync, readFileSync, renameSync, writeSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { openPrivateFile, syncPath } from "../keys/private-files";

interface DumpedAccount {
  nonce: number | string;
  code?: string;
}

interface DumpedTransaction {
  info: { from: string; nonce: number | string };
  block_number: number | string;
}

interface DumpedState {
  accounts: Record<string, DumpedAccount>;
  best_block_number: number | string;
  transactions: DumpedTransaction[];
  blocks?: DumpedBlock[];
}

const toNumber = (value: number | string): number => (typeof value === "number" ? value : Number(BigInt(value)));

/**
 * What a dump holds, or why it cannot be used: it must be complete JSON, and every account
 * without code must have each of its transactions in the saved blocks (its last one is enough:
 * nonces leave no gaps). Contracts are skipped: their nonce counts contracts they created. A
 * usable dump gives the last block it saved (`best_block_number`).
 */
export function checkSnapshot(json: string): { block: number } | { problem: string } {
  let state: DumpedState;
  try {
    state = JSON.parse(json) as DumpedState;
  } catch {
    return { problem: "it is not complete JSON (a write cut short)" };
  }
  if (!state || typeof state.accounts !== "object" || !Array.isArray(state.transactions) || state.best_block_number === undefined) {
    return { problem: "it is not an anvil state dump (accounts, transactions or best_block_number missing)" };
  }
  const best = toNumber(state.best_block_number);
  const lastNonceInBlocks = new Map<string, number>();
  for (const tx of state.transactions) {
    if (toNumber(tx.block_number) > best) continue;
    const from = tx.info.from.toLowerCase();
    lastNonceInBlocks.set(from, Math.max(lastNonceInBlocks.get(from) ?? -1, toNumber(tx.info.nonce)));
  }
  // A chain that keeps its last blocks' transactions only (keepBlocks) holds none of an account
  // whose last transaction is older: its nonce cannot be checked, and a transaction that ran the
  // state ahead of the blocks would be the newest, so it is one of an account that has some kept.
  const pruned = firstPrunedBlockIn(state, -1) !== undefined;
  for (const [address, account] of Object.entries(state.accounts)) {
    if (account.code && account.code !== "0x") continue;
    if (pruned && !lastNonceInBlocks.has(address.toLowerCase())) continue;
    const sent = toNumber(account.nonce);
    const inBlocks = (lastNonceInBlocks.get(address.toLowerCase()) ?? -1) + 1;
    if (sent !== inBlocks) {
      return {
        problem:
          `account ${address} has sent ${sent} transaction(s) but the saved blocks hold ${inBlocks}: ` +
          "the state was saved apart from its blocks",
      };
    }
  }
  return { block: best };
}

/** Why the dump cannot be used, or undefined when it can (see checkSnapshot). */
export function snapshotProblem(json: string): string | undefined {
  const checked = checkSnapshot(json);
  return "problem" in checked ? checked.problem : undefined;
}

/** The transactions root of a block without transactions. */
const EMPTY_TRANSACTIONS_ROOT = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";

interface DumpedBlock {
  header: { number: number | string; transactionsRoot: string };
}

/**
 * The first block after `after` that had transactions whose transactions, receipts and logs the
 * snapshot no longer holds (the embedded chain keeps those of its last blocks only: see
 * EMBEDDED_CHAIN_KEEP_BLOCKS), or undefined when it holds all of them. Its headers are all kept,
 * and a header's transactions root says whether the block had any.
 */
export function firstPrunedBlockAfter(json: string, after: number): number | undefined {
  return firstPrunedBlockIn(JSON.parse(json) as DumpedState, after);
}

function firstPrunedBlockIn(state: DumpedState, after: number): number | undefined {
  const held = new Set(state.transactions.map((tx) => toNumber(tx.block_number)));
  let first: number | undefined;
  for (const block of state.blocks ?? []) {
    const number = toNumber(block.header.number);
    if (number <= after || held.has(number) || block.header.transactionsRoot === EMPTY_TRANSACTIONS_ROOT) continue;
    first = first === undefined ? number : Math.min(first, number);
  }
  return first;
}

/** Where the snapshot before the current one is kept, as a fallback. */
export const previousSnapshotPath = (file: string): string => `${file}.previous`;

/**
 * The file anvil should load, and the last block it saved: the snapshot if it is usable, else the
 * one before it. A file that
 * fails the check is renamed aside (`.unusable-<time>`) and named in the returned notes, never
 * deleted. Undefined when there is nothing to load (a new chain).
 */
export function usableSnapshot(file: string): { load?: string; block?: number; notes: string[] } {
  const notes: string[] = [];
  for (const candidate of [file, previousSnapshotPath(file)]) {
    if (!existsSync(candidate)) continue;
    const checked = checkSnapshot(readFileSync(candidate, "utf8"));
    if ("block" in checked) return { load: candidate, block: checked.block, notes };
    const problem = checked.problem;
    const aside = `${candidate}.unusable-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    renameSync(candidate, aside);
    notes.push(`the chain's state file ${candidate} cannot be used (${problem}); it was moved to ${aside}`);
  }
  if (notes.length > 0) {
    throw new Error(`${notes.join("; ")}; no usable state is left, and starting an empty chain would lose the ledger`);
  }
  return { notes };
}

/** anvil's `anvil_dumpState` answer: its state as gzipped JSON, in hex. */
export type DumpState = () => Promise<string>;

/**
 * Takes one snapshot of anvil (its state as `dumpState` reads it) into `file`: the dump is
 * checked, written to a temporary file (0600, like every file of the data folder), flushed, and
 * renamed over `file` (the one before becomes `.previous`), so that `file` is always a complete
 * snapshot. Returns the last block the file now holds (what a crash can no longer take back), or
 * the problem when the dump fails the check (then nothing is written; the next attempt usually
 * succeeds).
 */
export async function saveSnapshot(
  dumpState: DumpState,
  file: string,
  stillWanted: () => boolean = () => true,
): Promise<{ block: number } | { problem: string }> {
  const dumped = await dumpState();
  if (typeof dumped !== "string") throw new Error("anvil_dumpState answered no state");
  const json = gunzipSync(Buffer.from(dumped.replace(/^0x/, ""), "hex")).toString("utf8");
  const checked = checkSnapshot(json);
  if ("problem" in checked) return checked;
  // From here on synchronous: an anvil killed meanwhile (a restarted one may have loaded `file`)
  // must not have its last answer written over the newer chain's file.
  if (!stillWanted()) return { problem: "anvil stopped before the snapshot was written" };

  const temporary = `${file}.tmp`;
  const fd = openPrivateFile(temporary, "w");
  try {
    writeSync(fd, json);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (existsSync(file)) renameSync(file, previousSnapshotPath(file));
  renameSync(temporary, file);
  syncPath(path.dirname(file)); // the renames themselves survive a power cut
  return checked;
}

