/**
 * HTTP as an attacker speaks it, over a bare socket: the headers, then a body sent in chunks that
 * stops the moment the server answers (or closes), optionally held back after its first bytes,
 * so that one can see whether the server answered before it had the body and whether it then
 * closed the connection. Used by the attack scripts and the security tests.
 */
import { connect } from "node:net";

export interface RawExchange {
  /** The answer's status, or undefined when none came. */
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** Body bytes written before the first byte of the answer arrived (all of them if it came after). */
  sentBeforeAnswer: number;
  /** Body bytes written in all. */
  sent: number;
  /** The body's full length, as the request declared it or would have sent it. */
  bodyBytes: number;
  /** The server closed the connection (FIN or reset) within `closeWithinMs` of its answer. */
  closedByServer: boolean;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers: Record<string, string>;
  /** The body: `head`, then `fillerBytes` bytes of "A", then `tail`… */
  head?: Buffer;
  fillerBytes?: number;
  tail?: Buffer;
  /** …or these pieces in turn after `head`: bytes as given, or a number of bytes of "A". */
  pieces?: Array<Buffer | number>;
  /** Sent as Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
  /** After the headers and `head`, wait this long for an answer before sending the rest… */
  holdMs?: number;
  /** …or run this meanwhile (the rest is sent once it resolves, unless an answer came). */
  whileHeld?: () => Promise<void>;
  /** After the answer, wait at most this long for the server to close the connection. */
  closeWithinMs?: number;
  /** Give up waiting for an answer after this long (once all was sent). */
  answerWithinMs?: number;
  chunkBytes?: number;
}

export async function rawRequest(base: string, request: RawRequest): Promise<RawExchange> {
  const url = new URL(base);
  const head = request.head ?? Buffer.alloc(0);
  const tail = request.tail ?? Buffer.alloc(0);
  const pieces: Array<Buffer | number> = request.pieces ?? [request.fillerBytes ?? 0, tail];
  const bodyBytes = head.length + pieces.reduce<number>((sum, piece) => sum + (typeof piece === "number" ? piece : piece.length), 0);
  const chunkBytes = request.chunkBytes ?? 64 * 1024;
  const socket = connect(Number(url.port), url.hostname);
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });

  const received: Buffer[] = [];
  let sent = 0;
  let sentBeforeAnswer: number | undefined;
  let closed = false;
  let wake: () => void = () => {};
  const changed = () => wake();
  socket.on("data", (chunk: Buffer) => {
    if (sentBeforeAnswer === undefined) sentBeforeAnswer = sent;
    received.push(chunk);
    changed();
  });
  const onClosed = () => {
    closed = true;
    changed();
  };
  socket.on("end", onClosed);
  socket.on("close", onClosed);
  socket.on("error", onClosed);
  /** Waits until `done()` holds or `ms` pass. */
  const until = (done: () => boolean, ms: number) =>
    new Promise<void>((resolve) => {
      if (done()) return resolve();
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        wake = () => {};
        resolve();
      }
      wake = () => {
        if (done()) finish();
      };
    });
  const answered = () => sentBeforeAnswer !== undefined;
  const write = async (bytes: Buffer) => {
    if (closed || answered()) return;
    const framed = request.chunked ? Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from("\r\n")]) : bytes;
    const flushed = socket.write(framed, () => changed());
    sent += bytes.length;
    if (!flushed) {
      let drained = false;
      socket.once("drain", () => {
        drained = true;
        changed();
      });
      await until(() => drained || closed || answered(), 60_000);
    }
  };

  const headers = { Host: url.host, Connection: "keep-alive", ...request.headers } as Record<string, string>;
  if (request.chunked) headers["Transfer-Encoding"] = "chunked";
  else if (headers["Content-Length"] === undefined) headers["Content-Length"] = String(bodyBytes);
  const lines = [`${request.method ?? "POST"} ${request.path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  if (head.length > 0) await write(head);
  if (request.holdMs) await until(() => answered() || closed, request.holdMs);
  if (request.whileHeld) await request.whileHeld();
  for (const piece of pieces) {
    if (typeof piece !== "number") {
      if (piece.length > 0) await write(piece);
      continue;
    }
    for (let left = piece; left > 0 && !closed && !answered(); left -= chunkBytes) {
      await write(Buffer.alloc(Math.min(chunkBytes, left), 0x41));
    }
  }
  if (request.chunked && !closed && !answered()) socket.write("0\r\n\r\n");
  await until(() => answered() || closed, request.answerWithinMs ?? 30_000);
  // The whole answer: wait for the end of its headers and body (or the close).
  await until(() => closed || completeAnswer(Buffer.concat(received)), 5_000);
  // A server that means to close says so (Connection: close); only then is the close awaited.
  const closing = /\r\nconnection:\s*close\r\n/i.test(Buffer.concat(received).toString("latin1"));
  if (answered() && closing) await until(() => closed, request.closeWithinMs ?? 5_000);
  const closedByServer = closed;
  socket.destroy();
  const parsed = parseAnswer(Buffer.concat(received));
  return { ...parsed, sentBeforeAnswer: sentBeforeAnswer ?? sent, sent, bodyBytes, closedByServer };
}

function completeAnswer(bytes: Buffer): boolean {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(bytes.subarray(0, end).toString("latin1"))?.[1];
  return length === undefined || bytes.length >= end + 4 + Number(length);
}

function parseAnswer(bytes: Buffer): { status?: number; headers: Record<string, string>; body: string } {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return { headers: {}, body: "" };
  const [statusLine, ...headerLines] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body: bytes.subarray(end + 4).toString("utf8") };
}

export const BOUNDARY = "----attack0123456789";

/** A multipart body's pieces: its fields first, then one file part's head; the file's bytes follow, then `tail`. */
export function multipartPieces(fields: Array<[string, string]>, file: { field: string; name: string; type: string } | undefined, boundary = BOUNDARY) {
  const parts = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    head: Buffer.from(parts.join("") + (file ? fileHead(file, boundary) : "")),
    tail: Buffer.from(`${file ? "\r\n" : ""}--${boundary}--\r\n`),
  };
}

/** The head of a file part (its bytes follow, then "\r\n" and the next part). */
export function fileHead(file: { field: string; name: string; type: string }, boundary = BOUNDARY): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`;
}
