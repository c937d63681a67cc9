/**
 * A stopping gateway takes no more writes. From the moment the stop begins, every request that
 * would write (any method but GET, HEAD and OPTIONS) is answered 503 with Retry-After before its
 * body is read, so a client knows it was not taken and sends it again (with its Idempotency-Key)
 * once the gateway is back; reads are still served. Every answer from then on closes its
 * connection, so kept-alive clients let go instead of holding the stop up.
 */
import type { RequestHandler } from "express";
import { escapeHtml } from "../html/html";

/** Seconds a refused writer is asked to wait: about what a restart takes. */
export const STOPPING_RETRY_AFTER_SECONDS = 5;

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Whether the gateway is stopping, and a promise that settles when it begins to. */
export class Drain {
  private began = false;
  private resolveBegun!: () => void;
  /** Settles when the stop begins: waits that would hold a request up end at once. */
  readonly begun = new Promise<void>((resolve) => {
    this.resolveBegun = resolve;
  });

  get draining(): boolean {
    return this.began;
  }

  begin(): void {
    this.began = true;
    this.resolveBegun();
  }
}

export function refuseWritesWhileDraining(drain: Drain): RequestHandler {
  const message = "the gateway is stopping and takes no writes: nothing of this request was kept; send it again after Retry-After seconds";
  return (req, res, next) => {
    if (!drain.draining) return next();
    res.set("Connection", "close");
    if (READS.has(req.method)) return next();
    res.set("Retry-After", String(STOPPING_RETRY_AFTER_SECONDS));
    if (req.path.startsWith("/api/")) {
      res.status(503).json({ error: { code: "stopping", message, zh: "网关正在停止，暂不接受写入：本次请求未被记录，请稍后重发。" } });
      return;
    }
    res
      .status(503)
      .type("html")
      .send(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>正在停止 · Stopping</title><h1>正在停止 · Stopping</h1><p>网关正在停止，暂不接受写入：本次提交未被记录，请稍后重试。</p><p>${escapeHtml(message)}</p></html>`);
  };
}
