/**
 * The demo's console logins: members it creates, on a data folder it records into, with
 * generated passwords; kept in DATA_DIR/demo-logins.json (mode 0600, like the admin token) and
 * printed with the console's URL. Only a folder the demo made has this file, so only the demo's
 * own logins are ever printed.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { writePrivateFile } from "../server/keys/private-files";

export interface DemoLogin {
  /** The organisation's role, or "programme office". */
  role: string;
  organisation: string;
  username: string;
  password: string;
}

export const LOGINS_FILE = "demo-logins.json";

/** 16 random characters: far beyond what the password policy asks, and nothing to guess from. */
export function generatedPassword(): string {
  return randomBytes(12).toString("base64url");
}

/** Keeps the logins in the data folder, private to its owner; answers the file. */
export function saveLogins(dataDir: string, logins: DemoLogin[]): string {
  const file = path.join(dataDir, LOGINS_FILE);
  writePrivateFile(file, `${JSON.stringify({ logins }, null, 2)}\n`);
  return file;
}

/** The logins the demo kept in this folder, if it made any here. */
export function savedLogins(dataDir: string): DemoLogin[] | undefined {
  const file = path.join(dataDir, LOGINS_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { logins: DemoLogin[] }).logins : undefined;
}

/**
 * The printout: the console's URL and each login. Passwords are shown on the run that made
 * them; later runs point at the file instead, as `npm start` does with its admin token.
 */
export function loginLines(consoleUrl: string, logins: DemoLogin[], file: string, showPasswords: boolean): string[] {
  const lines = ["", `  控制台登录 · Console logins: ${consoleUrl}`];
  const width = Math.max(...logins.map((login) => login.username.length));
  for (const login of logins) {
    const secret = showPasswords ? `  password ${login.password}` : "";
    lines.push(`    login ${login.username.padEnd(width)}${secret}  ·  ${login.role}: ${login.organisation}`);
  }
  lines.push(showPasswords ? `  (kept in ${file}, mode 0600)` : `  Passwords: in ${file} (mode 0600).`);
  return lines;
}
