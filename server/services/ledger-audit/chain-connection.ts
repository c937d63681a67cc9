/**
 * The chain node an audit reads, reached directly and never through a gateway: an http(s)
 * JSON-RPC URL, or the path of an IPC socket (the embedded chain's DATA_DIR/anvil.ipc). The node
 * is asked its chain id first, with a deadline, so that a node that cannot be reached is said so
 * at once instead of being retried for ever; the provider is then fixed to that chain.
 */
import { JsonRpcProvider, Network, type JsonRpcApiProvider } from "ethers";
import { IpcProvider, ipcCall } from "../../chain/ipc-provider";

/** The node could not be reached, or answered what is no JSON-RPC. */
export class ChainUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChainUnreachable";
  }
}

export interface ChainConnection {
  provider: JsonRpcApiProvider;
  chainId: number;
  /** The URL or socket path, as given. */
  endpoint: string;
  transport: "http" | "ipc";
  close(): void;
}

/** Whether `rpc` names an http(s) endpoint; anything else is taken for a socket path. */
export function isHttpEndpoint(rpc: string): boolean {
  return /^https?:\/\//i.test(rpc);
}

export async function connectChain(rpc: string, timeoutMs = 15_000): Promise<ChainConnection> {
  const http = isHttpEndpoint(rpc);
  let answer: string;
  try {
    answer = http ? await httpChainId(rpc, timeoutMs) : await ipcCall<string>(rpc, "eth_chainId", [], timeoutMs);
  } catch (error) {
    throw new ChainUnreachable(`cannot reach the chain at ${rpc}: ${causeOf(error)}`);
  }
  let chainId: number;
  try {
    chainId = Number(BigInt(answer));
  } catch {
    throw new ChainUnreachable(`the node at ${rpc} answered eth_chainId with ${JSON.stringify(answer)}, not a chain id`);
  }
  const network = Network.from(chainId);
  // cacheTimeout -1: every read goes to the node (an audit compares answers, it must not reuse one).
  const options = { staticNetwork: network, cacheTimeout: -1 };
  const provider: JsonRpcApiProvider = http ? new JsonRpcProvider(rpc, network, options) : new IpcProvider(rpc, network, { ...options, timeoutMs: 60_000 });
  return { provider, chainId, endpoint: rpc, transport: http ? "http" : "ipc", close: () => provider.destroy() };
}

async function httpChainId(url: string, timeoutMs: number): Promise<string> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: { result?: unknown; error?: { message?: string } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`answered ${response.status} with no JSON-RPC`);
  }
  if (body.error) throw new Error(`eth_chainId failed: ${body.error.message ?? "no reason given"}`);
  if (typeof body.result !== "string") throw new Error(`answered ${response.status} with no chain id`);
  return body.result;
}

/** fetch and sockets wrap the network error (ECONNREFUSED, ENOENT…) as a cause or a code. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? (error as { code?: string }).code ?? cause?.message ?? (error as Error).message;
}
