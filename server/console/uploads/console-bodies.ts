/**
 * Which body each console POST may have, decided from its headers before a byte of it is read:
 * - url-encoded forms, within a small limit (the login form's smaller still);
 * - multipart forms only on the three routes that take files (harvest photos, CSV imports, the
 *   programme's county list), only for a logged-in member, only with room under the cap on
 *   uploads in flight, and read by readMultipartForm (token first, files to disk);
 * - nothing else: another type or any Content-Encoding is refused 415.
 * A refusal answers at once; the connection then closes with the body unread.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rm, rmSync } from "node:fs";
import path from "node:path";
import express, { type Request, type RequestHandler, type Response } from "express";
import { html } from "../../html/html";
import { MAX_PHOTO_BYTES, MAX_PHOTOS } from "../batches/batch-photos";
import { consoleLayout } from "../layout";
import { messages } from "../messages";
import { consoleOf } from "../session";
import { FormRefused, maxBodyBytes, readMultipartForm, type FileRoute } from "./multipart-form";
import type { UploadSlots } from "./upload-slots";

/** The programme's county list: a few thousand short rows. */
export const COUNTIES_CSV_MAX_BYTES = 2 * 1024 * 1024;
/** Url-encoded forms: the login form is a few hundred bytes, the largest other form a few kB. */
const LOGIN_FORM_BYTES = 16 * 1024;
const FORM_BYTES = 256 * 1024;
const FORM_FIELDS = 2_000;
/** A client turned away for want of room is asked to come back after this many seconds. */
const RETRY_AFTER_SECONDS = 10;
/** Each upload's own folder inside the upload folder: form-XXXXXX. */
const FORM_FOLDER = "form-";

export interface ConsoleUploads {
  /** The folder (inside DATA_DIR) in which each upload gets a folder of its own. */
  dir: string;
  slots: UploadSlots;
  /** A CSV import's file: at most this many bytes. */
  csvMaxBytes: number;
}

/** The routes that take files, and how many of what size. */
export function fileRoutes(csvMaxBytes: number): Record<string, FileRoute> {
  return {
    "/console/batches/new": { maxFiles: MAX_PHOTOS, maxFileBytes: MAX_PHOTO_BYTES },
    "/console/imports": { maxFiles: 1, maxFileBytes: csvMaxBytes },
    "/programme/counties": { maxFiles: 1, maxFileBytes: COUNTIES_CSV_MAX_BYTES },
  };
}

/**
 * The upload folder, emptied of what a crash left and made 0700: only the gateway reads what
 * members send before it is checked.
 */
export function openUploadFolder(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const left of readdirSync(dir)) if (left.startsWith(FORM_FOLDER)) rmSync(path.join(dir, left), { recursive: true, force: true });
  return dir;
}

const M = messages({
  zh: {
    title: "无法接收",
    tooLarge: "提交的内容超过了这个表单允许的大小。照片每张最多 5 MB；CSV 文件请分成几个较小的文件。",
    notTaken: "这个表单不接受这种提交方式（内容类型或编码）。",
    busy: "现在同时上传的人太多，请稍等片刻再提交。",
    badForm: "表单没有完整送到，或格式不对。请回到刚才的页面再提交一次。",
    back: "回到刚才的页面",
  },
  en: {
    title: "Cannot take this",
    tooLarge: "What was sent is larger than this form takes. Photos: at most 5 MB each; split a CSV file into smaller ones.",
    notTaken: "This form does not take what was sent (its content type or encoding).",
    busy: "Too many uploads right now: wait a moment and send the form again.",
    badForm: "The form arrived incomplete or malformed. Go back to the page and send it again.",
    back: "Back to the page you were on",
  },
});

type Refusal = "tooLarge" | "notTaken" | "busy" | "badForm";
const STATUS: Record<Refusal, number> = { tooLarge: 413, notTaken: 415, busy: 503, badForm: 400 };

