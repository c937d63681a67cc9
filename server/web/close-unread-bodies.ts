/**
 * An answer given before the request's body was read (refused, redirected, not found) closes the
 * connection. Node would otherwise keep the connection by reading the rest of the body and
 * throwing it away: an anonymous client could make the gateway take in any number of bytes for
 * one refusal. A body read whole (the common case) keeps its connection alive as before.
 *
 * The close lingers a little, as nginx's does: a socket closed with the client's bytes still
 * unread sends a reset, and a client still sending would lose the answer with it. So the answer
 * goes out with a FIN, and what the client had already sent is read and dropped (at most
 * LINGER_BYTES, for at most LINGER_MS) until the client closes too.
 */
import type { Socket } from "node:net";
import type { RequestHandler, Response } from "express";

const LINGER_MS = 2_000;
const LINGER_BYTES = 4 * 1024 * 1024;

export function closeUnreadBodies(): RequestHandler {
  return (req, res, next) => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: Response, ...args: unknown[]) {
      if (!req.complete && hasBody(req.headers) && !this.headersSent) {
        this.setHeader("Connection", "close");
        lingerOnClose(req.socket);
      }
      return (writeHead as (...a: unknown[]) => Response).apply(this, args);
    } as typeof res.writeHead;
    next();
  };
}

function hasBody(headers: { "content-length"?: string; "transfer-encoding"?: string }): boolean {
  return headers["transfer-encoding"] !== undefined || (headers["content-length"] !== undefined && headers["content-length"] !== "0");
}

/** Node ends a "Connection: close" answer with socket.destroySoon(): made to linger as above. */
function lingerOnClose(socket: Socket): void {
  const closing = socket as Socket & { destroySoon?: () => void };
  closing.destroySoon = function (this: Socket) {
    this.end();
    let dropped = 0;
    const close = () => this.destroy();
    const timer = setTimeout(close, LINGER_MS);
    timer.unref();
    this.on("data", (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > LINGER_BYTES) close();
    });
    this.once("end", close);
    this.once("close", () => clearTimeout(timer));
    this.resume();
  };
}
