/**
 * A multipart form read for the one route that takes it, after the session was checked: files go
 * to a folder of this request alone (inside DATA_DIR, 0700; each file 0600), never to memory,
 * and the folder is removed once the request is answered. The form's first field is its CSRF
 * token: it is checked the moment it arrives, and a file part that comes before a good token
 * is never read. A body past the route's size is cut off where it stands.
 */
import { randomUUID, timingSafeEqual } from "node:crypto";
import { createWriteStream, rm } from "node:fs";
import path from "node:path";
import { pipeline, Transform, type Readable } from "node:stream";
import type { Request, RequestHandler, Response } from "express";
import multer from "multer";

/** A route that takes files: how many, and how large each may be. */
export interface FileRoute {
  /** At most this many files; one more is taken so that the route can say "too many" beside its field. */
  maxFiles: number;
  /** A file past this size is kept only up to it and marked `truncated`: its route says so beside its field. */
  maxFileBytes: number;
}

/** A file of the form, on disk until the request is answered. */
export interface FormFile {
  fieldname: string;
  /** The name on the sender's computer, as sent (UTF-8). */
  originalname: string;
  mimetype: string;
  path: string;
  /** Bytes sent, including any past maxFileBytes that were not kept. */
  size: number;
  truncated: boolean;
}

/** The form's own fields (text) besides its files. */
const FIELD_BYTES = 256 * 1024;
const MAX_FIELDS = 200;

/** The most bytes a body of this route may have: its files and its fields. */
export function maxBodyBytes(route: FileRoute): number {
  return (route.maxFiles + 1) * route.maxFileBytes + FIELD_BYTES;
}

/** The files a multipart form sent, in the order they came. */
export function formFiles(req: Request): FormFile[] {
  return Array.isArray(req.files) ? (req.files as unknown as FormFile[]) : [];
}

export interface MultipartOptions {
  route: FileRoute;
  /** This request's own folder (made 0700 by the caller, removed when the request is answered). */
  dir: string;
  /** The token the form must carry first. */
  csrfToken: string;
  /** Each answers now; the connection closes after the answer, the rest of the body unread. */
  onCsrfFailure(req: Request, res: Response): void;
  onTooLarge(req: Request, res: Response): void;
}

/** Why a form could not be read; `status` is the answer (4xx). */
export class FormRefused extends Error {
  constructor(
    readonly status: number,
    readonly reason: "bad_form" | "too_large" | "answered",
  ) {
    super(reason);
    this.name = "FormRefused";
  }
}

/** Reads the form into req.body (fields) and req.files (FormFile[]), or passes a FormRefused on. */
export function readMultipartForm(options: MultipartOptions): RequestHandler {
  return (req, res, next) => {
    const { route } = options;
    let answered = false;
    const answer = (send: (req: Request, res: Response) => void) => {
      if (answered || res.headersSent) return;
      answered = true;
      send(req, res);
    };
    const parse = multer({
      storage: new DiskParts(options.dir, route.maxFileBytes),
      // busboy: at most this many of each; multer aborts past them (413).
      limits: { files: route.maxFiles + 1, fields: MAX_FIELDS, fieldSize: FIELD_BYTES, parts: MAX_FIELDS + route.maxFiles + 1 },
      defParamCharset: "utf8",
      // A file part is read only after the form's token: fields that came before are in req.body.
      fileFilter: (request, _file, accept) => {
        if (sameToken(request.body?._csrf, options.csrfToken)) return accept(null, true);
        answer(options.onCsrfFailure);
        accept(new FormRefused(403, "answered"));
      },
      streamHandler: (request: Request, busboy: NodeJS.WritableStream & NodeJS.EventEmitter) => {
        const stop = (send: (req: Request, res: Response) => void) => {
          answer(send);
          request.unpipe(busboy);
        };
        busboy.on("field", (name: string, value: string) => {
          if (name === "_csrf" && !sameToken(value, options.csrfToken)) stop(options.onCsrfFailure);
        });
        let received = 0;
        const limit = maxBodyBytes(route);
        request.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (received > limit) stop(options.onTooLarge);
        });
        request.pipe(busboy);
      },
    } as multer.Options).any();
    parse(req, res, (error?: unknown) => {
      if (answered || res.headersSent) return; // refused already; multer is done with the request
      if (!error) return next();
      if (error instanceof FormRefused) return next(error);
      if (error instanceof multer.MulterError) {
        const tooMuch = error.code.startsWith("LIMIT_");
        return next(new FormRefused(tooMuch ? 413 : 400, tooMuch ? "too_large" : "bad_form"));
      }
      if (error instanceof StoreFailed) return next(error.cause);
      // busboy's own complaints: no boundary, a malformed part, a body that ends mid-form.
      next(new FormRefused(400, "bad_form"));
    });
  };
}

function sameToken(sent: unknown, expected: string): boolean {
  return typeof sent === "string" && sent.length === expected.length && timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
}

/** A disk write that failed (the server's trouble, not the client's). */
class StoreFailed extends Error {
  constructor(override readonly cause: unknown) {
    super("storing an upload failed");
  }
}

/** multer's storage: each file to its own 0600 file in the request's folder, kept up to maxFileBytes. */
class DiskParts implements multer.StorageEngine {
  constructor(
    private readonly dir: string,
    private readonly maxFileBytes: number,
  ) {}

  _handleFile(_req: Request, file: Express.Multer.File, done: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    const target = path.join(this.dir, randomUUID());
    const max = this.maxFileBytes;
    let size = 0;
    const keep = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        const room = max - size;
        size += chunk.length;
        next(null, room > 0 ? chunk.subarray(0, room) : undefined);
      },
    });
    pipeline(file.stream as Readable, keep, createWriteStream(target, { mode: 0o600, flags: "wx" }), (error) => {
      // A failed disk write is the server's trouble; a part cut short is the sender's.
      if (error) return done("syscall" in error ? new StoreFailed(error) : error);
      done(null, { path: target, size, truncated: size > max } as Partial<Express.Multer.File>);
    });
  }

  _removeFile(_req: Request, file: Express.Multer.File, done: (error: Error | null) => void): void {
    rm(file.path, { force: true }, () => done(null));
  }
}
