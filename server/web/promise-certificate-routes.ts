/**
 * The public address of a 承诺达标合格证: /promise-certificates/{id}, where {id} is the keccak256
 * of its canonical content. The print-ready page in the size asked for (?size=60x40, 80x60 or
 * a4; ?copies=N), or the label printer's own language (?format=tspl, GB18030; ?format=zpl,
 * UTF-8). Its signed content is at /api/v1/promise-certificates/{id}. A certificate never
 * changes, so each answer may be kept.
 */
import express, { type Request, type Response, type Router } from "express";
import { chooseLanguage, type Lang } from "../html/i18n";
import { renderNotFoundPage } from "../html/not-found-page";
import {
  LABEL_SIZES,
  MAX_COPIES,
  PRINT_SIZES,
  PRINT_STYLESHEETS,
  promiseCertificateTspl,
  promiseCertificateZpl,
  renderPromiseCertificateHtml,
  type LabelSize,
  type PrintSize,
} from "../html/promise-certificate-print";
import type { StoredPromiseCertificate } from "../store/promise-certificate-repository";
import { qrSvg } from "./qr";
import { publicRateLimit } from "./security";

export interface PromiseCertificateWebDeps {
  certificate(id: string): StoredPromiseCertificate | undefined;
  rateLimitPerMinute: number;
}

const FORMATS = ["html", "tspl", "zpl"] as const;
const KEEP = "public, max-age=86400";

export function promiseCertificateRoutes(deps: PromiseCertificateWebDeps): Router {
  const router = express.Router();
  for (const sheet of Object.values(PRINT_STYLESHEETS)) {
    router.get(sheet.path, (_req, res) => {
      res.set("Cache-Control", "public, max-age=31536000, immutable").type("text/css").send(sheet.body);
    });
  }
  router.use("/promise-certificates", publicRateLimit(deps.rateLimitPerMinute, "promise-certificates"));

  router.get("/promise-certificates/:id", async (req, res) => {
    const lang = languageOf(req);
    const certificate = /^0x[0-9a-fA-F]{64}$/.test(req.params.id) ? deps.certificate(req.params.id) : undefined;
    if (!certificate) {
      res.status(404).type("html").send(renderNotFoundPage(lang, req.path, lang === "zh" ? "没有这张承诺达标合格证" : "no such 承诺达标合格证 (promise certificate)"));
      return;
    }
    const format = optionOf(req, res, "format", FORMATS, "html");
    if (!format) return;
    const labelOnly = format !== "html";
    const size = optionOf<PrintSize>(req, res, "size", labelOnly ? LABEL_SIZES : PRINT_SIZES, "80x60");
    if (!size) return;
    const copies = copiesOf(req, res);
    if (copies === null) return;
    res.set("Cache-Control", KEEP);
    const name = `HGZ-${certificate.certificateNo}-${size}`;
    if (format === "tspl") {
      res.set("Content-Disposition", `inline; filename="${name}.tspl"`);
      res.type("text/plain; charset=gb18030").send(promiseCertificateTspl(certificate.content, size as LabelSize, copies));
      return;
    }
    if (format === "zpl") {
      res.set("Content-Disposition", `inline; filename="${name}.zpl"`);
      res.type("text/plain; charset=utf-8").send(promiseCertificateZpl(certificate.content, size as LabelSize, copies));
      return;
    }
    const svg = await qrSvg(certificate.content.digitalLink);
    res.type("html").send(renderPromiseCertificateHtml(certificate, { size, qrSvg: svg, copies }));
  });
  return router;
}

/** A query option among `allowed` (its default when absent); a 400 page naming it otherwise. */
function optionOf<T extends string>(req: Request, res: Response, name: string, allowed: readonly T[], fallback: T): T | undefined {
  const value = req.query[name];
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  badOption(req, res, `${name}: ${allowed.join(", ")}`);
  return undefined;
}

function copiesOf(req: Request, res: Response): number | undefined | null {
  const value = req.query.copies;
  if (value === undefined) return undefined;
  if (typeof value === "string" && /^\d{1,3}$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_COPIES) return Number(value);
  badOption(req, res, `copies: 1–${MAX_COPIES}`);
  return null;
}

function badOption(req: Request, res: Response, what: string): void {
  const lang = languageOf(req);
  res.status(400).type("html").send(renderNotFoundPage(lang, req.path, lang === "zh" ? `参数不对（${what}）` : `a bad option (${what})`));
}

function languageOf(req: Request): Lang {
  return chooseLanguage(req.query.lang, req.get("Accept-Language"));
}
