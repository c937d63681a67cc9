/**
 * Where the CLI finds the gateway: --url, else GATEWAY_URL, else PORT and HOST as the gateway
 * itself reads them (server/config.ts), else the default; and how its errors name that address.
 */
export const DEFAULT_GATEWAY_URL = "http://127.0.0.1:8080";

/** What told the CLI where the gateway is: said in its errors, so a wrong one is easy to spot. */
export type GatewaySource = "--url" | "GATEWAY_URL" | "PORT/HOST" | "default";

export interface GatewayAddress {
  url: string;
  source: GatewaySource;
  /** Why the address cannot be used (a PORT that is no port): said when a command calls the gateway. */
  problem?: string;
}

/** How to point the CLI at another gateway: said whenever it could not reach the one it used. */
export const HOW_TO_CHOOSE_GATEWAY = `point the CLI at the gateway with --url URL or GATEWAY_URL=URL (without them it uses PORT and HOST as npm start reads them, else ${DEFAULT_GATEWAY_URL})`;

/**
 * --url, else GATEWAY_URL, else the address a gateway started with the same PORT and HOST
 * listens on (server/config.ts reads them so), else the address npm start listens on by default.
 */
export function gatewayAddress(url: string | undefined, env: Record<string, string | undefined>): GatewayAddress {
  if (url !== undefined) return { url: withoutSlash(url), source: "--url" };
  if (env.GATEWAY_URL) return { url: withoutSlash(env.GATEWAY_URL), source: "GATEWAY_URL" };
  if (env.PORT || env.HOST) return { ...fromPortAndHost(env.PORT, env.HOST), source: "PORT/HOST" };
  return { url: DEFAULT_GATEWAY_URL, source: "default" };
}

/** The URL alone (see gatewayAddress). */
export function gatewayUrl(url: string | undefined, env: Record<string, string | undefined>): string {
  return gatewayAddress(url, env).url;
}

/** "the gateway at URL (from SOURCE)", as the CLI's errors name it. */
export function describeGateway({ url, source }: GatewayAddress): string {
  return `the gateway at ${url} (${source === "default" ? "the default: no --url, GATEWAY_URL, PORT or HOST given" : `from ${source}`})`;
}

function withoutSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** PORT and HOST as the gateway takes them (defaults 8080 and 127.0.0.1); a wildcard host is reached on loopback. */
function fromPortAndHost(portText: string | undefined, hostText: string | undefined): { url: string; problem?: string } {
  const port = portText ? Number(portText) : 8080;
  let host = hostText || "127.0.0.1";
  if (host === "0.0.0.0") host = "127.0.0.1";
  else if (host === "::" || host === "[::]") host = "::1";
  if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
  const url = `http://${host}:${portText || 8080}`;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    return { url, problem: `PORT must be the gateway's port, 1 to 65535 (it is ${JSON.stringify(portText)}); or ${HOW_TO_CHOOSE_GATEWAY}` };
  }
  return { url };
}
