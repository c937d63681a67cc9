/**
 * export: copies a gateway's public ledger into a bundle file (domain/ledger-bundle.ts): the
 * chain and ledger it belongs to, every detail the chain holds a hash of, in chain order, and
 * the harvest photos. It reads only the gateway's public addresses, so anyone may take a copy;
 * `npm run reindex -- --bundle FILE` reads one back, and `audit --details FILE` checks against one.
 */
import { statSync } from "node:fs";
import path from "node:path";
import { BUNDLE_VERSION } from "../domain/ledger-bundle";
import { BundleWriter } from "../services/open-ledger/bundle-file";
import { requiredOption, type Command } from "./command";
import { CliFailure, EXIT, Interrupted } from "./failures";

interface FeedPage {
  items: Array<{ block: number; logIndex: number; cursor: string; kind: "event" | "attestation"; subject: string; dataHash: string; detail: string }>;
  next: string | null;
  indexedBlock: number;
}

const PAGE = 2_000;

export const ledgerExport: Command = {
  words: ["export"],
  summary: "copy the gateway's public ledger (every detail, in chain order, and the photos) into a bundle file",
  usage: `export --out FILE [--no-photos]
  --out FILE           the bundle to write (NDJSON; written whole or not at all)
  --no-photos          details only`,
  options: { out: { type: "string" }, "no-photos": { type: "boolean" } },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const out = path.resolve(requiredOption(context.values, "out"));
    const { gateway, terminal, signal } = context;
    const chain = (await gateway.call<{ chainId: number; contract: string; deployBlock: number }>("GET", "/api/v1/chain")).body;
    let page = (await gateway.call<FeedPage>("GET", `/api/v1/details?limit=${PAGE}`)).body;
    const writer = new BundleWriter(out, {
      type: "ledger-bundle",
      version: BUNDLE_VERSION,
      chainId: chain.chainId,
      ledger: chain.contract,
      deployBlock: chain.deployBlock,
      toBlock: page.indexedBlock,
      exportedAt: new Date().toISOString(),
      source: gateway.baseUrl,
    });
    let details = 0;
    const photos = new Set<string>();
    for (;;) {
      if (signal.aborted) throw new Interrupted();
      for (const item of page.items) {
        await writer.write({ type: "detail", block: item.block, logIndex: item.logIndex, kind: item.kind, subject: item.subject, dataHash: item.dataHash, detail: item.detail });
        details++;
        for (const hash of photoHashesOf(item.detail)) photos.add(hash);
      }
      if (page.items.length > 0) terminal.stderr(`\r${details} details`);
      // The export is of what was indexed when it began: later details wait for the next export.
      if (page.items.length < PAGE || !page.next || page.items[page.items.length - 1].block > (page.indexedBlock ?? Infinity)) break;
      page = (await gateway.call<FeedPage>("GET", `/api/v1/details?limit=${PAGE}&after=${page.next}`)).body;
    }
    let photoCount = 0;
    if (!context.values["no-photos"]) {
      for (const hash of photos) {
        if (signal.aborted) throw new Interrupted();
        const photo = await fetchPhoto(gateway.baseUrl, hash);
        if (!photo) {
          terminal.stderr(`\nphoto ${hash}: not served by ${gateway.baseUrl}; left out\n`);
          continue;
        }
        await writer.write({ type: "photo", hash, contentType: photo.contentType, base64: photo.bytes.toString("base64") });
        photoCount++;
      }
    }
    await writer.close();
    if (details > 0) terminal.stderr("\n");
    const bytes = statSync(out).size;
    const perEvent = details ? Math.round(bytes / details) : 0;
    const result = { file: out, chainId: chain.chainId, ledger: chain.contract, deployBlock: chain.deployBlock, toBlock: page.indexedBlock, details, photos: photoCount, bytes, bytesPerDetail: perEvent };
    return {
      exitCode: EXIT.done,
      json: result,
      text: `exported ${details} details and ${photoCount} photos of ledger ${chain.contract} (chain ${chain.chainId}) to ${out}: ${bytes} bytes, ${perEvent} per detail`,
    };
  },
};

/** The photo hashes a harvest's detail names. */
function photoHashesOf(detail: string): string[] {
  if (!detail.includes("photoHashes")) return [];
  const parsed = JSON.parse(detail) as { photoHashes?: unknown };
  return Array.isArray(parsed.photoHashes) ? parsed.photoHashes.filter((h): h is string => typeof h === "string").map((h) => h.toLowerCase()) : [];
}

async function fetchPhoto(baseUrl: string, hash: string): Promise<{ contentType: string; bytes: Buffer } | undefined> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/photos/${hash}`);
  } catch (error) {
    throw new CliFailure(EXIT.unreachable, `cannot reach the gateway at ${baseUrl}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    return undefined;
  }
  return { contentType: (response.headers.get("content-type") ?? "").split(";")[0].trim(), bytes: Buffer.from(await response.arrayBuffer()) };
}
