// limits.bodyTimeout: a request body that stops (no byte for that long) ends its request, as nginx's
// client_body_timeout does: 408 when no answer has begun, else the response is cut; the request to the app is
// aborted either way. Only the client's silence counts: while zoo itself is not reading (the app is slower than the
// client, or the request is still held for a starting app), the clock does not run.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerHttp2Stream } from "node:http2";
import { http2Module } from "../builtins.ts";

/** What the clock needs of an HTTP exchange (exchange.ts hands itself over). */
export interface WatchedExchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly clientGone: boolean;
  answer(status: number, detail: string, headers?: Record<string, string>): void;
  abortUpstream(): void;
}

/** Starts the clock once zoo reads the body (countRequestBytes); stops at its end or the exchange's. */
export function watchBodyIdle(exchange: WatchedExchange, timeoutMs: number): void {
  const req = exchange.req;
  if (timeoutMs <= 0 || req.complete) return;
  const timer = setTimeout(onIdle, timeoutMs);
  const refresh = () => void timer.refresh();
  const stop = () => {
    clearTimeout(timer);
    req.off("data", refresh);
  };
  req.on("data", refresh);
  req.once("end", stop);
  exchange.res.once("close", stop);

  function onIdle(): void {
    if (req.complete || exchange.clientGone) return;
    if (zooIsBehind(req)) return void timer.refresh();
    stop();
    const detail = `no byte of the request body for ${timeoutMs} ms (limits.bodyTimeout)`;
    if (exchange.res.headersSent) exchange.res.destroy();
    else if (req.httpVersionMajor === 2) {
      exchange.answer(408, detail);
      // Once the answer is out, the client is told to stop sending (RST_STREAM NO_ERROR, RFC 9113 §8.1).
      (req as unknown as { stream: ServerHttp2Stream }).stream.close(http2Module().constants.NGHTTP2_NO_ERROR);
    }
    // HTTP/1.1: the rest of the body will not be read, so the connection ends with this answer.
    else exchange.answer(408, detail, { connection: "close" });
    exchange.abortUpstream();
  }
}

/** zoo has stopped reading (backpressure from the app) or has bytes it has not passed on yet. */
function zooIsBehind(req: IncomingMessage): boolean {
  return req.readableFlowing === false || req.readableLength > 0;
}
