/**
 * The public web: provenance pages by GS1 Digital Link (/01/{gtin}/10/{lot}[/21/{serial}]) and
 * by batch id (/p/{batchId}), their QR codes, label sheets, the stylesheet, and the friendly
 * not-found page. Pages are server-rendered HTML that needs no script. Every /01/… URI is
 * answered by the GS1-Conformant resolver (resolver/resolver.ts), which asks these routes for
 * the pages; its description is at /.well-known/gs1resolver.
 */
import { createHash } from "node:crypto";
import express, { type Request, type Response, type Router } from "express";
import { Gs1Error, parseBatchId } from "../domain/gs1";
import type { SerialRepository } from "../store/serial-repository";
import { STYLESHEET } from "../html/assets";
import { digitalLinkUri } from "../domain/digital-link";
import { chooseLanguage, MESSAGES, type Lang } from "../html/i18n";
import { renderLabelSheet, type Label } from "./labels-page";
import { LABEL_STOCK_IDS, LABELS_PER_SHEET, labelStockOf, labelsPerSheet } from "../html/label-sheet";
import { LABEL_STYLESHEETS } from "../html/label-stylesheet";
import { renderNotFoundPage } from "../html/not-found-page";
import { renderProvenancePage, type UnitScan } from "./provenance-page";
import type { BatchViews } from "../services/batches/batch-views";
import type { UnitScans } from "../services/unit-scans";
import { qrPng, qrSvg } from "./qr";
import { publicRateLimit } from "./security";
import { PageCache, type PageVersions } from "./page-cache";
import { DigitalLinkResolver } from "./resolver/resolver";
import { DESCRIPTION_PATH } from "./resolver/description";
import { corsPreflight } from "./resolver/negotiation";
import { rawQueryOf, readRequestLink } from "./resolver/request-link";
import type { CertificationLink } from "./resolver/linkset";

export interface WebDeps {
  batches: BatchViews;
  /** The versions of the data behind pages: a kept page is rendered afresh once what it read changed. */
  versions: PageVersions;
  serials: SerialRepository;
  /** Counts a unit's scans by distinct client per window and says when its page warns. */
  scans: UnitScans;
  publicBaseUrl: string;
  explorerUrl?: string;
  rateLimitPerMinute: number;
  /** A read gateway: unit codes are not checked or counted here (their serials stay with the issuing gateway). */
  readOnly?: { writeGatewayUrl?: string };
  /**
   * Links to a batch's certificates besides its 圳品 certificates on the ledger, which its linkset
   * offers as gs1:certificationInfo (e.g. its 承诺达标合格证); none by default.
   */
  extraCertificationLinks?: (batchId: string) => readonly CertificationLink[];
}

