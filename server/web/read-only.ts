/**
 * A read gateway takes no writes: it holds no keys and no accounts. Every request that would
 * write (any method but GET, HEAD and OPTIONS) and every console page is refused before a byte
 * of its body is read, saying where writes go.
 */
import type { RequestHandler } from "express";
import { escapeHtml } from "../html/html";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * `allowed`: writes that touch nothing but this gateway's copy of public records and that are
 * checked against the chain (the admin's detail import).
 */
export function readOnlyGuard(writeGatewayUrl: string | undefined, allowed: readonly string[] = []): RequestHandler {
  const where = writeGatewayUrl ? ` Writes go to ${writeGatewayUrl}.` : " Writes go to the deployment's writing gateway.";
  const message = `this is a read gateway of the ledger: it serves the chain's batches and their public details, and takes no writes.${where}`;
  return (req, res, next) => {
    const consolePage = req.path === "/console" || req.path.startsWith("/console/") || req.path === "/programme" || req.path.startsWith("/programme/");
    if ((READS.has(req.method) && !consolePage) || (req.method === "POST" && allowed.includes(req.path))) return next();
    res.set("Allow", "GET, HEAD");
    if (req.path.startsWith("/api/")) {
      res.status(405).json({ error: { code: "read_only", message, ...(writeGatewayUrl ? { writeGateway: writeGatewayUrl } : {}) } });
      return;
    }
    res
      .status(consolePage && READS.has(req.method) ? 404 : 405)
      .type("html")
      .send(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>只读网关 · Read gateway</title><h1>只读网关 · Read gateway</h1><p>本网关只提供查询，不接受写入。</p><p>${escapeHtml(message)}</p></html>`);
  };
}
