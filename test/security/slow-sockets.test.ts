/**
 * Slow and silent sockets are closed (issue 19: "idle slow sockets still open after 75 s"): a
 * gateway process with short timeouts set through its configuration (HTTP_*_TIMEOUT_MS) cuts off
 * a client that sends its headers a byte a second, one that sends its body a byte a second, one
 * that connects and says nothing, and an idle kept-alive connection — each within its configured
 * time (plus Node's check interval and a margin for a busy machine), where Node's defaults would
 * keep them for minutes.
 */
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { startAnvil, type AnvilHandle } from "../../server/chain/anvil";
import { freePort, spawnGateway, type GatewayProcess } from "../../scripts/lib/processes";

const HEADERS_MS = 2_000;
const REQUEST_MS = 4_000;
const KEEP_ALIVE_MS = 1_000;
const IDLE_MS = 3_000;
/** Node looks for requests past their time every headersTimeout / 4 (see server/web/http-server.ts). */
const CHECK_MS = HEADERS_MS / 4;
/** For a busy machine: the close may come this much later than configured. */
const MARGIN_MS = 2_500;

describe("security: slow and silent sockets are closed (gateway process)", function () {
  this.timeout(120_000);
  let anvil: AnvilHandle;
  let gateway: GatewayProcess;
  let port: number;

  before(async function () {
    anvil = await startAnvil({ port: await freePort() });
    port = await freePort();
    gateway = await spawnGateway({
      port,
      rpcUrl: anvil.rpcUrl,
      dataDir: mkdtempSync(path.join(tmpdir(), "slow-sockets-")),
      env: {
        LOG_LEVEL: "error",
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
        HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS),
        HTTP_IDLE_TIMEOUT_MS: String(IDLE_MS),
      },
    });
  });

  after(async function () {
    await gateway?.stop();
    await anvil?.stop();
  });

  /** A socket to the gateway that notes when the server closed it. */
  async function open(): Promise<{ socket: Socket; closed: () => boolean; received: () => string; opened: number }> {
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    let closed = false;
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("end", () => (closed = true));
    socket.on("close", () => (closed = true));
    socket.on("error", () => (closed = true));
    return { socket, closed: () => closed, received: () => received, opened: Date.now() };
  }

  /** Sends `bytes` one a second until the server closes the socket or `withinMs` pass; whether it closed, and how much was sent. */
  async function trickle(client: Awaited<ReturnType<typeof open>>, bytes: string, withinMs: number) {
    let sent = 0;
    while (!client.closed() && Date.now() - client.opened < withinMs) {
      if (sent < bytes.length) client.socket.write(bytes[sent++]);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const closed = client.closed();
    client.socket.destroy();
    return { closed, sent };
  }

  async function closedWithin(client: Awaited<ReturnType<typeof open>>, withinMs: number): Promise<boolean> {
    while (!client.closed() && Date.now() - client.opened < withinMs) await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = client.closed();
    client.socket.destroy();
    return closed;
  }

  it("cuts off a client that sends its headers a byte a second", async function () {
    const request = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${"x".repeat(100)}\r\n\r\n`;
    const client = await open();
    const { closed, sent } = await trickle(client, request, HEADERS_MS + CHECK_MS + MARGIN_MS);
    expect(closed, "closed by the server").to.equal(true);
    expect(sent).to.be.below(request.length);
  });

  it("cuts off a client that sends its body a byte a second", async function () {
    const client = await open();
    client.socket.write(`POST /console/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n`);
    const { closed, sent } = await trickle(client, "_csrf=".padEnd(200, "x"), REQUEST_MS + CHECK_MS + MARGIN_MS);
    expect(closed, "closed by the server").to.equal(true);
    expect(sent).to.be.below(200);
  });

  it("closes a socket that connects and says nothing", async function () {
    const client = await open();
    expect(await closedWithin(client, Math.min(HEADERS_MS + CHECK_MS, IDLE_MS) + MARGIN_MS)).to.equal(true);
  });

  it("closes an idle kept-alive connection after its keep-alive time", async function () {
    const client = await open();
    client.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
    while (!client.received().includes("\r\n\r\n") && !client.closed()) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(client.received()).to.match(/^HTTP\/1\.1 200/);
    const answered = Date.now();
    client.opened = answered;
    expect(await closedWithin(client, KEEP_ALIVE_MS + MARGIN_MS)).to.equal(true);
  });
});