/** GS1 AI 21: up to 20 characters of GS1 character set 82. */
const AI21_PATTERN = /^[!"%-?A-Z_a-z]{1,20}$/;
const MAX_LABELS = LABELS_PER_SHEET * 10;
const PAGE_CACHE = "public, max-age=60";
/** The unit page's cookie: the client's name for the scan count (services/unit-scans.ts), for that unit's path only. */
const SCAN_COOKIE = "unit_scan";
const SCAN_COOKIE_MAX_AGE_S = 400 * 86_400;

class PageNotFound extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export function webRoutes(deps: WebDeps): Router {
  const router = express.Router();
  const pages = new PageCache(deps.versions);

  router.get(STYLESHEET.path, (_req, res) => {
    res.set("Cache-Control", "public, max-age=31536000, immutable").type("text/css").send(STYLESHEET.body);
  });
  for (const sheet of Object.values(LABEL_STYLESHEETS)) {
    router.get(sheet.path, (_req, res) => {
      res.set("Cache-Control", "public, max-age=31536000, immutable").type("text/css").send(sheet.body);
    });
  }
  router.use(["/01", "/p", "/labels"], publicRateLimit(deps.rateLimitPerMinute));

  const resolver = new DigitalLinkResolver({
    batches: deps.batches,
    publicBaseUrl: deps.publicBaseUrl,
    extraCertificationLinks: deps.extraCertificationLinks,
    sendBatchPage,
    sendUnitPage,
  });
  router.get(DESCRIPTION_PATH, resolver.describe);
  router.options([DESCRIPTION_PATH, "/01/*rest", "/p/:batchId/recall.json"], corsPreflight);

  router.get("/p/:batchId", (req, res) => {
    const batchId = parseId(req.params.batchId);
    if (!sendBatchPage(req, res, batchId)) throw new PageNotFound("missing");
  });
  router.get("/p/:batchId/recall.json", resolver.recallStatus);

  /** A unit's page; a GET is a scan. False when the ledger has no such batch. */
  function sendUnitPage(req: Request, res: Response, batchId: string, serial: string, headers: Record<string, string> = {}): boolean {
    if (!AI21_PATTERN.test(serial)) throw new PageNotFound("serial");
    const view = deps.batches.page(batchId);
    if (!view) return false;
    // A GET is a scan, counted once per client per window; a HEAD (link checkers) is not.
    let unit: UnitScan = { serial, issued: true, scanCount: 0, clients: 0, networks: 0, days: 0, suspect: false };
    if (deps.readOnly) {
      unit = { ...unit, uncheckedHere: { issuingGateway: deps.readOnly.writeGatewayUrl } };
    } else if (req.method === "GET") {
      const cookie = cookieOf(req, SCAN_COOKIE);
      const scan = deps.scans.scan(batchId, serial, { address: req.ip ?? req.socket.remoteAddress ?? "", userAgent: req.get("User-Agent") ?? "", cookie });
      if (scan.issued && cookie !== scan.clientId && /^[\w/.-]+$/.test(req.path)) {
        const secure = deps.publicBaseUrl.startsWith("https:") ? "; Secure" : "";
        res.append("Set-Cookie", `${SCAN_COOKIE}=${scan.clientId}; Path=${req.path}; Max-Age=${SCAN_COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax${secure}`);
      }
      unit = { serial, issued: scan.issued, scanCount: scan.scanCount, clients: scan.clients, networks: scan.networks, days: scan.days, suspect: scan.suspect };
    }
    const lang = languageOf(req);
    const body = renderProvenancePage(view, { lang, path: req.path, publicBaseUrl: deps.publicBaseUrl, explorerUrl: deps.explorerUrl, unit });
    res.set({ ...headers, "Cache-Control": "no-store" }); // each scan must reach us to be counted
    res.status(200).type("html").send(body);
    return true;
  }

  /** The QR code of a batch's or unit's Digital Link URI ({that URI}/qr.svg or /qr.png). */
  async function sendQr(req: Request, res: Response, path: string, format: "svg" | "png"): Promise<void> {
    const read = readRequestLink(new URL(deps.publicBaseUrl).origin, path, "");
    if (!read.ok) throw new PageNotFound(read.reason);
    const { gtin14, lot, serial, qualifiers, canonicalPath } = read.link;
    if (gtin14 === undefined || lot === undefined || qualifiers.some((q) => q.ai !== "10" && q.ai !== "21")) throw new PageNotFound("path");
    if (canonicalPath !== read.path) {
      // Another spelling of the same URI (a GTIN of 8, 12 or 13 digits, a character left raw): the canonical one, the query kept.
      const query = rawQueryOf(req.originalUrl);
      res.redirect(301, `${canonicalPath}/qr.${format}${query === "" ? "" : `?${query}`}`);
      return;
    }
    const uri = digitalLinkUri(deps.publicBaseUrl, gtin14, lot, serial);
    res.set("Cache-Control", "public, max-age=86400");
    if (format === "svg") res.type("image/svg+xml").send(await qrSvg(uri));
    else res.type("png").send(await qrPng(uri));
  }

  // Every Digital Link URI (any qualifiers, AIs in the query, any GTIN length) and its QR codes.
  router.get("/01/*rest", async (req, res) => {
    const qr = /^(\/01\/.+)\/qr\.(svg|png)$/.exec(req.path);
    if (qr) await sendQr(req, res, qr[1], qr[2] as "svg" | "png");
    else resolver.resolve(req, res);
  });

  router.get("/labels/:batchId", async (req, res) => {
    const batchId = parseId(req.params.batchId);
    const view = deps.batches.page(batchId);
    if (!view) throw new PageNotFound("missing");
    const lang = languageOf(req);
    const stock = labelStockOf(req.query.stock);
    if (!stock) {
      const t = MESSAGES[lang];
      res.status(400).type("html").send(renderNotFoundPage(lang, req.path, `stock: ${t.badLabelStock(String(req.query.stock), LABEL_STOCK_IDS.join(", "))}`));
      return;
    }
    const requested = serialsParam(req.query.serials);
    const issued = requested ? deps.serials.issuedAmong(batchId, requested) : [];
    if (requested && issued.length !== requested.length) {
      const unknown = requested.filter((serial) => !issued.includes(serial));
      const t = MESSAGES[lang];
      res.status(400).type("html").send(renderNotFoundPage(lang, req.path, `serials: ${t.badSerials(unknown.join(", "))}`));
      return;
    }
    const { gtin, lot } = view.batch;
    const codes: Array<string | undefined> = requested ?? new Array(labelsPerSheet(stock)).fill(undefined);
    const labels: Label[] = await Promise.all(
      codes.map(async (serial) => {
        const uri = digitalLinkUri(deps.publicBaseUrl, gtin, lot, serial);
        return { uri, serial, qrSvg: await qrSvg(uri) };
      }),
    );
    res.set("Cache-Control", "private, no-cache");
    res.status(200).type("html").send(renderLabelSheet(view, labels, { lang, path: req.path, stock }));
  });

  router.use(((error, req, res, next) => {
    if (res.headersSent) return next(error);
    const lang = languageOf(req);
    if (error instanceof PageNotFound) {
      res.status(404).type("html").send(renderNotFoundPage(lang, req.path, MESSAGES[lang].reasons[error.reason]));
      return;
    }
    if (error instanceof Gs1Error) {
      res.status(404).type("html").send(renderNotFoundPage(lang, req.path, MESSAGES[lang].reasons[error.field]));
      return;
    }
    next(error);
  }) as express.ErrorRequestHandler);

  /**
   * Sends the page of a batch with an ETag (and `headers`), answering 304 when the client has
   * this version. False when the ledger has no such batch.
   */
  function sendBatchPage(req: Request, res: Response, batchId: string, headers: Record<string, string> = {}): boolean {
    const lang = languageOf(req);
    const page = pages.get(`${lang} ${req.path}`, () => {
      const view = deps.batches.page(batchId);
      if (!view) return undefined;
      const body = renderProvenancePage(view, { lang, path: req.path, publicBaseUrl: deps.publicBaseUrl, explorerUrl: deps.explorerUrl });
      const etag = `W/"${createHash("sha1").update(body).digest("base64url")}"`;
      return { body, etag, changesAt: view.statusChangesAt, dependsOn: deps.batches.pageDependencies(view) };
    });
    if (!page) return false;
    const { body, etag } = page;
    // Whether the page was kept or rendered for this request: how well the cache does under writes shows from outside.
    res.set({ ETag: etag, "Cache-Control": PAGE_CACHE, Vary: "Accept-Language", "X-Page-Cache": page.hit ? "hit" : "miss", ...headers });
    if (req.get("If-None-Match") === etag) {
      res.status(304).end();
      return true;
    }
    res.status(200).type("html").send(body);
    return true;
  }

  return router;
}

/** A cookie's value from the request's Cookie header. */
function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.get("Cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

function languageOf(req: Request): Lang {
  return chooseLanguage(req.query.lang, req.get("Accept-Language"));
}

function parseId(value: string): string {
  parseBatchId(value); // throws Gs1Error("batchId") for anything that is not a GS1 batch id
  return value.toLowerCase();
}

function serialsParam(value: unknown): string[] | undefined {
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw new PageNotFound("serial");
  const serials = [...new Set(value.split(",").map((s) => s.trim()).filter(Boolean))];
  if (serials.length === 0 || serials.length > MAX_LABELS || !serials.every((s) => AI21_PATTERN.test(s))) {
    throw new PageNotFound("serial");
  }
  return serials;
}
