/**
 * The pages' stylesheet, read once at start and served under a name that carries its hash, so
 * browsers may keep it forever and a new version is a new URL.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";

const css = readFileSync(path.join(__dirname, "assets", "site.css"));

export const STYLESHEET = {
  path: `/assets/site.${createHash("sha256").update(css).digest("hex").slice(0, 12)}.css`,
  body: css,
};
