/**
 * Fills in the details (and photos) this gateway lacks from its peers: other gateways of the
 * same deployment, reached at their public addresses. It pages through a peer's feed from the
 * first detail missing here, checks every one against the chain's hash before keeping it (the
 * intake), then asks each peer by hash for what is still missing, so that one peer serving a
 * tampered detail is refused and another's honest copy taken. Used by a read gateway's detail
 * sync and by `npm run reindex` with PEER_URLS.
 */
import type { ChainPosition, DetailFeedReads, FeedItem } from "../../store/detail-feed-reads";
import { formatCursor } from "../../store/detail-feed-reads";
import type { DetailIntake, IntakeReport } from "./detail-intake";
import { emptyReport } from "./detail-intake";

export interface PeerDetailsOptions {
  peers: readonly string[];
  intake: DetailIntake;
  feed: DetailFeedReads;
  /** Feed page size asked of a peer. */
  pageSize?: number;
  /** How many hashes a pass asks each peer for one by one. */
  perHashLimit?: number;
  /** A peer's answer slower than this is given up (ms). */
  timeoutMs?: number;
  log?: (message: string) => void;
  /** Runs a page's intake in one database transaction (much faster than one per detail). */
  transaction?: (work: () => void) => void;
}

/** A hash no peer had: not asked again for this long (ms). */
const MISSING_BACKOFF_MS = 30_000;
/**
 * How long the known-complete prefix of the chain is trusted before the whole chain is looked
 * over again (ms): the index stops at final blocks, but one rolled back (blocks a chain lost)
 * and indexed again could hold new hashes there.
 */
const FULL_RESCAN_MS = 10 * 60_000;

export class PeerDetails {
  /** Hashes no peer served, and when they may be asked for again. */
  private readonly backoff = new Map<string, number>();
  private readonly peers: string[];
  /**
   * Every hash at or before this position has its detail here: the search for missing ones
   * starts after it, so a pass costs what is new, not the whole chain.
   */
  private completeThrough?: ChainPosition;
  private completeSince = 0;

  constructor(private readonly options: PeerDetailsOptions) {
    this.peers = options.peers.map((peer) => peer.replace(/\/+$/, ""));
  }

  /**
   * One pass: up to `maxPages` pages of missing details from the peers, then the photos kept
   * harvests name. Returns what was kept, known, refused and not found, and whether there may be
   * more to fetch at once (a pass stopped at `maxPages` while the peers were still giving).
   */
  async fill(maxPages = 1_000): Promise<IntakeReport & { stillMissing: number; more: boolean }> {
    const report = emptyReport();
    const { feed } = this.options;
    let more = false;
    for (let pages = 0; pages < maxPages; pages++) {
      const wanted = this.missingNow(this.options.pageSize ?? 1_000);
      if (wanted.length === 0) break;
      const keptBefore = report.kept;
      for (const peer of this.peers) {
        await this.fromFeed(peer, wanted[0], report);
        if (report.kept > keptBefore) break; // this peer is serving: go on with it next page
      }
      const still = this.missingNow(this.options.perHashLimit ?? 100).filter((item) => wanted.some((w) => w.dataHash === item.dataHash));
      for (const item of still) await this.byHash(item, report);
      if (report.kept === keptBefore) break; // nothing more to be had this pass
      more = pages === maxPages - 1;
    }
    await this.fillPhotos(report);
    this.advanceCompletePrefix();
    return { ...report, stillMissing: feed.missingCount(this.completeThrough), more };
  }

  /** Missing details not in back-off, in chain order. */
  private missingNow(limit: number): FeedItem[] {
    const now = Date.now();
    for (const [hash, until] of this.backoff) if (until <= now) this.backoff.delete(hash);
    this.advanceCompletePrefix();
    const found: FeedItem[] = [];
    let after: ChainPosition | undefined = this.completeThrough;
    while (found.length < limit) {
      const page = this.options.feed.missing(limit, after);
      if (page.length === 0) break;
      found.push(...page.filter((item) => !this.backoff.has(item.dataHash)));
      after = page[page.length - 1];
    }
    return found.slice(0, limit);
  }