/** The console page that refuses a body (its status, words and a way back to the form). */
export function refuseBody(req: Request, res: Response, refusal: Refusal): void {
  if (res.headersSent) return;
  const context = consoleOf(res);
  const t = M[context.lang];
  const back = req.originalUrl.split("?")[0];
  if (refusal === "busy") res.set("Retry-After", String(RETRY_AFTER_SECONDS));
  res
    .status(STATUS[refusal])
    .type("html")
    .send(
      consoleLayout({
        context,
        title: t.title,
        path: back,
        body: html`<p class="banner banner-danger" role="alert" data-error="${refusal}">${t[refusal]}</p>
<p><a class="btn" href="${back}">${t.back}</a></p>`,
      }),
    );
}

/** The refusal page of an error the body readers passed on (FormRefused, body-parser's 4xx). */
export function bodyRefusalOf(error: unknown): Refusal | undefined {
  if (error instanceof FormRefused) return error.status === 413 ? "tooLarge" : "badForm";
  const { status, type } = (error ?? {}) as { status?: number; type?: string };
  if (typeof type !== "string" || typeof status !== "number") return undefined;
  if (status === 413) return "tooLarge";
  if (status === 415) return "notTaken";
  if (status >= 400 && status < 500) return "badForm";
  return undefined;
}

/** Reads each console POST's body as its route takes it, or refuses it unread. */
export function consoleBodies(uploads: ConsoleUploads, onCsrfFailure: (req: Request, res: Response) => void): RequestHandler {
  const routes = fileRoutes(uploads.csvMaxBytes);
  const loginForm = express.urlencoded({ extended: false, limit: LOGIN_FORM_BYTES, parameterLimit: 100, inflate: false });
  const otherForms = express.urlencoded({ extended: false, limit: FORM_BYTES, parameterLimit: FORM_FIELDS, inflate: false });
  return (req, res, next) => {
    if (req.method !== "POST" || !hasBody(req)) return next();
    const encoding = req.get("Content-Encoding");
    if (encoding !== undefined && encoding.toLowerCase() !== "identity") return refuseBody(req, res, "notTaken");
    // Mounted on /console and /programme: req.path is what follows the mount.
    const fullPath = req.baseUrl + req.path;
    const route = routes[fullPath];
    const login = fullPath === "/console/login";
    const max = route ? maxBodyBytes(route) : login ? LOGIN_FORM_BYTES : FORM_BYTES;
    const declared = declaredLength(req);
    if (declared !== undefined && declared > max) return refuseBody(req, res, "tooLarge");
    if (req.is("urlencoded")) return readWithin(login ? loginForm : otherForms, login ? LOGIN_FORM_BYTES : FORM_BYTES)(req, res, next);
    if (!req.is("multipart") || !route) return refuseBody(req, res, "notTaken");
    if (!consoleOf(res).member) {
      // As requireMember answers: to the login page, which leads back here.
      res.redirect(303, `/console/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    const reserve = Math.min(declared ?? max, max);
    if (reserve > uploads.slots.capBytes) return refuseBody(req, res, "tooLarge");
    const release = uploads.slots.take(reserve);
    if (!release) return refuseBody(req, res, "busy");
    const dir = mkdtempSync(path.join(uploads.dir, FORM_FOLDER));
    res.once("close", () => {
      release();
      rm(dir, { recursive: true, force: true }, () => {});
    });
    readMultipartForm({
      route,
      dir,
      csrfToken: consoleOf(res).csrfToken,
      onCsrfFailure,
      onTooLarge: (request, response) => refuseBody(request, response, "tooLarge"),
    })(req, res, next);
  };
}

/**
 * A body parser, and a count of the bytes it reads: a body with no Content-Length that passes
 * `limit` is answered 413 then and there (body-parser would read the rest before it answered).
 */
function readWithin(parse: RequestHandler, limit: number): RequestHandler {
  return (req, res, next) => {
    let received = 0;
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limit) return;
      req.off("data", count);
      refuseBody(req, res, "tooLarge");
    };
    req.on("data", count);
    parse(req, res, (error?: unknown) => {
      req.off("data", count);
      if (!res.headersSent) next(error);
    });
  };
}

function declaredLength(req: Request): number | undefined {
  const header = req.get("Content-Length");
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}

function hasBody(req: Request): boolean {
  return req.get("Transfer-Encoding") !== undefined || (declaredLength(req) ?? 0) > 0;
}
