/** Where the CLI finds the gateway and the credentials it sends. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { stringOption, type CommandContext } from "./command";
import { UsageError } from "./failures";

export const DEFAULT_GATEWAY_URL = "http://127.0.0.1:8080";

/** --url, else GATEWAY_URL, else the address npm start listens on. */
export function gatewayUrl(url: string | undefined, env: Record<string, string | undefined>): string {
  return (url ?? env.GATEWAY_URL ?? DEFAULT_GATEWAY_URL).replace(/\/+$/, "");
}

/** ADMIN_TOKEN, else the token npm start wrote into the data folder on its first run. */
export function adminToken(env: Record<string, string | undefined>): string {
  if (env.ADMIN_TOKEN) return env.ADMIN_TOKEN;
  const file = path.resolve(env.DATA_DIR ?? "./data", "admin-token");
  const token = existsSync(file) ? readFileSync(file, "utf8").trim() : "";
  if (!token) throw new UsageError("no admin token: set ADMIN_TOKEN, or run from the folder whose data/ holds admin-token");
  return token;
}

/** --key, else PROVENANCE_API_KEY: the organisation's API key. */
export function apiKey(context: Pick<CommandContext, "values" | "env">): string {
  const key = optionalApiKey(context);
  if (!key) throw new UsageError("--key is required (or set PROVENANCE_API_KEY): the organisation's API key");
  return key;
}

export function optionalApiKey({ values, env }: Pick<CommandContext, "values" | "env">): string | undefined {
  return stringOption(values, "key") || env.PROVENANCE_API_KEY || undefined;
}

export const KEY_OPTION = { key: { type: "string" } } as const;
export const KEY_USAGE = "  --key API_KEY        the organisation's API key (or PROVENANCE_API_KEY)";
