/**
 * The HTTP server the gateway listens with, and how long it waits for a client: for its headers,
 * for its whole request (body included), for its next request on a kept-alive connection, and
 * for any byte on an open socket. A client that trickles its headers or body, opens a socket and
 * says nothing, or stops reading its answer, is cut off; Node's own defaults would wait minutes.
 * A socket is not idle by its client's fault while the gateway works on a request it has whole
 * (a large CSV import is checked for many seconds): that wait is the gateway's, not the client's.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
import type { Socket } from "node:net";
import type { Timeouts } from "../config";

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
  server.on("request", (req: IncomingMessage, res) => {
    working.set(req.socket, req);
    res.once("close", () => {
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
