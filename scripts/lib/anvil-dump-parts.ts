/**
 * What an anvil state dump (the JSON that `anvil_dumpState` gzips and `--load-state` reads) is
 * made of, without parsing it: a dump of a long chain is larger than one JavaScript string may be
 * (about 512 MB), so the file is scanned byte by byte, 64 MB at a time. For each top-level field
 * (block, accounts, best_block_number, blocks, transactions, historical_states) the bytes of its
 * value; and how many accounts, storage slots (all accounts together), blocks and transactions
 * it holds.
 */
import { closeSync, openSync, readSync } from "node:fs";

export interface DumpParts {
  /** Bytes of each top-level field's value, by field name. */
  bytes: Record<string, number>;
  accounts: number;
  storageSlots: number;
  blocks: number;
  transactions: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export function dumpParts(file: string): DumpParts {
  const parts: DumpParts = { bytes: {}, accounts: 0, storageSlots: 0, blocks: 0, transactions: 0 };
  const chunk = Buffer.allocUnsafe(64 << 20);
  const fd = openSync(file, "r");
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** At depth 1, whether the next string is a key (after `{` or `,`). */
  let expectKey = false;
  let readingKey = false;
  let keyBytes: number[] = [];
  let key = "";
  let valueStart = -1;
  let offset = 0;
  const close = (at: number) => {
    if (key && valueStart >= 0) parts.bytes[key] = (parts.bytes[key] ?? 0) + (at - valueStart);
    valueStart = -1;
  };
  try {
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      for (let i = 0; i < read; i++) {
        const byte = chunk[i];
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === BACKSLASH) escaped = true;
          else if (byte === QUOTE) {
            inString = false;
            if (readingKey) {
              readingKey = false;
              key = Buffer.from(keyBytes).toString("utf8");
            }
          } else if (readingKey) keyBytes.push(byte);
          continue;
        }
        switch (byte) {
          case QUOTE:
            inString = true;
            if (depth === 1 && expectKey) {
              readingKey = true;
              expectKey = false;
              keyBytes = [];
            }
            break;
          case COLON:
            if (depth === 1) valueStart = offset + i + 1;
            else if (key === "accounts" && depth === 2) parts.accounts++;
            else if (key === "accounts" && depth === 4) parts.storageSlots++;
            break;
          case COMMA:
            if (depth === 1) {
              close(offset + i);
              expectKey = true;
            }
            break;
          case OPEN_BRACE:
          case OPEN_BRACKET:
            if (byte === OPEN_BRACE && depth === 2 && key === "blocks") parts.blocks++;
            if (byte === OPEN_BRACE && depth === 2 && key === "transactions") parts.transactions++;
            depth++;
            if (depth === 1) expectKey = true;
            break;
          case CLOSE_BRACE:
          case CLOSE_BRACKET:
            if (depth === 1) close(offset + i);
            depth--;
            break;
        }
      }
      offset += read;
    }
  } finally {
    closeSync(fd);
  }
  return parts;
}
