/**
 * Secrets the gateway makes for itself on first run (the master secret that encrypts custodial
 * and chain keys, the admin token): random, written once with mode 0600 in a 0700 folder, read
 * back on later runs.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { writePrivateFile } from "./private-files";

/** The secret in `file`, creating it first if missing; `created` says whether it is new. */
export function readOrCreateSecret(file: string, bytes = 32): { value: string; created: boolean } {
  if (existsSync(file)) return { value: readFileSync(file, "utf8").trim(), created: false };
  const value = randomBytes(bytes).toString("base64url");
  writePrivateFile(file, `${value}\n`, { exclusive: true });
  return { value, created: true };
}
