/**
 * Rendered batch pages, each kept until something it depends on changes: its batch, the batches
 * it was made from, their certificates, events, details and corrections (the keys its render
 * names, whose versions store/batch-versions.ts keeps from SQLite's own triggers), or until its
 * 圳品 status could change with time (a certificate taking effect or ending). A write to an
 * unrelated batch leaves it kept, so a busy page is rendered once per change of its own data
 * instead of once per write anywhere.
 */
export interface CachedPage {
  body: string;
  etag: string;
}

/** A page as rendered: with what it depends on (undefined: it may not be kept) and when its status changes by time alone. */
export interface RenderedPage extends CachedPage {
  dependsOn: readonly string[] | undefined;
  changesAt?: number;
}

/** The versions of the data behind pages (store/batch-versions.ts). */
export interface PageVersions {
  /** A stamp for what is read now; undefined when nothing read now may be kept. */
  stamp(): number | undefined;
  /** Whether any of the keys moved since the stamp. */
  changedSince(keys: readonly string[], stamp: number): boolean;
}

interface Entry extends CachedPage {
  dependsOn: readonly string[];
  stamp: number;
  expiresAt: number;
}

/** Pages kept at most; the oldest goes first. */
const MAX_PAGES = 2_000;
/** A kept page is re-rendered at least this often, whatever happens. */
const MAX_AGE_MS = 60_000;

export class PageCache {
  private readonly pages = new Map<string, Entry>();

  constructor(
    private readonly versions: PageVersions,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The page under `key` if nothing it depends on changed since it was rendered, else one made
   * by `render`; `hit` says which.
   */
  get(key: string, render: () => RenderedPage | undefined): (CachedPage & { hit: boolean }) | undefined {
    const now = this.now();
    const kept = this.pages.get(key);
    if (kept && now < kept.expiresAt && !this.versions.changedSince(kept.dependsOn, kept.stamp)) {
      return { body: kept.body, etag: kept.etag, hit: true };
    }
    // Taken before rendering: a change made after it, however soon, is newer than the page.
    const stamp = this.versions.stamp();
    const page = render();
    this.pages.delete(key); // re-inserted last, if at all: Map order is the eviction order
    if (!page) return undefined;
    if (stamp !== undefined && page.dependsOn !== undefined) {
      if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value as string);
      this.pages.set(key, {
        body: page.body,
        etag: page.etag,
        dependsOn: page.dependsOn,
        stamp,
        expiresAt: Math.min(now + MAX_AGE_MS, page.changesAt ?? Infinity),
      });
    }
    return { body: page.body, etag: page.etag, hit: false };
  }
}
