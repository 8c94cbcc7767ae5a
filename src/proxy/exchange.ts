// An HTTP request and its response as one exchange (the state every exchange shares, and the only ways it
// changes, are in exchange-base.ts; a WebSocket's in websocket-exchange.ts): answered by zoo or relayed, finished
// once when the response is done or the client is gone.
import type { IncomingMessage, ServerResponse } from "node:http";
import { watchBodyIdle } from "./body-timeout.ts";
import { BaseExchange, kExchange, type ExchangeContext } from "./exchange-base.ts";
import { countHttp2Body, type BodyCount } from "./http2-bytes.ts";
import { sendPage } from "./pages.ts";
import type { WebSocketExchange } from "./websocket-exchange.ts";

export type { ExchangeContext } from "./exchange-base.ts";
export { WebSocketExchange } from "./websocket-exchange.ts";

type WithExchange = IncomingMessage & { [kExchange]?: Exchange };

/** The exchange a request belongs to: the upstream client's events carry only the request. */
export function exchangeOf(req: IncomingMessage): Exchange | undefined {
  return (req as WithExchange)[kExchange];
}

export class HttpExchange extends BaseExchange {
  readonly websocket = false;
  /** The connection's bytes written before this response (keep-alive connections carry several). */
  readonly #bytesBefore: number = 0;
  /** HTTP/2: the response body's bytes (its connection is shared with other streams). */
  readonly #http2Body: BodyCount | undefined = undefined;

  readonly res: ServerResponse;

  constructor(req: IncomingMessage, res: ServerResponse, requestId: string, context: ExchangeContext) {
    super(req, requestId, context);
    this.res = res;
    if (req.httpVersionMajor === 2) this.#http2Body = countHttp2Body(res);
    else this.#bytesBefore = req.socket.bytesWritten;
    res.on("close", onResponseClose);
  }

  get clientGone(): boolean {
    return this.res.destroyed;
  }

  countBytesIn(bytes: number): void {
    this.bytesIn += bytes;
  }

  get bodyTimeout(): number {
    return this.context.bodyTimeout ?? 0;
  }

  /** Node's server keeps reading a held request's connection, and sees a client that leaves. */
  watchWhileHeld(): void {}

  answer(status: number, detail: string, headers?: Record<string, string>): void {
    this.markHeaders();
    sendPage(this.res, status, detail, { "X-Request-Id": this.requestId, ...headers });
  }

  /**
   * The client cancelled: it closed the connection, or reset the HTTP/2 stream. A reset stream's response counts as
   * finished in Node (its writable side is ended), so the request's aborted flag tells.
   */
  get cancelled(): boolean {
    return !this.res.writableFinished || (this.#http2Body !== undefined && (this.req as unknown as { aborted: boolean }).aborted);
  }

  /** Once, when the response is done or the client is gone: release and report. */
  finish(): void {
    const { req, res } = this;
    this.stopUpstreamWork();
    const cancelled = this.cancelled;
    if (cancelled) {
      // The client left: the request to the app goes too.
      this.abortUpstream();
    } else if (!req.complete) {
      // The app answered before the upload ended (an early 413, say). Node's server no longer watches this request:
      // end the app's side of it, and read the rest of the upload away so the client's connection can go on.
      req.unpipe();
      this.abortUpstream();
      req.resume();
    }
    if (res.headersSent) this.markHeaders();
    const bytesOut = this.#http2Body ? this.#http2Body.bytes : req.socket.bytesWritten - this.#bytesBefore;
    this.report(cancelled ? 499 : res.statusCode, bytesOut, false);
  }
}

/** Adds a request body's bytes to bytesIn as they are read (only requests with a body pay for the listener). */
export function countRequestBytes(exchange: HttpExchange): void {
  if (!exchange.hasBody) return;
  exchange.req.on("data", onRequestBytes);
  watchBodyIdle(exchange, exchange.bodyTimeout);
}

function onRequestBytes(this: IncomingMessage, chunk: Buffer): void {
  const exchange = exchangeOf(this);
  if (exchange?.websocket === false) exchange.countBytesIn(chunk.length);
}

function onResponseClose(this: ServerResponse): void {
  const exchange = exchangeOf(this.req);
  if (exchange?.websocket === false) exchange.finish();
}

export type Exchange = HttpExchange | WebSocketExchange;

/** Static files: send is about to write the head. */
export function markHeadersOf(res: ServerResponse): void {
  exchangeOf(res.req)?.markHeaders();
}
