/**
 * A gateway under attack, as an outsider meets it: a real gateway process on an anvil started
 * here (so the attacker can reach the contract too), with the little an attack script or test
 * needs — HTTP calls, the chain's provider, organisations made with the admin token, and a wait
 * until an event is settled and indexed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { startAnvil } from "../../server/chain/anvil";
import { PROCESS_ADMIN_TOKEN, freePort, spawnGateway } from "./processes";

export interface Target {
  base: string;
  /** The chain the gateway writes to, reachable by the attacker (an anvil with public dev accounts). */
  provider: JsonRpcProvider;
  /** That chain's JSON-RPC URL, for a tool of the test's own (an audit) to reach it directly. */
  rpcUrl: string;
  call(method: string, url: string, options?: { token?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  org(name: string, role: string, address?: string): Promise<{ id: string; address: string; apiKey: string }>;
  /** Waits until the event (if any) is confirmed or failed and the index caught up with the chain. */
  settle(eventId?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startTarget(env: Record<string, string> = {}): Promise<Target> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "attack-target-"));
  const anvil = await startAnvil({ port: await freePort(), stateFile: path.join(dataDir, "chain.json"), stateInterval: 60 });
  const gateway = await spawnGateway({ port: await freePort(), rpcUrl: anvil.rpcUrl, dataDir, env: { PUBLIC_RATE_LIMIT: "0", API_RATE_LIMIT: "0", ...env } });
  const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { cacheTimeout: -1 });
  const call: Target["call"] = async (method, url, { token, body } = {}) => {
    const response = await fetch(`${gateway.base}${url}`, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      return { status: response.status, body: text };
    }
  };
  const pause = () => new Promise((resolve) => setTimeout(resolve, 100));
  return {
    base: gateway.base,
    provider,
    rpcUrl: anvil.rpcUrl,
    call,
    async org(name, role, address) {
      const { status, body } = await call("POST", "/api/v1/orgs", { token: PROCESS_ADMIN_TOKEN, body: { name, role, ...(address ? { address } : {}) } });
      if (status !== 201) throw new Error(`creating ${name}: ${status} ${JSON.stringify(body)}`);
      return body;
    },
    async settle(eventId) {
      for (let i = 0; eventId && i < 600; i++) {
        const status = (await call("GET", `/api/v1/events/${eventId}`)).body.status;
        if (status === "confirmed" || status === "failed") break;
        await pause();
      }
      const target = await provider.getBlockNumber();
      for (let i = 0; i < 600; i++) {
        const ready = await call("GET", "/readyz");
        if (ready.status === 200 && ready.body.indexedBlock >= target) break;
        await pause();
      }
    },
    async stop() {
      await gateway.stop();
      provider.destroy();
      await anvil.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
