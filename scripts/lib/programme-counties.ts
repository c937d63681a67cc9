/**
 * Sets the programme's county list as the programme office does, over real HTTP: a member of the
 * office logs in to the console and uploads the list as a CSV file (POST /programme/counties).
 * A fresh install's list is empty; `npm run demo` seeds its own counties this way, and so do the
 * tests that need counties on the list.
 */

export interface ConsoleLogin {
  username: string;
  password: string;
}

export interface CountyEntry {
  /** GB/T 2260 county code. */
  code: string;
  /** The programme's name for it. */
  name: string;
}

/** Replaces the list with `counties`; throws, saying what the gateway answered, unless it took them all. */
export async function uploadProgrammeCounties(base: string, office: ConsoleLogin, counties: readonly CountyEntry[]): Promise<void> {
  const browser = new FormBrowser(base);
  await browser.get("/console/login");
  const login = await browser.post("/console/login", form({ username: office.username, password: office.password }, browser.csrf));
  if (login.status !== 303 || !browser.hasSession()) throw new Error(`logging in as ${office.username} answered ${login.status}: ${excerpt(login.text)}`);
  await browser.get("/programme/counties");
  const upload = new FormData();
  upload.append("_csrf", browser.csrf ?? "");
  const csv = ["县区代码,名称", ...counties.map((county) => `${county.code},${county.name}`)].join("\n");
  upload.append("file", new Blob([`${csv}\n`], { type: "text/csv" }), "programme-counties.csv");
  const replaced = await browser.post("/programme/counties", upload);
  if (replaced.status !== 303 || !replaced.location?.includes(`replaced=${counties.length}`)) {
    throw new Error(`uploading the programme's counties answered ${replaced.status}: ${excerpt(replaced.text)}`);
  }
}

function form(fields: Record<string, string>, csrf: string | undefined): URLSearchParams {
  const body = new URLSearchParams(fields);
  if (csrf) body.append("_csrf", csrf);
  return body;
}

function excerpt(text: string): string {
  return text.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300);
}

/** Just enough of a browser for the console's forms: it keeps cookies and the last page's CSRF token. */
class FormBrowser {
  private readonly cookies = new Map<string, string>();
  csrf: string | undefined;

  constructor(private readonly base: string) {}

  hasSession(): boolean {
    return this.cookies.has("plc_session");
  }

  get(path: string) {
    return this.request("GET", path);
  }

  post(path: string, body: URLSearchParams | FormData) {
    return this.request("POST", path, body);
  }

  private async request(method: string, path: string, body?: URLSearchParams | FormData) {
    const response = await fetch(`${this.base}${path}`, {
      method,
      body,
      redirect: "manual",
      headers: { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ") },
    });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0];
      const name = pair.slice(0, pair.indexOf("="));
      const value = pair.slice(pair.indexOf("=") + 1);
      if (value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text);
    if (token) this.csrf = token[1];
    return { status: response.status, location: response.headers.get("location"), text };
  }
}
