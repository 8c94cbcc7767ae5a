// The one place an upstream's answer becomes the client's (Caddy's finalizeResponse / handleUpgradeResponse),
// whichever transport brought it: the timeout stops, the status line is written (no reason phrase on HTTP/2), the
// headers are rewritten (hop-by-hop out, X-Request-Id in; the route's header rules and compression run inside
// writeHead, response-head.ts), a head Node will not repeat becomes 502, and a body cut short cuts the client's.
import type { IncomingMessage } from "node:http";
import type { Exchange, HttpExchange, WebSocketExchange } from "./exchange.ts";
import { responseHeaders } from "./headers.ts";
import type { UpstreamErrorKind } from "./record.ts";

/**
 * Writes the upstream's response head to the client. False when the body must not follow: the client is gone or
 * already answered (408, 413), or the head was invalid (answered 502 here); the transport then stops the upstream.
 */
export function relayHead(exchange: HttpExchange, status: number, reason: string | undefined, rawHeaders: string[], connection: string | string[] | undefined): boolean {
  exchange.disarmTimeout();
  const { res, req } = exchange;
  if (res.headersSent || res.destroyed) return false;
  exchange.markHeaders();
  try {
    const headers = responseHeaders(rawHeaders, connection, exchange.requestId);
    // HTTP/2 has no reason phrase (Node warns when given one).
    if (req.httpVersionMajor === 2) res.writeHead(status, headers);
    else res.writeHead(status, reason, headers);
  } catch {
    // A head Node will not repeat (an odd status line or header): the app's fault, answered as one.
    refuseUpstreamAnswer(exchange, "invalid response head");
    return false;
  }
  return true;
}

/** An answer zoo cannot relay (an invalid head, a 101 nobody asked for): 502, as Go's ReverseProxy does. */
export function refuseUpstreamAnswer(exchange: HttpExchange, why: string): void {
  exchange.failUpstream("other");
  exchange.answer(502, `${exchange.route?.label ?? "upstream"}: ${why}`);
}

/** No body follows this head, whatever it says (RFC 9110 §6.4.1). */
export function hasNoBody(status: number, method: string): boolean {
  return status === 204 || status === 304 || method === "HEAD";
}

/**
 * The upstream ended before its body (or its WebSocket session) did: the client's side is cut too, so it cannot hang
 * or pass as complete. Counted as the upstream's failure unless the client had left first.
 */
export function cutResponse(exchange: Exchange, kind: UpstreamErrorKind): void {
  if (!exchange.clientGone) exchange.failUpstream(kind);
  if (exchange.websocket) exchange.socket.destroy();
  else exchange.res.destroy();
}

/**
 * The upstream's answer to a WebSocket handshake (101, or a plain response http-proxy-3 writes raw from these
 * headers after this call): its X-Request-Id is zoo's.
 */
export function relayUpgradeHead(exchange: WebSocketExchange, response: IncomingMessage, status: number): void {
  exchange.upstreamAnswered(status);
  delete response.headers["x-request-id"];
  response.headers["X-Request-Id"] = exchange.requestId;
}
