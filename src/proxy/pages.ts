// zoo's own short responses: a status and one line that names the route and what it leads to.
import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { http } from "../builtins.ts";

function noop() {}

/** The status's reason phrase, and the page's one line: "502 Bad Gateway: route /node → app node: …". */
function page(status: number, detail: string): { reason: string; body: string } {
  const reason = http.STATUS_CODES[status] ?? "";
  return { reason, body: `${status} ${reason}: ${detail}\n` };
}

/** Writes a small text/plain response, unless a response has already begun or the client is gone. */
export function sendPage(res: ServerResponse, status: number, detail: string, headers?: Record<string, string>): void {
  if (res.headersSent || res.destroyed) {
    // Too late for a status: the only honest signal left is to cut the connection.
    if (!res.writableEnded) res.destroy();
    return;
  }
  const { reason, body } = page(status, detail);
  // The reason is passed explicitly: a writeHead that threw (an app's status line with a control character) leaves
  // its statusMessage on the response, and Node would otherwise reuse it and throw again, out of any handler.
  const head = { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body), "cache-control": "no-store", ...headers };
  // HTTP/2 has no reason phrase (Node warns when given one).
  if (res.req.httpVersionMajor === 2) res.writeHead(status, head);
  else res.writeHead(status, reason, head);
  res.end(res.req.method === "HEAD" ? undefined : body);
}

/**
 * How long a socket answered by sendSocketPage may stay open for a client that never closes its side. Such a socket
 * is detached from the HTTP server, so none of the server's timeouts apply to it.
 */
const SOCKET_PAGE_LINGER_MS = 2000;

/** The same page written raw on a socket that asked for an upgrade (or a CONNECT), then closed. */
export function sendSocketPage(socket: Duplex, status: number, detail: string, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  socket.on("error", noop); // a client reset while the page goes out is no fault of zoo's
  const { reason, body } = page(status, detail);
  const lines = [`HTTP/1.1 ${status} ${reason}`, "Content-Type: text/plain; charset=utf-8", `Content-Length: ${Buffer.byteLength(body)}`, "Connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.end(lines.join("\r\n") + "\r\n\r\n" + body);
  // Read and drop what the client still sends, so its FIN is seen (closing the socket) and unread bytes cannot turn
  // the close into a reset that eats the answer; a client that never closes is cut after a grace period.
  socket.resume();
  (socket as Socket).setTimeout?.(SOCKET_PAGE_LINGER_MS, () => socket.destroy());
}
