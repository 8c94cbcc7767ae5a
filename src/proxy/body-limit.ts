// maxBodySize: a request whose Content-Length is over the limit gets 413 before any byte goes upstream; a body that
// says no length (chunked, HTTP/2) is counted as it is forwarded, and the one that crosses the limit is cut there: the
// upstream request is aborted and the client gets 413 if nothing was answered yet.
import type { IncomingMessage } from "node:http";
import type { ServerHttp2Stream } from "node:http2";
import { http2Module } from "../builtins.ts";
import { exchangeOf, type HttpExchange } from "./exchange.ts";

const kLimit = Symbol("zoo.bodyLimit");
type Limited = IncomingMessage & { [kLimit]?: { limit: number; seen: number } };

/** True (and 413 answered) when the request's Content-Length is over `limit`. */
export function refuseDeclaredBody(exchange: HttpExchange, limit: number, label: string): boolean {
  const declared = exchange.req.headers["content-length"];
  if (declared === undefined || Number(declared) <= limit) return false;
  tooLarge(exchange, limit, label);
  return true;
}

/**
 * Counts the body as it is read; called in the tick the upstream client pipes it (a held request is not read before),
 * and ahead of that pipe, so the chunk that crosses the limit finds the upstream request already aborted.
 */
export function limitBody(exchange: HttpExchange, limit: number): void {
  if (!exchange.hasBody) return;
  const req = exchange.req as Limited;
  req[kLimit] = { limit, seen: 0 };
  req.prependListener("data", countBody);
}

function countBody(this: Limited, chunk: Buffer): void {
  const state = this[kLimit]!;
  state.seen += chunk.length;
  if (state.seen <= state.limit) return;
  this.off("data", countBody);
  const exchange = exchangeOf(this);
  if (exchange === undefined || exchange.websocket) return;
  // The answer first: the aborted upstream request then fails with nothing left to answer.
  tooLarge(exchange, state.limit, exchange.route?.label ?? "route");
  exchange.abortUpstream();
  this.unpipe();
}

/**
 * 413, and the rest of the upload is not read: HTTP/1.1 closes the connection after the answer; HTTP/2 resets the
 * stream with NO_ERROR once the answer is sent, which tells the client to stop sending (RFC 9113 §8.1).
 */
function tooLarge(exchange: HttpExchange, limit: number, label: string): void {
  const { req, res } = exchange;
  const http1 = req.httpVersionMajor === 1;
  exchange.answer(413, `${label}: the request body is larger than maxBodySize (${limit} bytes)`, http1 ? { Connection: "close" } : {});
  if (http1) return;
  const stream = (req as unknown as { stream: ServerHttp2Stream }).stream;
  const reset = () => stream.close(http2Module().constants.NGHTTP2_NO_ERROR);
  if (stream.writableFinished) reset();
  else stream.once("finish", reset);
}
