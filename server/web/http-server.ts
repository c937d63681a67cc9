/**
 * The HTTP server the gateway listens with, and how long it waits for a client: for its headers,
 * for its whole request (body included), for its next request on a kept-alive connection, and
 * for any byte on an open socket. A client that trickles its headers or body, opens a socket and
 * says nothing, or stops reading its answer, is cut off; Node's own defaults would wait minutes.
 * A socket is not idle by its client's fault while the gateway works on a request it has whole
 * (a large CSV import is checked for many seconds): that wait is the gateway's, not the client's.
 *
 * closeGracefully(server) is the HTTP half of a stop: it listens no more, closes the idle
 * kept-alive connections at once and each busy one after its answer (Connection: close), and
 * cuts off whatever is still open at a deadline, so that no client holds a stop up.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Timeouts } from "../config";

/** The answers each server is working on, for closeGracefully. */
const inFlight = new WeakMap<Server, Set<ServerResponse>>();

export function createHttpServer(app: RequestListener, timeouts: Timeouts): Server {
  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      // How often Node looks for requests past headersTimeout or requestTimeout (its default is 30 s).
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(timeouts.headersMs / 4))),
    },
    app,
  );
  const working = new WeakMap<Socket, IncomingMessage>();
  const answering = new Set<ServerResponse>();
  inFlight.set(server, answering);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    working.set(req.socket, req);
    answering.add(res);
    res.once("close", () => {
      answering.delete(res);
      if (working.get(req.socket) === req) working.delete(req.socket);
    });
  });
  // No byte either way for this long: the socket is closed (Node's default is never)…
  server.setTimeout(timeouts.idleMs, (socket: Socket) => {
    const request = working.get(socket);
    // …unless the gateway itself is still at work on a request it has whole, with nothing unread by the client.
    if (request?.complete && socket.writableLength === 0) {
      socket.setTimeout(timeouts.idleMs);
      return;
    }
    socket.destroy();
  });
  return server;
}

/** How often, while closing, connections whose answer has just gone out are closed. */
const SWEEP_MS = 50;

/**
 * Stops listening, closes idle connections at once and busy ones after their answer, and
 * resolves once every connection is closed, or at `deadlineMs`, when the rest are destroyed.
 * Resolves to how many connections were cut off.
 */
export async function closeGracefully(server: Server, deadlineMs: number): Promise<{ cutOff: number }> {
  // Answers not yet begun say Connection: close; those already begun close once sent (the sweep).
  for (const res of inFlight.get(server) ?? []) if (!res.headersSent) res.setHeader("Connection", "close");
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    closed.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), deadlineMs);
    }),
  ]);
  clearInterval(sweep);
  clearTimeout(timer);
  if (!timedOut) return { cutOff: 0 };
  const cutOff = await new Promise<number>((resolve) => server.getConnections((_, count) => resolve(count)));
  server.closeAllConnections();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  return { cutOff };
}

/** Listens on host:port; resolves once listening. */
export function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
