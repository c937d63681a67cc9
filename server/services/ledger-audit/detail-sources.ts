/**
 * Where an audit finds the off-chain details whose hashes the chain holds: any gateway or peer
 * (`GET {url}/api/v1/details/{dataHash}`, 404 when it has none) or a ledger bundle file
 * (domain/ledger-bundle.ts). No source is trusted: each gives bytes, and the keccak256 of those
 * exact bytes is compared with the chain's data hash. Sources are tried in the order given for
 * each hash; bytes that do not hash to it are a tampered source, kept for the report, and the next
 * source is tried for the honest detail.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import { readBundleFile } from "../open-ledger/bundle-file";

/** What a source gave for a data hash: the text and the keccak256 of its exact bytes. */
export interface Candidate {
  text: string;
  hash: string;
}

export interface SourceAnswer {
  /** By data hash, what the source gave (a bundle may hold several lines for one hash). */
  found: Map<string, Candidate[]>;
  /** What went wrong with the source as a whole or for some hashes (unreachable, 5xx, a bad line). */
  problems: string[];
}

/** One place details may come from (not ledger-rules' DetailSource, a lookup of checked details). */
export interface AuditDetailSource {
  /** The URL or file, as the report names it. */
  readonly label: string;
  readonly kind: "url" | "bundle";
  read(hashes: readonly string[]): Promise<SourceAnswer>;
}

/** A source named on the command line: an http(s) URL is a gateway or peer, anything else a bundle file. */
export function detailSource(spec: string, options: { ledger?: string } = {}): AuditDetailSource {
  return /^https?:\/\//i.test(spec) ? new UrlSource(spec) : new BundleSource(spec, options);
}

/** How many details are asked of one gateway at once. */
const PARALLEL_REQUESTS = 8;
const REQUEST_TIMEOUT_MS = 20_000;
const RATE_LIMIT_RETRIES = 4;

export class UrlSource implements AuditDetailSource {
  readonly kind = "url";
  readonly label: string;

  constructor(url: string) {
    this.label = url.replace(/\/+$/, "");
  }

  async read(hashes: readonly string[]): Promise<SourceAnswer> {
    const found = new Map<string, Candidate[]>();
    const problems: string[] = [];
    let unreachable: string | undefined;
    const queue = [...hashes];
    const worker = async () => {
      for (let hash = queue.shift(); hash !== undefined && unreachable === undefined; hash = queue.shift()) {
        let answer: { response: Response; bytes: Uint8Array };
        try {
          answer = await this.get(hash);
        } catch (error) {
          // One that cannot be reached is not asked again for the rest.
          unreachable ??= causeOf(error);
          return;
        }
        const { response, bytes } = answer;
        if (response.status === 404) continue;
        if (response.status !== 200) {
          problems.push(`answered ${response.status} for ${hash}`);
          continue;
        }
        found.set(hash, [{ text: new TextDecoder().decode(bytes), hash: keccak256(bytes) }]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_REQUESTS, hashes.length) }, worker));
    if (unreachable !== undefined) problems.unshift(`could not be reached: ${unreachable}`);
    return { found, problems };
  }

  /** One detail's exact bytes; a rate limit's 429 is waited out (Retry-After, a few times). */
  private async get(hash: string): Promise<{ response: Response; bytes: Uint8Array }> {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${this.label}/api/v1/details/${hash}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (response.status !== 429 || attempt >= RATE_LIMIT_RETRIES) return { response, bytes };
      const seconds = Number(response.headers.get("retry-after"));
      await new Promise((resolve) => setTimeout(resolve, Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds : 1, 10) * 1000));
    }
  }
}

export class BundleSource implements AuditDetailSource {
  readonly kind = "bundle";

  constructor(
    readonly label: string,
    private readonly expect: { ledger?: string } = {},
  ) {}

  /** Reads the file through once, keeping only the lines of the hashes asked for. */
  async read(hashes: readonly string[]): Promise<SourceAnswer> {
    const wanted = new Set(hashes);
    const found = new Map<string, Candidate[]>();
    const problems: string[] = [];
    try {
      for await (const line of readBundleFile(this.label)) {
        if (line.type === "ledger-bundle") {
          // Details are checked by their hashes whatever the header says; a bundle of another ledger is only worth a word.
          const { ledger } = this.expect;
          if (ledger && line.ledger.toLowerCase() !== ledger.toLowerCase()) problems.push(`its header names ledger ${line.ledger}, not ${ledger}`);
          continue;
        }
        if (line.type !== "detail") continue;
        const hash = line.dataHash.toLowerCase();
        if (!wanted.has(hash)) continue;
        const candidates = found.get(hash) ?? [];
        candidates.push({ text: line.detail, hash: keccak256(toUtf8Bytes(line.detail)) });
        found.set(hash, candidates);
      }
    } catch (error) {
      problems.push(`could not be read to the end: ${(error as Error).message}`);
    }
    return { found, problems };
  }
}

/** A source gave bytes for a data hash that do not hash to it. */
export interface TamperedDetail {
  dataHash: string;
  source: string;
  /** keccak256 of what the source gave. */
  detailHash: string;
}

export interface ResolvedDetails {
  /** By data hash: the detail whose bytes hash to it, and the source that gave it. */
  details: Map<string, { text: string; source: string }>;
  tampered: TamperedDetail[];
  /** By source label, what went wrong with it. */
  problems: Map<string, string[]>;
}

/** Each hash from the first source (in order) that gives bytes hashing to it; every wrong answer on the way is kept. */
export async function resolveDetails(sources: readonly AuditDetailSource[], hashes: Iterable<string>): Promise<ResolvedDetails> {
  const details = new Map<string, { text: string; source: string }>();
  const tampered: TamperedDetail[] = [];
  const problems = new Map<string, string[]>();
  let remaining = [...new Set([...hashes].map((h) => h.toLowerCase()))];
  for (const source of sources) {
    const answer = remaining.length ? await source.read(remaining) : { found: new Map<string, Candidate[]>(), problems: [] };
    problems.set(source.label, answer.problems);
    for (const hash of remaining) {
      for (const candidate of answer.found.get(hash) ?? []) {
        if (candidate.hash === hash) {
          if (!details.has(hash)) details.set(hash, { text: candidate.text, source: source.label });
        } else {
          tampered.push({ dataHash: hash, source: source.label, detailHash: candidate.hash });
        }
      }
    }
    remaining = remaining.filter((hash) => !details.has(hash));
  }
  return { details, tampered, problems };
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
