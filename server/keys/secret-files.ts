/**
 * Secrets the gateway makes for itself on first run (the master secret that encrypts custodial
 * keys, the admin token): random, written once with mode 0600, read back on later runs.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The secret in `file`, creating it first if missing; `created` says whether it is new. */
export function readOrCreateSecret(file: string, bytes = 32): { value: string; created: boolean } {
  if (existsSync(file)) return { value: readFileSync(file, "utf8").trim(), created: false };
  mkdirSync(path.dirname(file), { recursive: true });
  const value = randomBytes(bytes).toString("base64url");
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600); // a umask could have widened the mode
  return { value, created: true };
}
