/**
 * One JSON-RPC call to a chain, over whichever transport reaches it: the embedded anvil's Unix
 * socket (a path) or a test chain's loopback URL (http://…). For housekeeping calls that want no
 * provider: is it up, dump its state.
 */
import { ipcCall } from "./ipc-provider";

export type RpcCall = <T>(method: string, params?: unknown[], timeoutMs?: number) => Promise<T>;

export function rpcCallTo(endpoint: string): RpcCall {
  if (!/^https?:\/\//.test(endpoint)) return (method, params = [], timeoutMs = 1_000) => ipcCall(endpoint, method, params, timeoutMs);
  return async <T>(method: string, params: unknown[] = [], timeoutMs = 60_000): Promise<T> => {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const answer = (await response.json()) as { result?: T; error?: { message: string } };
    if (answer.error || !response.ok) throw new Error(`${method} failed: ${answer.error?.message ?? response.status}`);
    return answer.result as T;
  };
}
