/**
 * The CLI's HTTP client of the gateway's API. A network failure becomes exit 3 (unreachable),
 * an answer outside 2xx becomes exit 1 with the gateway's message and each field it named.
 */
import { describeGateway, HOW_TO_CHOOSE_GATEWAY, type GatewayAddress } from "./gateway-address";
import { CliFailure, EXIT, Interrupted, UsageError } from "./failures";

export interface GatewayAnswer<T = any> {
  status: number;
  body: T;
}

export interface RequestOptions {
  /** Sent as the Bearer token: the admin token or an organisation's API key. */
  token?: string;
  /** A JSON body. */
  json?: unknown;
  /** A raw body, with its content type. */
  raw?: { data: Uint8Array; contentType: string };
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

interface ErrorBody {
  error?: { code?: string; message?: string; fields?: { field: string; message: string; zh?: string }[] };
}

export class GatewayClient {
  readonly baseUrl: string;
  private readonly address: GatewayAddress;

  /** A URL alone counts as given with --url. */
  constructor(address: GatewayAddress | string) {
    this.address = typeof address === "string" ? { url: address, source: "--url" } : address;
    this.baseUrl = this.address.url;
  }

  /** The answer when it is 2xx; throws a refusal (exit 1) otherwise. */
  async call<T = any>(method: "GET" | "POST", path: string, options: RequestOptions = {}): Promise<GatewayAnswer<T>> {
    const answer = await this.request<T>(method, path, options);
    if (answer.status < 200 || answer.status > 299) throw refusal(answer as GatewayAnswer<ErrorBody>);
    return answer;
  }

  /** Any answer the gateway gives; throws only when it cannot be reached. */
  async request<T = any>(method: "GET" | "POST", path: string, options: RequestOptions = {}): Promise<GatewayAnswer<T>> {
    if (this.address.problem) throw new UsageError(this.address.problem);
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | Uint8Array | undefined;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.raw) {
      headers["content-type"] = options.raw.contentType;
      body = options.raw.data;
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, headers, body, signal: options.signal });
      text = await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw new Interrupted();
      // Which gateway it tried and why that one: the usual mistake is the wrong address, not a dead gateway.
      throw new CliFailure(EXIT.unreachable, `cannot reach ${describeGateway(this.address)}: ${causeOf(error)}. Is it running? ${capitalised(HOW_TO_CHOOSE_GATEWAY)}.`);
    }
    let parsed: unknown = text;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page, say): the text is what there is to show.
    }
    return { status: response.status, body: parsed as T };
  }
}

/**
 * The gateway's refusal as the CLI reports it: status, message and each field it named, with
 * the rules' Chinese words beneath where they gave them.
 */
export function refusal(answer: GatewayAnswer<ErrorBody | string>): CliFailure {
  const error = typeof answer.body === "object" && answer.body ? answer.body.error : undefined;
  const message = error?.message ?? (typeof answer.body === "string" && answer.body ? answer.body.slice(0, 200) : "no reason given");
  const fields = (error?.fields ?? []).map((f) => `\n  ${f.field}: ${f.message}${f.zh ? `\n    ${f.zh}` : ""}`).join("");
  const json = typeof answer.body === "object" && answer.body ? answer.body : { error: { code: "refused", message } };
  return new CliFailure(EXIT.refused, `refused (${answer.status}): ${message}${fields}`, json);
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** fetch wraps the network error (ECONNREFUSED…) as its cause. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