  /**
   * Moves the complete prefix up to just before the first hash still missing (or to the chain's
   * last hash when none is). The search and the last position are read in one synchronous step,
   * so nothing indexed in between can be skipped.
   */
  private advanceCompletePrefix(): void {
    const { feed } = this.options;
    if (Date.now() - this.completeSince > FULL_RESCAN_MS) {
      this.completeThrough = undefined;
      this.completeSince = Date.now();
    }
    const [first] = feed.missing(1, this.completeThrough);
    this.completeThrough = first ? { block: first.block, logIndex: first.logIndex - 1 } : (feed.lastPosition() ?? this.completeThrough);
  }

  /** A page of a peer's feed from `first` on: each item through the intake. */
  private async fromFeed(peer: string, first: FeedItem, report: IntakeReport): Promise<void> {
    // The feed's cursor is exclusive: start just before the first missing position.
    const before = first.logIndex > 0 ? { block: first.block, logIndex: first.logIndex - 1 } : { block: Math.max(first.block - 1, 0), logIndex: 999_999_999 };
    const url = `${peer}/api/v1/details?format=ndjson&limit=${this.options.pageSize ?? 1_000}&after=${formatCursor(before)}`;
    const text = await this.get(url);
    if (text === undefined) return;
    const items: Array<{ dataHash: string; detail: string }> = [];
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        const item = JSON.parse(line) as { dataHash?: unknown; detail?: unknown };
        if (typeof item.dataHash === "string" && typeof item.detail === "string") items.push({ dataHash: item.dataHash, detail: item.detail });
      } catch {
        this.options.log?.(`${peer}: a feed line that is not JSON; the rest of the page is ignored`);
        break;
      }
    }
    const run = this.options.transaction ?? ((work: () => void) => work());
    run(() => {
      for (const item of items) this.options.intake.takeDetail(item.dataHash, item.detail, peer, report);
    });
  }

  /** One missing detail asked of every peer by its hash, until one serves it true. */
  private async byHash(item: FeedItem, report: IntakeReport): Promise<void> {
    for (const peer of this.peers) {
      const text = await this.get(`${peer}/api/v1/details/${item.dataHash}`);
      if (text === undefined) continue;
      const outcome = this.options.intake.takeDetail(item.dataHash, text, peer, report);
      if (outcome === "kept" || outcome === "known") return;
    }
    this.backoff.set(item.dataHash, Date.now() + MISSING_BACKOFF_MS);
  }

  private async fillPhotos(report: IntakeReport): Promise<void> {
    const wanted = this.options.intake.photosWanted(500);
    for (const [hash, owner] of wanted) {
      if (this.backoff.has(hash)) continue;
      let kept = false;
      for (const peer of this.peers) {
        const photo = await this.getBytes(`${peer}/photos/${hash}`);
        if (!photo) continue;
        const outcome = this.options.intake.takePhoto(hash, photo.contentType, photo.bytes, owner, peer, report);
        if ((kept = outcome === "kept" || outcome === "known")) break;
      }
      if (!kept) this.backoff.set(hash, Date.now() + MISSING_BACKOFF_MS);
    }
  }

  private async get(url: string): Promise<string | undefined> {
    const response = await this.fetch(url);
    return response ? await response.text() : undefined;
  }

  private async getBytes(url: string): Promise<{ contentType: string; bytes: Buffer } | undefined> {
    const response = await this.fetch(url);
    if (!response) return undefined;
    const contentType = (response.headers.get("content-type") ?? "").split(";")[0].trim();
    return { contentType, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  /** A 200 answer, or undefined (not there, or the peer unreachable: said in the log). */
  private async fetch(url: string): Promise<Response | undefined> {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
      if (response.ok) return response;
      if (response.status !== 404) this.options.log?.(`${url}: ${response.status}`);
      await response.body?.cancel();
    } catch (error) {
      this.options.log?.(`${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return undefined;
  }
}
