/**
 * Compression of the public answers (gzip, or br when the client prefers it), with Node's zlib
 * on the thread pool, so that a page or a JSON read costs a phone on a slow network less.
 * Every answer sent whole (res.send and res.json) is compressed when:
 * - the client accepts gzip or br (Accept-Encoding; no header means neither);
 * - its type is text or JSON-like (text/*, *json, *xml, SVG), not an image already compressed
 *   and not text/event-stream (a stream is written, never sent whole, anyway);
 * - it is at least MIN_BYTES (a small body gains nothing), has no Content-Encoding yet, and its
 *   Cache-Control does not say no-transform;
 * - the request is not credentialed (`skip`): a page holding a secret (a CSRF token, a new API
 *   key) beside text a visitor chose must not be compressed, or its length tells the secret
 *   (BREACH).
 * Vary: Accept-Encoding is added to every answer of a compressible type and to 304s, so that a
 * shared cache keeps the variants apart. A strong ETag becomes weak when the body is compressed
 * (the bytes differ); a client's If-None-Match still matches it (Express compares weakly) and
 * a fresh request is answered 304 before anything is compressed. HEAD is answered with the
 * headers GET would have. Compressed bodies are kept for a while by their content's hash, so a
 * page the page cache keeps is compressed once, not once per request.
 */
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import zlib from "node:zlib";
import type { Request, RequestHandler, Response } from "express";

export type Coding = "br" | "gzip";

/** Bodies smaller than this are sent as they are. */
export const MIN_BYTES = 1024;
const COMPRESSIBLE = /^(text\/(?!event-stream)|application\/([\w.+-]*\+)?(json|xml|x-ndjson|javascript)|image\/svg\+xml)/i;
/** Compressed bodies kept, by hash: at most this many, of at most this many bytes in all; bodies up to MAX_KEPT_BYTES. */
const KEPT_BODIES = 500;
const KEPT_TOTAL_BYTES = 16 * 1_048_576;
const MAX_KEPT_BYTES = 1_048_576;

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

export interface CompressionOptions {
  /** Requests whose answers are never compressed (credentialed ones). */
  skip?: (req: Request) => boolean;
}

/** The coding to use for an Accept-Encoding header: the acceptable one with the highest q (br on a tie). */
export function chooseCoding(acceptEncoding: string | undefined): Coding | undefined {
  if (!acceptEncoding) return undefined;
  const q: Record<string, number> = {};
  for (const part of acceptEncoding.slice(0, 500).split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    if (name) q[name] = Number.isFinite(value) ? value : 0;
  }
  const of = (coding: Coding) => q[coding] ?? q["*"] ?? 0;
  const br = of("br");
  const gz = Math.max(of("gzip"), q["x-gzip"] ?? 0);
  if (br <= 0 && gz <= 0) return undefined;
  return br >= gz ? "br" : "gzip";
}

export function compressAnswers(options: CompressionOptions = {}): RequestHandler {
  const kept = new Map<string, Buffer>();
  let keptBytes = 0;

  const compress = async (body: Buffer, coding: Coding): Promise<Buffer> => {
    const keep = body.length <= MAX_KEPT_BYTES;
    const key = keep ? `${coding} ${createHash("sha1").update(body).digest("base64")}` : "";
    const found = keep ? kept.get(key) : undefined;
    if (found) return found;
    const compressed =
      coding === "br"
        ? await brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
        : await gzip(body, { level: 6 });
    if (keep && !kept.has(key)) {
      // The oldest go first (Map order is insertion order).
      while (kept.size > 0 && (kept.size >= KEPT_BODIES || keptBytes + compressed.length > KEPT_TOTAL_BYTES)) {
        const oldest = kept.keys().next().value as string;
        keptBytes -= kept.get(oldest)!.length;
        kept.delete(oldest);
      }
      kept.set(key, compressed);
      keptBytes += compressed.length;
    }
    return compressed;
  };

  return (req, res, next) => {
    if (options.skip?.(req)) return next();
    const coding = chooseCoding(req.get("Accept-Encoding"));
    const send = res.send.bind(res);
    const writeHead = res.writeHead;

    // A 304 names the same variants its 200 would have.
    res.writeHead = function (this: Response, ...args: unknown[]) {
      if (this.statusCode === 304 || args[0] === 304) this.vary("Accept-Encoding");
      return (writeHead as (...a: unknown[]) => Response).apply(this, args);
    } as Response["writeHead"];

    res.send = function (this: Response, body?: unknown) {
      if (typeof body !== "string" && !Buffer.isBuffer(body)) return send(body); // objects come back as JSON strings
      if (typeof body === "string") {
        const type = this.get("Content-Type");
        if (typeof type !== "string") this.type("html");
        else if (!/charset=/i.test(type)) this.set("Content-Type", `${type}; charset=utf-8`);
      }
      const type = String(this.get("Content-Type") ?? "");
      if (!COMPRESSIBLE.test(type)) return send(body);
      this.vary("Accept-Encoding");
      const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      if (
        coding === undefined ||
        bytes.length < MIN_BYTES ||
        this.get("Content-Encoding") !== undefined ||
        /no-transform/i.test(String(this.get("Cache-Control") ?? "")) ||
        this.statusCode < 200 ||
        this.statusCode === 204 ||
        this.statusCode === 304 ||
        req.fresh // answered 304 by Express: nothing to compress
      ) {
        return send(typeof body === "string" ? bytes : body);
      }
      compress(bytes, coding).then(
        (compressed) => {
          if (this.headersSent || this.destroyed) return;
          const etag = this.get("ETag");
          if (typeof etag === "string" && etag.startsWith('"')) this.set("ETag", `W/${etag}`);
          this.set("Content-Encoding", coding);
          send(compressed);
        },
        () => {
          if (!this.headersSent && !this.destroyed) send(bytes); // compression failed: the body as it is
        },
      );
      return this;
    } as Response["send"];
    next();
  };
}
