/**
 * The front door: GET / (front-door-page.ts) and GET /lookup, which sends the shopper on (303)
 * to the page of the batch or unit a 查验码, GTIN and lot, or pasted link names
 * (front-door-lookup.ts), or answers the front door again with what was malformed (400) or not
 * found (404), or the batches to choose from (300). No script: plain GET forms.
 */
import { createHash } from "node:crypto";
import express, { type Request, type Router } from "express";
import { chooseLanguage, type Lang } from "../html/i18n";
import { asSerial, lookUp, type Bilingual, type LookupReads } from "./front-door-lookup";
import { renderFrontDoor } from "./front-door-page";
import { publicRateLimit } from "./security";

export interface FrontDoorDeps {
  reads: LookupReads;
  rateLimitPerMinute: number;
  /** A read gateway holds no unit serials: a 查验码 it does not find is sent to the issuing gateway. */
  readOnly?: { writeGatewayUrl?: string };
}

export const LOOKUP_PATH = "/lookup";
/** The front door is the same for everyone in a language: shared caches may keep it a while. */
const FRONT_DOOR_CACHE = "public, max-age=300";
/** Where a code leads does not change; what was not found may be written soon. */
const FOUND_CACHE = "public, max-age=60";

export function frontDoorRoutes(deps: FrontDoorDeps): Router {
  const router = express.Router();
  const pages = new Map<Lang, { body: string; etag: string }>();

  router.get("/", (req, res) => {
    const lang = languageOf(req);
    let page = pages.get(lang);
    if (!page) {
      const body = renderFrontDoor(lang);
      page = { body, etag: `W/"${createHash("sha1").update(body).digest("base64url")}"` };
      pages.set(lang, page);
    }
    res.set({ ETag: page.etag, "Cache-Control": FRONT_DOOR_CACHE, Vary: "Accept-Language" });
    if (req.get("If-None-Match") === page.etag) {
      res.status(304).end();
      return;
    }
    res.status(200).type("html").send(page.body);
  });

  router.get(LOOKUP_PATH, publicRateLimit(deps.rateLimitPerMinute, "front-door-lookup"), (req, res) => {
    const lang = languageOf(req);
    const query = { q: req.query.q, gtin: req.query.gtin, lot: req.query.lot };
    let outcome = lookUp(query, deps.reads);
    if (deps.readOnly && outcome.kind === "notFound" && outcome.field === "q" && asSerial(String(query.q))) {
      outcome = { ...outcome, message: serialsHeldElsewhere(outcome.message, deps.readOnly.writeGatewayUrl) };
    }
    const chosenLang = req.query.lang === "en" || req.query.lang === "zh" ? (req.query.lang as Lang) : undefined;
    if (outcome.kind === "redirect") {
      res.set("Cache-Control", FOUND_CACHE).redirect(303, chosenLang ? `${outcome.location}?lang=${chosenLang}` : outcome.location);
      return;
    }
    const status = outcome.kind === "choices" ? 300 : outcome.kind === "malformed" ? 400 : 404;
    const values = { q: stringOf(query.q), gtin: stringOf(query.gtin), lot: stringOf(query.lot) };
    res.set({ "Cache-Control": outcome.kind === "choices" ? FOUND_CACHE : "no-cache", Vary: "Accept-Language" });
    res.status(status).type("html").send(renderFrontDoor(lang, { values, outcome, chosenLang }));
  });

  return router;
}

function serialsHeldElsewhere(message: Bilingual, writeGatewayUrl: string | undefined): Bilingual {
  const where = writeGatewayUrl ? `${writeGatewayUrl.replace(/\/+$/, "")}/` : undefined;
  return {
    zh: `${message.zh} 本网站是账本的只读副本，不保存单品码：请到签发它的网站查验${where ? `（${where}）` : ""}。`,
    en: `${message.en} This site is a read copy of the ledger and holds no unit codes: check it on the site that issued it${where ? ` (${where})` : ""}.`,
  };
}

function languageOf(req: Request): Lang {
  return chooseLanguage(req.query.lang, req.get("Accept-Language"));
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" ? value.slice(0, 200) : undefined;
}
