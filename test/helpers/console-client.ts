/**
 * A console user over HTTP, as a browser without script would be: it keeps cookies, reads the
 * CSRF token from the forms it loads, and posts url-encoded (or multipart) forms.
 */
export class ConsoleClient {
  private readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  async get(path: string, headers: Record<string, string> = {}) {
    return this.request("GET", path, undefined, headers);
  }

  /** Posts a form; `_csrf` is taken from the last page this client loaded unless given. */
  async post(path: string, fields: Record<string, string | string[]>, options: { csrf?: string | null; files?: Record<string, { name: string; type: string; data: Buffer }> } = {}) {
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    let body: URLSearchParams | FormData;
    if (options.files) {
      body = new FormData();
      if (csrf !== null && csrf !== undefined) body.append("_csrf", csrf);
      for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
      for (const [name, file] of Object.entries(options.files)) body.append(name, new Blob([file.data], { type: file.type }), file.name);
    } else {
      body = new URLSearchParams();
      if (csrf !== null && csrf !== undefined) body.append("_csrf", csrf);
      for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
    }
    return this.request("POST", path, body);
  }

  /** Loads the login page (for its CSRF token) and logs in; returns the final response. */
  async login(username: string, password: string) {
    await this.get("/console/login");
    return this.post("/console/login", { username, password });
  }

  csrf: string | undefined;

  private async request(method: string, path: string, body?: URLSearchParams | FormData, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.base}${path}`, {
      method,
      body,
      redirect: "manual",
      headers: { ...headers, cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text);
    if (token) this.csrf = token[1];
    return { status: response.status, location: response.headers.get("location"), headers: response.headers, text };
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

/** The form's key (one form, one write), from a page the client loaded. */
export function formKeyOf(page: string): string {
  const match = /name="formKey" value="([^"]+)"/.exec(page);
  if (!match) throw new Error("no form key on the page");
  return match[1];
}

/** The error written beside a form field (its form row carries it), or undefined when there is none. */
export function errorBeside(page: string, name: string): string | undefined {
  const row = new RegExp(`<div class="form-row has-error" data-field="${name.replace(/[.[\]]/g, "\\$&")}"[^>]*>[\\s\\S]*?</div>`).exec(page);
  if (!row) return undefined;
  return /<p class="field-error"[^>]*>([^<]*)<\/p>/.exec(row[0])?.[1];
}

/** The table row of one event on a console page. */
export function eventRow(page: string, eventId: string): string {
  const match = new RegExp(`<tr data-event="${eventId}"[\\s\\S]*?</tr>`).exec(page);
  if (!match) throw new Error(`no row for event ${eventId}`);
  return match[0];
}

/** The event id a form's redirect names (/console/events?recorded=…). */
export function recordedId(location: string | null): string {
  const id = new URL(location ?? "", "http://console").searchParams.get("recorded");
  if (!id) throw new Error(`no recorded event in ${location}`);
  return id;
}
