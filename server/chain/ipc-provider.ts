/**
 * JSON-RPC over a Unix socket: how the gateway talks to its embedded anvil, so that the chain's
 * RPC (with anvil's test methods: anvil_setStorageAt, anvil_impersonateAccount, evm_revert…) is
 * reachable only through a socket file that is 0600 in a 0700 folder.
 *
 * Not ethers' IpcSocketProvider: an error on its socket is unhandled (the process dies when
 * anvil does), a request in flight when the socket closes waits for ever, and it copies the whole
 * buffer on every chunk it reads. Here a closed socket fails what was in flight and the next
 * request connects again, and every request has a deadline, as over HTTP.
 */
import { connect, type Socket } from "node:net";
import path from "node:path";
import {
  JsonRpcApiProvider,
  type JsonRpcApiProviderOptions,
  type JsonRpcError,
  type JsonRpcPayload,
  type JsonRpcResult,
  type Networkish,
} from "ethers";

type Answer = JsonRpcResult | JsonRpcError;

/** anvil writes one JSON value per line. Collects chunks and hands out whole lines. */
class LineReader {
  private parts: Buffer[] = [];

  push(chunk: Buffer, onLine: (line: string) => void): void {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      this.parts.push(chunk.subarray(start, newline));
      const line = Buffer.concat(this.parts).toString("utf8");
      this.parts = [];
      start = newline + 1;
      if (line.trim() !== "") onLine(line);
    }
    if (start < chunk.length) this.parts.push(chunk.subarray(start));
  }
}

/**
 * The path to hand to connect(): Unix socket paths are limited to about 100 bytes, so a long
 * absolute path is given relative to the working directory when that is shorter.
 */
export function socketPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.length < file.length && !relative.startsWith("..") ? relative : file;
}

export interface IpcProviderOptions extends JsonRpcApiProviderOptions {
  /** How long a request may wait for its answer; 120 s by default. */
  timeoutMs?: number;
}

/** Calls run against a state: anvil may answer them for a block whose state it has just pruned. */
const STATE_CALLS: Record<string, number> = { eth_call: 1, eth_estimateGas: 1, eth_createAccessList: 1 };
const STATE_RACE_ATTEMPTS = 5;

/**
 * Whether anvil failed a call on "latest" only because a block was mined while it ran: with
 * --prune-history it resolves "latest" to a number, and when a new block lands before the call
 * reads that state it answers "BlockOutOfRangeError: block height is N+1 but requested was N".
 * A call at an explicit block number is not retried: its state is gone for good.
 */
export function isPrunedLatestRace(request: JsonRpcPayload, answer: Answer): boolean {
  if (!("error" in answer) || !/BlockOutOfRangeError/.test(String(answer.error?.message))) return false;
  const position = STATE_CALLS[request.method];
  if (position === undefined) return false;
  const block = Array.isArray(request.params) ? request.params[position] : undefined;
  return block === undefined || block === "latest" || block === "pending";
}

export class IpcProvider extends JsonRpcApiProvider {
  readonly #file: string;
  readonly #timeoutMs: number;
  #socket: Socket | undefined;
  readonly #waiting = new Map<number | string, (answer: Answer) => void>();
  readonly #failures = new Set<(error: Error) => void>();

  constructor(file: string, network?: Networkish, options: IpcProviderOptions = {}) {
    const { timeoutMs = 120_000, ...rest } = options;
    super(network, rest);
    this.#file = file;
    this.#timeoutMs = timeoutMs;
  }

  async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<Answer[]> {
    const requests = Array.isArray(payload) ? payload : [payload];
    let answers = await this.#sendOnce(payload);
    for (let attempt = 1; attempt < STATE_RACE_ATTEMPTS; attempt++) {
      const byId = new Map(requests.map((request) => [request.id, request]));
      const again = answers.filter((answer) => isPrunedLatestRace(byId.get(answer.id)!, answer)).map((answer) => byId.get(answer.id)!);
      if (again.length === 0) break;
      const retried = new Map((await this.#sendOnce(again)).map((answer) => [answer.id, answer]));
      answers = answers.map((answer) => retried.get(answer.id) ?? answer);
    }
    return answers;
  }

  #sendOnce(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<Answer[]> {
    const requests = Array.isArray(payload) ? payload : [payload];
    const socket = this.#connect();
    return new Promise<Answer[]>((resolve, reject) => {
      const answers: Answer[] = [];
      const finish = (error?: Error) => {
        clearTimeout(timer);
        for (const request of requests) this.#waiting.delete(request.id);
        this.#failures.delete(finish);
        if (error) reject(error);
        else resolve(answers);
      };
      const timer = setTimeout(
        () => finish(new Error(`no answer from the chain's socket ${this.#file} within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      this.#failures.add(finish);
      for (const request of requests) {
        this.#waiting.set(request.id, (answer) => {
          answers.push(answer);
          if (answers.length === requests.length) finish();
        });
      }
      socket.write(`${JSON.stringify(payload)}\n`);
    });
  }

  destroy(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
    this.#failAll(new Error("the provider was destroyed"));
    super.destroy();
  }

  #connect(): Socket {
    if (this.#socket) return this.#socket;
    const socket = connect(socketPath(this.#file));
    const lines = new LineReader();
    socket.on("data", (chunk: Buffer) => lines.push(chunk, (line) => this.#receive(line)));
    const lost = (error: Error) => {
      if (this.#socket === socket) this.#socket = undefined;
      this.#failAll(error);
    };
    socket.on("error", (error) => lost(new Error(`the chain's socket ${this.#file}: ${error.message}`)));
    socket.on("close", () => lost(new Error(`the chain's socket ${this.#file} closed`)));
    this.#socket = socket;
    return socket;
  }

  #receive(line: string): void {
    let message: Answer | Answer[];
    try {
      message = JSON.parse(line) as Answer | Answer[];
    } catch {
      this.#failAll(new Error(`the chain's socket ${this.#file} sent a line that is not JSON`));
      return;
    }
    for (const answer of Array.isArray(message) ? message : [message]) {
      this.#waiting.get(answer.id)?.(answer); // subscription notifications carry no id we wait for
    }
  }

  #failAll(error: Error): void {
    for (const fail of [...this.#failures]) fail(error);
  }
}

/** One JSON-RPC call on its own connection: for anvil's housekeeping (is it up, dump its state). */
export function ipcCall<T>(file: string, method: string, params: unknown[] = [], timeoutMs = 60_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const socket = connect(socketPath(file));
    const lines = new LineReader();
    const timer = setTimeout(() => done(new Error(`${method}: no answer on ${file} within ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    function done(error: Error | undefined, value?: T) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(value as T);
    }
    socket.on("data", (chunk: Buffer) =>
      lines.push(chunk, (line) => {
        try {
          const answer = JSON.parse(line) as { result?: T; error?: { message: string } };
          if (answer.error) done(new Error(`${method} failed: ${answer.error.message}`));
          else done(undefined, answer.result as T);
        } catch {
          done(new Error(`${method}: the answer on ${file} is not JSON`));
        }
      }),
    );
    socket.on("error", (error) => done(error));
    socket.on("close", () => done(new Error(`${method}: ${file} closed before it answered`)));
    socket.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method, params })}\n`);
  });
}
