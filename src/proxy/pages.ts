// zoo's own short responses: a status and one line that names the route and what it leads to.
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { STATUS_CODES } from "node:http";

/** Writes a small text/plain response, unless a response has already begun or the client is gone. */
export function sendPage(res: ServerResponse, status: number, detail: string, headers?: Record<string, string>): void {
  if (res.headersSent || res.destroyed) {
    // Too late for a status: the only honest signal left is to cut the connection.
    if (!res.writableEnded) res.destroy();
    return;
  }
  const body = `${status} ${STATUS_CODES[status] ?? ""}: ${detail}\n`;
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

/** The same page written raw on a socket that asked for an upgrade, then closed. */
export function sendSocketPage(socket: Duplex, status: number, detail: string, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const body = `${status} ${STATUS_CODES[status] ?? ""}: ${detail}\n`;
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`, "Content-Type: text/plain; charset=utf-8", `Content-Length: ${Buffer.byteLength(body)}`, "Connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.end(lines.join("\r\n") + "\r\n\r\n" + body);
}
