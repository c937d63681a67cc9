/**
 * A console visitor that connects from a loopback address of its choice (127.0.0.2, 127.0.0.3…
 * all reach a gateway listening on 127.0.0.1 on Linux): how the login attack scripts and tests
 * play several clients on one machine, when the gateway trusts no proxy header. It keeps its
 * cookies and the CSRF token of the last form it loaded, like ConsoleClient in the tests.
 */
import http from "node:http";

export interface AddressAnswer {
  status: number;
  location: string | undefined;
  text: string;
  /** Milliseconds from sending the request to the end of the answer. */
  ms: number;
}

export class AddressClient {
  private readonly cookies = new Map<string, string>();
  private readonly agent: http.Agent;
  csrf: string | undefined;

  constructor(
    readonly base: string,
    readonly localAddress: string,
    options: { maxSockets?: number } = {},
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 1 });
  }

  get(path: string): Promise<AddressAnswer> {
    return this.request("GET", path);
  }

  /** A url-encoded form; `_csrf` is the last loaded form's unless given (null: none). */
  post(path: string, fields: Record<string, string>, csrf: string | null | undefined = this.csrf): Promise<AddressAnswer> {
    const body = new URLSearchParams();
    if (csrf !== null && csrf !== undefined) body.append("_csrf", csrf);
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    return this.request("POST", path, body.toString());
  }

  /** Loads the login page (for its token) once, then posts the login form. */
  async login(username: string, password: string): Promise<AddressAnswer> {
    if (!this.csrf) await this.get("/console/login");
    return this.post("/console/login", { username, password });
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  close(): void {
    this.agent.destroy();
  }

  private request(method: string, path: string, body?: string): Promise<AddressAnswer> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
    if (body !== undefined) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent: this.agent, localAddress: this.localAddress },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () => {
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            for (const line of response.headers["set-cookie"] ?? []) {
              const [pair, ...attributes] = line.split(";");
              const name = pair.slice(0, pair.indexOf("="));
              const value = pair.slice(pair.indexOf("=") + 1);
              if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "") this.cookies.delete(name);
              else this.cookies.set(name, value);
            }
            const text = Buffer.concat(chunks).toString("utf8");
            const token = /name="_csrf" value="([^"]+)"/.exec(text);
            if (token) this.csrf = token[1];
            resolve({ status: response.statusCode ?? 0, location: response.headers.location, text, ms });
          });
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  }
}

/** A page's text with its CSRF token blanked, to compare two answers word for word. */
export function withoutToken(text: string): string {
  return text.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""');
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
