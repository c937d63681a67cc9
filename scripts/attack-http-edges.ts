/**
 * The HTTP weaknesses of issue 19, measured as an attacker met them, against a gateway process
 * with its default settings on an anvil of its own:
 *   node -r ts-node/register/transpile-only scripts/attack-http-edges.ts
 * It prints:
 *   1. how long the gateway keeps a socket that sends its headers a byte a second, one that sends
 *      its body a byte a second, one that says nothing, and an idle kept-alive one (each watched
 *      for at most 100 s);
 *   2. what 1,000 API reads and 100 verifications sent one after another from one address are
 *      answered, and how many a second;
 *   3. the status of client mistakes: a bad percent-escape in a path, a JSON body that says gzip
 *      and is not, a console form in deflate, a truncated multipart body;
 *   4. what a login POST with a valid token and password but another site's Origin is answered.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { startAnvil } from "../server/chain/anvil";
import { PROCESS_ADMIN_TOKEN as ADMIN, freePort, spawnGateway } from "./lib/processes";
import * as payload from "./lib/payloads";
import { multipartPieces, rawRequest } from "./lib/raw-http";

const WATCH_MS = 100_000;

/** Seconds until the server closes a socket fed by `feed` (undefined: still open after WATCH_MS). */
async function secondsOpen(port: number, feed: (write: (text: string) => void, tick: number) => void): Promise<number | undefined> {
  const socket = connect(port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  const opened = Date.now();
  let closedAt: number | undefined;
  const closed = () => (closedAt ??= Date.now());
  socket.on("data", () => {});
  socket.on("end", closed);
  socket.on("close", closed);
  socket.on("error", closed);
  for (let tick = 0; closedAt === undefined && Date.now() - opened < WATCH_MS; tick++) {
    feed((text) => socket.write(text), tick);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  socket.destroy();
  return closedAt === undefined ? undefined : Math.round((closedAt - opened) / 100) / 10;
}

/** Logs farmer.li in with the login form's own token, sending `headers` too. */
async function logIn(base: string, headers: Record<string, string>) {
  const page = await fetch(`${base}/console/login`);
  const cookie = page.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
  const login = await fetch(`${base}/console/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, ...headers },
    body: new URLSearchParams({ _csrf: token, username: "farmer.li", password: "correct horse battery" }),
  });
  const session = login.headers.getSetCookie().find((c) => c.startsWith("plc_session="))?.split(";")[0];
  return { status: login.status, session: session !== undefined, cookie: session ?? "" };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "attack-http-"));
  const anvil = await startAnvil({ port: await freePort() });
  const port = await freePort();
  const gateway = await spawnGateway({ port, rpcUrl: anvil.rpcUrl, dataDir, env: { LOG_LEVEL: "error" } });
  const base = gateway.base;
  try {
    const post = async (url: string, token: string, body: unknown) => {
      const response = await fetch(`${base}${url}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
      return (await response.json()) as Record<string, any>;
    };
    const producer = await post("/api/v1/orgs", ADMIN, { name: "田阳芒果专业合作社", role: "producer" });
    await post(`/api/v1/orgs/${producer.id}/members`, ADMIN, { username: "farmer.li", password: "correct horse battery" });
    const harvest = await post("/api/v1/batches?wait=confirmed", producer.apiKey, payload.harvest("EDGE-1"));

    // 1. Slow and silent sockets, all at once.
    const header = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${"x".repeat(200)}\r\n\r\n`;
    const [slowHeaders, slowBody, silent, keptAlive] = await Promise.all([
      secondsOpen(port, (write, tick) => write(header[tick] ?? "")),
      secondsOpen(port, (write, tick) => write(tick === 0 ? "POST /console/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n" : "x")),
      secondsOpen(port, () => {}),
      secondsOpen(port, (write, tick) => tick === 0 && write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")),
    ]);
    const shown = (seconds: number | undefined) => (seconds === undefined ? `still open after ${WATCH_MS / 1000} s` : `closed after ${seconds} s`);
    console.log("1. sockets");
    console.log(`   headers a byte a second:   ${shown(slowHeaders)}`);
    console.log(`   body a byte a second:      ${shown(slowBody)}`);
    console.log(`   connected, says nothing:   ${shown(silent)}`);
    console.log(`   idle after a keep-alive answer: ${shown(keptAlive)}`);

    // 2. API reads from one address, one after another.
    const reads = async (url: string, count: number) => {
      const statuses = new Map<number, number>();
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        const response = await fetch(`${base}${url}`);
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
      const perSecond = count / ((performance.now() - started) / 1000);
      return `${[...statuses].map(([status, n]) => `${n} × ${status}`).join(", ")} (${perSecond.toFixed(0)} a second)`;
    };
    console.log("2. API reads from one address");
    console.log(`   GET …/verify, 100 times:              ${await reads(`/api/v1/batches/${harvest.batchId}/verify`, 100)}`);
    console.log(`   GET /api/v1/batches/{id}, 1,000 times: ${await reads(`/api/v1/batches/${harvest.batchId}`, 1_000)}`);

    // 3. Client mistakes (the multipart one from a logged-in member, with the form's own token).
    const status = async (url: string, init: RequestInit) => (await fetch(`${base}${url}`, { redirect: "manual", ...init })).status;
    const member = await logIn(base, {});
    const imports = await fetch(`${base}/console/imports`, { headers: { cookie: member.cookie } });
    const importToken = /name="_csrf" value="([^"]+)"/.exec(await imports.text())![1];
    const form = multipartPieces([["_csrf", importToken], ["kind", "harvest"]], { field: "file", name: "a.csv", type: "text/csv" });
    const truncated = await rawRequest(base, { path: "/console/imports", headers: { "Content-Type": form.contentType, Cookie: member.cookie }, head: form.head, fillerBytes: 100 });
    console.log("3. client mistakes");
    console.log(`   GET /p/%E0%A4%A:                         ${await status("/p/%E0%A4%A", {})}`);
    console.log(
      `   API POST saying gzip, not gzip:          ${await status("/api/v1/batches", { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip", authorization: `Bearer ${producer.apiKey}` }, body: "{}" })}`,
    );
    console.log(`   console form in deflate:                 ${await status("/console/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "content-encoding": "deflate" }, body: "a=1" })}`);
    console.log(`   truncated multipart (a member's form):   ${truncated.status}`);

    // 4. A login from another site, with a valid token and the right password.
    const evil = await logIn(base, { origin: "https://evil.example" });
    console.log(`4. login with Origin https://evil.example: ${evil.status}${evil.session ? ", a session cookie set" : ", no session"}`);
  } finally {
    await gateway.stop();
    await anvil.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
