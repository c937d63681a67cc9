/** Where the CLI finds the gateway (gateway-address.ts) and the credentials it sends. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { stringOption, type CommandContext } from "./command";
import { UsageError } from "./failures";

export { DEFAULT_GATEWAY_URL, gatewayAddress, gatewayUrl, type GatewayAddress, type GatewaySource } from "./gateway-address";

/** ADMIN_TOKEN, else the token npm start wrote into the data folder (DATA_DIR, default ./data) on its first run. */
export function adminToken(env: Record<string, string | undefined>): string {
  if (env.ADMIN_TOKEN) return env.ADMIN_TOKEN;
  const file = path.resolve(env.DATA_DIR || "./data", "admin-token");
  const token = existsSync(file) ? readFileSync(file, "utf8").trim() : "";
  if (!token) {
    throw new UsageError(
      `no admin token: ${file} ${existsSync(file) ? "is empty" : "does not exist"}. Set DATA_DIR to the data folder of the gateway you mean ` +
        `(the CLI reads DATA_DIR/admin-token; npm run demo's is ./demo-data), or ADMIN_TOKEN; and reach that same gateway with --url or GATEWAY_URL`,
    );
  }
  return token;
}

/** --key, else PROVENANCE_API_KEY: the organisation's API key. */
export function apiKey(context: Pick<CommandContext, "values" | "env">): string {
  const key = optionalApiKey(context);
  if (!key) {
    throw new UsageError(
      "--key is required (or set PROVENANCE_API_KEY): the organisation's API key, as org create printed it by the gateway you reach with --url or GATEWAY_URL",
    );
  }
  return key;
}

export function optionalApiKey({ values, env }: Pick<CommandContext, "values" | "env">): string | undefined {
  return stringOption(values, "key") || env.PROVENANCE_API_KEY || undefined;
}

export const KEY_OPTION = { key: { type: "string" } } as const;
export const KEY_USAGE = "  --key API_KEY        the organisation's API key (or PROVENANCE_API_KEY)";
