/**
 * The body of an EPCIS capture: read only for a caller with a valid API key (the route answers
 * the others 401, the body unread), only as JSON or JSON-LD, and only up to the capture's size
 * limit (413 the moment it passes, the rest unread), within the gateway's room for bodies in
 * flight. Read before the gateway's JSON parser, whose limit is far smaller.
 */
import type { RequestHandler } from "express";
import { EpcisProblem } from "../services/epcis/epcis-problems";
import type { Authenticator } from "./mount-routes";
import type { UploadRoom } from "./import-routes";
import { readLimited, reserveBodyRoom } from "./read-limited";

const JSON_TYPES = ["application/json", "application/ld+json"];

export function epcisCaptureBody(auth: Pick<Authenticator, "org">, options: { maxBytes: number; room: UploadRoom }): RequestHandler {
  const { maxBytes, room } = options;
  const tooLarge = () => new EpcisProblem("CaptureLimitExceededException", 413, `the document is larger than ${maxBytes} bytes (GS1-EPCIS-Capture-File-Size-Limit)`);
  return (req, res, next) => {
    const apiKey = /^Bearer\s+(\S+)$/i.exec(req.get("Authorization") ?? "")?.[1];
    if (!apiKey || !auth.org(apiKey)) return next(); // the route answers 401, the body unread
    if (!req.is(JSON_TYPES)) {
      return next(new EpcisProblem("UnsupportedMediaTypeException", 415, "send the document as application/json or application/ld+json"));
    }
    const encoding = req.get("Content-Encoding");
    if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
      return next(new EpcisProblem("UnsupportedMediaTypeException", 415, "send the document as it is, without Content-Encoding"));
    }
    const reserved = reserveBodyRoom(req, maxBytes, room);
    if (reserved === "too_large") return next(tooLarge());
    if (reserved === "busy") {
      res.set("Retry-After", "10");
      return next(new EpcisProblem("ImplementationException", 503, "too many documents at once; try again shortly"));
    }
    res.once("close", reserved.release);
    readLimited(req, maxBytes).then(
      (bytes) => {
        if (bytes === "too_large") return next(tooLarge());
        try {
          req.body = JSON.parse(bytes.toString("utf8")) as unknown;
        } catch {
          return next(new EpcisProblem("ValidationException", 400, "the body is not valid JSON", "/"));
        }
        // body-parser's mark: the gateway's JSON parser leaves this body alone.
        (req as unknown as { _body: boolean })._body = true;
        next();
      },
      () => next(new EpcisProblem("ValidationException", 400, "the body ended before all of it arrived")),
    );
  };
}
