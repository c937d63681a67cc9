/**
 * A gateway as `npm start` runs it — its own process, its embedded chain, a fresh data folder —
 * for the attack scripts to measure from outside, with the API called as any client would.
 * Uses only what every version of the gateway has, so a script runs on old code too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PROCESS_ADMIN_TOKEN, freePort, spawnGateway } from "./processes";

export interface GatewayUnderTest {
  base: string;
  /** JSON over HTTP; `token` goes as a Bearer token. */
  call(method: string, url: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
  /** An organisation with its API key. */
  org(name: string, role: string): Promise<{ id: string; address: string; apiKey: string }>;
  stop(): Promise<void>;
}

export async function gatewayUnderTest(env: Record<string, string> = {}): Promise<GatewayUnderTest> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "gateway-under-test-"));
  const gateway = await spawnGateway({
    port: await freePort(),
    chainPort: await freePort(),
    dataDir,
    env: { ADMIN_TOKEN: PROCESS_ADMIN_TOKEN, LOG_LEVEL: "error", ...env },
  });
  const call: GatewayUnderTest["call"] = async (method, url, { token, body, headers = {} } = {}) => {
    const response = await fetch(`${gateway.base}${url}`, {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  };
  return {
    base: gateway.base,
    call,
    async org(name, role) {
      const answer = await call("POST", "/api/v1/orgs", { token: PROCESS_ADMIN_TOKEN, body: { name, role } });
      if (answer.status !== 201) throw new Error(`creating ${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
    async stop() {
      await gateway.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
