/** Reading a request's body whole, up to a limit, without reading past it, within the room for bodies in flight. */
import type { Request } from "express";

/** Room for bodies in flight: `take` reserves bytes (and hands back their release) or answers undefined when full. */
export interface BodyRoom {
  capBytes: number;
  take(bytes: number): (() => void) | undefined;
}

/**
 * Reserves room for a body before reading it: as much as its Content-Length says (up to the
 * limit), or the limit when it says nothing. "too_large" when it says more than the limit or
 * more than the room could ever hold; "busy" when the room is full now.
 */
export function reserveBodyRoom(req: Request, maxBytes: number, room: BodyRoom): { release: () => void } | "too_large" | "busy" {
  const declared = /^\d+$/.test(req.get("Content-Length") ?? "") ? Number(req.get("Content-Length")) : undefined;
  if (declared !== undefined && declared > maxBytes) return "too_large";
  const reserve = Math.min(declared ?? maxBytes, maxBytes);
  if (reserve > room.capBytes) return "too_large";
  const release = room.take(reserve);
  return release ? { release } : "busy";
}

/** The body, or "too_large" the moment it passes maxBytes (the rest is never read). */
export function readLimited(req: Request, maxBytes: number): Promise<Buffer | "too_large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        stop();
        req.pause();
        return resolve("too_large");
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, received));
    };
    const onAbort = () => {
      stop();
      reject(new Error("the request was aborted"));
    };
    const stop = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("aborted", onAbort);
      req.off("error", onAbort);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("aborted", onAbort);
    req.on("error", onAbort);
  });
}
