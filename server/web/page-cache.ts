/**
 * Rendered batch pages, kept until anything in the database changes or the page's 圳品 status
 * could change with time (a certificate taking effect or ending), whichever comes first.
 * "Anything changes" is SQLite's total_changes() on the gateway's one connection: every
 * indexed block, accepted event or new organisation moves it, so a kept page is never stale;
 * between writes, a busy page is rendered once instead of on every scan.
 */
export interface CachedPage {
  body: string;
  etag: string;
}

interface Entry extends CachedPage {
  version: number;
  expiresAt: number;
}

/** Pages kept at most; the oldest goes first. */
const MAX_PAGES = 2_000;
/** A kept page is re-rendered at least this often, whatever happens. */
const MAX_AGE_MS = 60_000;

export class PageCache {
  private readonly pages = new Map<string, Entry>();

  constructor(
    /** A number that changes whenever the data behind any page may have. */
    private readonly dataVersion: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The page under `key` if nothing changed since it was rendered, else one made by `render`. */
  get(key: string, render: () => (CachedPage & { changesAt?: number }) | undefined): CachedPage | undefined {
    const version = this.dataVersion();
    const now = this.now();
    const kept = this.pages.get(key);
    if (kept && kept.version === version && now < kept.expiresAt) return kept;
    const page = render();
    if (!page) {
      this.pages.delete(key);
      return undefined;
    }
    if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value as string);
    this.pages.delete(key); // re-inserted last: Map order is the eviction order
    this.pages.set(key, {
      body: page.body,
      etag: page.etag,
      version,
      expiresAt: Math.min(now + MAX_AGE_MS, page.changesAt ?? Infinity),
    });
    return page;
  }
}
