/** Reading a request's body whole, up to a limit, without reading past it. */
import type { Request } from "express";

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
