/**
 * The public web: provenance pages by GS1 Digital Link (/01/{gtin}/10/{lot}[/21/{serial}]) and
 * by batch id (/p/{batchId}), their QR codes, label sheets, the stylesheet, and the friendly
 * not-found page. Pages are server-rendered HTML that needs no script.
 */
import { createHash } from "node:crypto";
import express, { type Request, type Response, type Router } from "express";
import { assertValidLot, batchIdFor, Gs1Error, normalizeGtin, parseBatchId } from "../domain/gs1";
import type { SerialRepository } from "../store/serial-repository";
import { STYLESHEET } from "../html/assets";
import { digitalLinkPath, digitalLinkUri } from "../domain/digital-link";
import { chooseLanguage, MESSAGES, type Lang } from "../html/i18n";
import { renderLabelSheet, type Label } from "./labels-page";
import { LABELS_PER_SHEET } from "../html/label-sheet";
import { renderNotFoundPage } from "../html/not-found-page";
import { renderProvenancePage, type UnitScan } from "./provenance-page";
import type { BatchViews } from "../services/batches/batch-views";
import type { UnitScans } from "../services/unit-scans";
import { qrPng, qrSvg } from "./qr";
import { publicRateLimit } from "./security";
import { PageCache } from "./page-cache";

export interface WebDeps {
  batches: BatchViews;
  /** Changes whenever anything in the database does (kept pages are then rendered afresh). */
  dataVersion: () => number;
  serials: SerialRepository;
  /** Counts a unit's scans by distinct client per window and says when its page warns. */
  scans: UnitScans;
  publicBaseUrl: string;
  explorerUrl?: string;
  rateLimitPerMinute: number;
  /** A read gateway: unit codes are not checked or counted here (their serials stay with the issuing gateway). */
  readOnly?: { writeGatewayUrl?: string };
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
  const pages = new PageCache(deps.dataVersion);

  router.get(STYLESHEET.path, (_req, res) => {
    res.set("Cache-Control", "public, max-age=31536000, immutable").type("text/css").send(STYLESHEET.body);
  });
  router.use(["/01", "/p", "/labels"], publicRateLimit(deps.rateLimitPerMinute));

  router.get("/p/:batchId", (req, res) => {
    const batchId = parseId(req.params.batchId);
    sendBatchPage(req, res, batchId);
  });

  router.get("/01/:gtin/10/:lot", (req, res) => {
    const { gtin, lot } = batchKey(req, res);
    if (gtin) sendBatchPage(req, res, batchIdFor(gtin, lot));
  });

  router.get("/01/:gtin/10/:lot/21/:serial", (req, res) => {
    const { gtin, lot } = batchKey(req, res);
    if (!gtin) return;
    const serial = req.params.serial;
    if (!AI21_PATTERN.test(serial)) throw new PageNotFound("serial");
    const batchId = batchIdFor(gtin, lot);
    const view = deps.batches.page(batchId);
    if (!view) throw new PageNotFound("missing");
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
    res.set("Cache-Control", "no-store"); // each scan must reach us to be counted
    res.status(200).type("html").send(body);
  });

  for (const format of ["svg", "png"] as const) {
    const sendQr = async (req: Request, res: Response, serial?: string) => {
      const { gtin, lot } = batchKey(req, res);
      if (!gtin) return;
      if (serial !== undefined && !AI21_PATTERN.test(serial)) throw new PageNotFound("serial");
      const uri = digitalLinkUri(deps.publicBaseUrl, gtin, lot, serial);
      res.set("Cache-Control", "public, max-age=86400");
      if (format === "svg") res.type("image/svg+xml").send(await qrSvg(uri));
      else res.type("png").send(await qrPng(uri));
    };
    router.get(`/01/:gtin/10/:lot/qr.${format}`, (req, res) => sendQr(req, res));
    router.get(`/01/:gtin/10/:lot/21/:serial/qr.${format}`, (req, res) => sendQr(req, res, req.params.serial));
  }

  router.get("/labels/:batchId", async (req, res) => {
    const batchId = parseId(req.params.batchId);
    const view = deps.batches.page(batchId);
    if (!view) throw new PageNotFound("missing");
    const lang = languageOf(req);
    const requested = serialsParam(req.query.serials);
    const issued = requested ? deps.serials.issuedAmong(batchId, requested) : [];
    if (requested && issued.length !== requested.length) {
      const unknown = requested.filter((serial) => !issued.includes(serial));
      const t = MESSAGES[lang];
      res.status(400).type("html").send(renderNotFoundPage(lang, req.path, `serials: ${t.badSerials(unknown.join(", "))}`));
      return;
    }
    const { gtin, lot } = view.batch;
    const codes: Array<string | undefined> = requested ?? new Array(LABELS_PER_SHEET).fill(undefined);
    const labels: Label[] = await Promise.all(
      codes.map(async (serial) => {
        const uri = digitalLinkUri(deps.publicBaseUrl, gtin, lot, serial);
        return { uri, serial, qrSvg: await qrSvg(uri) };
      }),
    );
    res.set("Cache-Control", "private, no-cache");
    res.status(200).type("html").send(renderLabelSheet(view, labels, lang, req.path));
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

  /** Sends the page of a batch with an ETag, answering 304 when the client has this version. */
  function sendBatchPage(req: Request, res: Response, batchId: string): void {
    const lang = languageOf(req);
    const page = pages.get(`${lang} ${req.path}`, () => {
      const view = deps.batches.page(batchId);
      if (!view) return undefined;
      const body = renderProvenancePage(view, { lang, path: req.path, publicBaseUrl: deps.publicBaseUrl, explorerUrl: deps.explorerUrl });
      return { body, etag: `W/"${createHash("sha1").update(body).digest("base64url")}"`, changesAt: view.statusChangesAt };
    });
    if (!page) throw new PageNotFound("missing");
    const { body, etag } = page;
    res.set({ ETag: etag, "Cache-Control": PAGE_CACHE, Vary: "Accept-Language" });
    if (req.get("If-None-Match") === etag) {
      res.status(304).end();
      return;
    }
    res.status(200).type("html").send(body);
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

/**
 * The GTIN and lot of a Digital Link path. A valid GTIN written with fewer than 14 digits is
 * redirected to the canonical 14-digit form (and nothing is returned).
 */
function batchKey(req: Request, res: Response): { gtin?: string; lot: string } {
  const { gtin: rawGtin, lot } = req.params as Record<string, string>;
  const gtin = normalizeGtin(rawGtin);
  assertValidLot(lot);
  if (gtin !== rawGtin) {
    const rest = req.path.split("/").slice(5).join("/");
    const query = req.originalUrl.includes("?") ? req.originalUrl.slice(req.originalUrl.indexOf("?")) : "";
    res.redirect(301, `${digitalLinkPath(gtin, lot)}${rest ? `/${rest}` : ""}${query}`);
    return { lot };
  }
  return { gtin, lot };
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
