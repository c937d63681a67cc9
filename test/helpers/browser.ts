/**
 * A real browser for the page tests: Debian's Chromium driven by playwright-core (no browser
 * download), a phone-sized context per test, and a page watcher that records every console
 * error, page error and failed request so that a test can assert that none happened.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page, type Response } from "playwright-core";

export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Where screenshots go (gitignored). */
export const RESULTS_DIR = path.resolve(__dirname, "../../test-results");

/** The Chromium to drive: CHROMIUM_PATH, else Debian's. A missing browser fails the tests. */
export function chromiumPath(): string {
  const executable = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;
  if (!existsSync(executable)) {
    throw new Error(
      `Chromium not found at ${executable}: install it with \`sudo apt-get install chromium fonts-noto-cjk\` (README, Requirements)` +
        (process.env.CHROMIUM_PATH ? " or point CHROMIUM_PATH at an installed Chromium" : ""),
    );
  }
  return executable;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}

export interface ContextOptions {
  /** navigator.language and, unless extraHTTPHeaders says otherwise, Accept-Language. */
  locale?: string;
  extraHTTPHeaders?: Record<string, string>;
}

/** A fresh phone: 360 x 740 CSS pixels at twice the density, touch, mobile viewport. */
export async function phoneContext(browser: Browser, options: ContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: options.locale ?? "zh-CN",
    extraHTTPHeaders: options.extraHTTPHeaders,
  });
}

/** A response status a test expects for a URL (e.g. the 404 of a not-found page). */
export interface ExpectedStatus {
  url: string | RegExp;
  status: number;
}

/** Everything that went wrong while a page was open. */
export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  failedRequests: string[];
  errorResponses: string[];
}

export interface WatchedPage {
  page: Page;
  problems: PageProblems;
  /** Every problem as one list, empty when the page loaded cleanly. */
  all(): string[];
  /** Allows one more status for a URL (before navigating to it). */
  expect(expected: ExpectedStatus): void;
  /** Goes to `url` and returns the document's response. */
  goto(url: string): Promise<Response>;
}

function matches(url: string, pattern: string | RegExp): boolean {
  return typeof pattern === "string" ? url === pattern : pattern.test(url);
}

/**
 * A new page in `context` that records console errors, uncaught page errors, requests that
 * failed outright, and responses with a status of 400 or more other than the expected ones.
 * The console error Chromium logs for an expected response ("Failed to load resource ...")
 * is not a problem either.
 */
export async function watchedPage(context: BrowserContext, expected: ExpectedStatus[] = []): Promise<WatchedPage> {
  const page = await context.newPage();
  const allowed = [...expected];
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], failedRequests: [], errorResponses: [] };
  const isExpected = (url: string, status: number) => allowed.some((e) => e.status === status && matches(url, e.url));
  const expectedUrl = (url: string) => allowed.some((e) => matches(url, e.url));

  page.on("console", (message: ConsoleMessage) => {
    if (message.type() !== "error") return;
    const where = message.location().url;
    if (/^Failed to load resource: the server responded with a status of \d+/.test(message.text()) && where && expectedUrl(where)) return;
    problems.consoleErrors.push(`${message.text()} (${where || "no location"})`);
  });
  page.on("pageerror", (error) => problems.pageErrors.push(String(error)));
  page.on("requestfailed", (request) => problems.failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
  page.on("response", (response) => {
    if (response.status() >= 400 && !isExpected(response.url(), response.status())) {
      problems.errorResponses.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    }
  });

  return {
    page,
    problems,
    all: () => [...problems.consoleErrors, ...problems.pageErrors, ...problems.failedRequests, ...problems.errorResponses],
    expect: (e) => allowed.push(e),
    async goto(url) {
      const response = await page.goto(url, { waitUntil: "load" });
      if (!response) throw new Error(`no response for ${url}`);
      return response;
    },
  };
}

/**
 * A file name for a test's screenshot: its title (and `suffix`) in lower-case ASCII words joined
 * by dashes; a title too long for that is cut and given a hash of the whole, so that two tests
 * never share a file.
 */
export function screenshotName(testTitle: string, suffix?: string): string {
  const full = suffix ? `${testTitle} -- ${suffix}` : testTitle;
  const slug = full
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const MAX = 120;
  if (slug.length <= MAX && /^[\x20-\x7e]*$/.test(full)) return `${slug}.png`;
  // Cut (or had non-ASCII words dropped): a hash of the whole title keeps the name unique.
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${slug.slice(0, MAX).replace(/-+$/, "")}-${hash}.png`;
}

/** A full-page PNG of `page` under test-results/, named by the test (and `suffix`). Returns its path. */
export async function screenshot(page: Page, testTitle: string, suffix?: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, screenshotName(testTitle, suffix));
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
