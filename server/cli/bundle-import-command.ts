/**
 * import bundle: reads a ledger bundle (an export) into a running gateway, a writing or a read
 * one, through the admin's detail import. The gateway keeps each detail only when its keccak256
 * is a data hash the chain holds; a detail it refuses is printed with its hash, and the command
 * exits 4 (the bundle disagrees with the chain). Photos travel with `npm run reindex -- --bundle`
 * or from peers; this command says how many it left for them.
 */
import path from "node:path";
import type { BundleHeader } from "../domain/ledger-bundle";
import { readBundleFile } from "../services/open-ledger/bundle-file";
import { type Command } from "./command";
import { adminToken } from "./credentials";
import { CliFailure, EXIT, Interrupted, UsageError } from "./failures";

/** Requests stay well under the API's 100 kB JSON limit. */
const CHUNK_BYTES = 80_000;
const CHUNK_COUNT = 500;

interface ImportAnswer {
  kept: number;
  known: number;
  refused: Array<{ hash: string; reason: string }>;
  unreferenced: number;
}

export const bundleImport: Command = {
  words: ["import", "bundle"],
  summary: "read a ledger bundle (an export) into the gateway: each detail kept only when the chain holds its hash",
  usage: `import bundle FILE
  FILE                 a bundle written by export
  needs the admin token: ADMIN_TOKEN, or data/admin-token (DATA_DIR)
  exit 0: every detail taken or already there; exit 4: some did not hash to what the chain holds
  (each printed); details the gateway's index has not reached yet are counted, not kept`,
  options: {},
  positionals: { min: 1, max: 1 },
  async run(context) {
    const file = path.resolve(context.args[0]);
    const token = adminToken(context.env);
    const chain = (await context.gateway.call<{ chainId: number; contract: string }>("GET", "/api/v1/chain")).body;
    const total: ImportAnswer = { kept: 0, known: 0, refused: [], unreferenced: 0 };
    let photos = 0;
    let chunk: Array<{ dataHash: string; detail: string }> = [];
    let chunkBytes = 0;
    let sent = 0;
    const send = async () => {
      if (chunk.length === 0) return;
      if (context.signal.aborted) throw new Interrupted();
      const { body } = await context.gateway.call<ImportAnswer>("POST", "/api/v1/details/import", {
        token,
        json: { source: path.basename(file), details: chunk },
        signal: context.signal,
      });
      total.kept += body.kept;
      total.known += body.known;
      total.unreferenced += body.unreferenced;
      total.refused.push(...body.refused);
      sent += chunk.length;
      context.terminal.stderr(`\r${sent} details sent`);
      chunk = [];
      chunkBytes = 0;
    };
    try {
      for await (const line of readBundleFile(file)) {
        if (line.type === "ledger-bundle") checkHeader(line, chain, file);
        else if (line.type === "photo") photos++;
        else {
          const size = line.detail.length * 3 + 100; // worst case: every character three UTF-8 bytes
          if (chunk.length >= CHUNK_COUNT || chunkBytes + size > CHUNK_BYTES) await send();
          chunk.push({ dataHash: line.dataHash, detail: line.detail });
          chunkBytes += size;
        }
      }
      await send();
    } catch (error) {
      if (error instanceof CliFailure) throw error;
      throw new UsageError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (sent > 0) context.terminal.stderr("\n");
    const summary = `${file}: ${total.kept} details kept, ${total.known} already there, ${total.refused.length} refused, ${total.unreferenced} not (yet) on chain here; ${photos} photos left to reindex --bundle or peers`;
    const json = { file, ...total, photosNotImported: photos };
    if (total.refused.length > 0) {
      return {
        exitCode: EXIT.chainDisagrees,
        json,
        text: total.refused.map((r) => `  refused ${r.hash}: ${r.reason}`).join("\n"),
        error: summary,
      };
    }
    return { exitCode: EXIT.done, json, text: summary };
  },
};

function checkHeader(header: BundleHeader, chain: { chainId: number; contract: string }, file: string): void {
  if (header.chainId !== chain.chainId || header.ledger.toLowerCase() !== chain.contract.toLowerCase()) {
    throw new CliFailure(EXIT.refused, `${file} is a bundle of ledger ${header.ledger} on chain ${header.chainId}; the gateway's ledger is ${chain.contract} on chain ${chain.chainId}`);
  }
}
