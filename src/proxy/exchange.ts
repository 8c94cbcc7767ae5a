// One exchange: an HTTP request and its response, or a WebSocket upgrade and its session. It holds what the
// exchange needs until it ends, releases its upstream once, and reports it once (observer + access log).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "../log.ts";
import { watchBodyIdle } from "./body-timeout.ts";
import { hasRequestBody } from "./forward.ts";
import { countHttp2Body, type BodyCount } from "./http2-bytes.ts";
import { sendPage, sendSocketPage } from "./pages.ts";
import type { PreparedRoute } from "./prepared.ts";
import type { ExchangeObserver, ExchangeRecord, UpstreamErrorKind } from "./record.ts";
import type { Upstream } from "./upstream.ts";

export interface ExchangeContext {
  log: Logger;
  accessLog: boolean;
  observer: ExchangeObserver | undefined;
  /** Milliseconds a request body may go without a byte (limits.bodyTimeout); 0 or absent: no limit. */
  bodyTimeout?: number;
}

const kExchange = Symbol("zoo.exchange");
/** A client has no reason to send frames before its upgrade is answered: a little is kept, more ends it. */
const MAX_EARLY_BYTES = 64 * 1024;
type WithExchange = IncomingMessage & { [kExchange]?: Exchange };

/** The exchange a request belongs to: the upstream client's events carry only the request. */
export function exchangeOf(req: IncomingMessage): Exchange | undefined {
  return (req as WithExchange)[kExchange];
}

abstract class BaseExchange {
  route: PreparedRoute | undefined = undefined;
  readonly method: string;
  /** The request target as the client sent it. */
  readonly url: string;
  readonly started = performance.now();
  /** The instance serving this exchange; released exactly once, by stopUpstreamWork or a retry. */
  upstream: Upstream | undefined = undefined;
  /** Aborts the wait for a ready instance while the request is held. */
  #hold: AbortController | undefined = undefined;
  #heldSince = 0;
  heldMs: number | undefined = undefined;
  /** The request to the upstream, once made (Node's ClientRequest or zoo's undici handler): destroy() aborts it. */
  upstreamRequest: { destroy(): void } | undefined = undefined;
  /** The request came with a body (from its head, before zoo removed framing headers): never sent twice. */
  readonly hasBody: boolean;
  /**
   * A plain request to an app goes on undici (chosen when its headers are rewritten, since undici frames the body
   * itself); false for Node's client via http-proxy-3, and after undici refused the app's answer (an unasked
   * 100 Continue), so that the attempt again goes through Node's client.
   */
  onUndici = false;
  /** Fires when the upstream's response head is late. */
  timer: NodeJS.Timeout | undefined = undefined;
  timedOut = false;
  /** The app's response, once its head has arrived. */
  upstreamResponse: IncomingMessage | undefined = undefined;
  /** Attempts made again after the app refused or reset the connection before answering. */
  retries = 0;
  headersAt: number | undefined = undefined;
  upstreamError: UpstreamErrorKind | undefined = undefined;
  bytesIn = 0;
  #begun = false;
  #ended = false;

  readonly req: IncomingMessage;
  readonly requestId: string;
  protected readonly context: ExchangeContext;

  constructor(req: IncomingMessage, requestId: string, context: ExchangeContext) {
    this.req = req;
    this.requestId = requestId;
    this.context = context;
    this.method = req.method ?? "";
    this.url = req.url ?? "";
    this.hasBody = hasRequestBody(req);
    (req as WithExchange)[kExchange] = this as unknown as Exchange;
  }

  /** Tells the observer the exchange has started, once its route is known (or known to be none). */
  begin(): void {
    if (this.#begun) return;
    this.#begun = true;
    const route = this.route;
    this.context.observer?.start(route?.kind === "app" ? { route: route.prefix, app: route.app } : { route: route?.prefix ?? "-" });
  }

  /** The response head is being written now. */
  markHeaders(): void {
    this.headersAt ??= performance.now();
  }

  /** The request waits for a ready instance: the signal ends the wait when the exchange ends first. */
  startHold(): AbortSignal {
    this.#hold = new AbortController();
    this.#heldSince = performance.now();
    this.watchWhileHeld();
    return this.#hold.signal;
  }

  /** The wait is over (or abandoned): its time counts in heldMs, once. */
  endHold(): void {
    if (this.#hold === undefined) return;
    this.#hold = undefined;
    this.heldMs = (this.heldMs ?? 0) + (performance.now() - this.#heldSince);
  }

  abstract watchWhileHeld(): void;

  /** Stops everything done for the exchange upstream: the timeout, a hold, the reserved instance. */
  stopUpstreamWork(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.#hold?.abort();
    this.endHold();
    this.releaseUpstream();
  }

  releaseUpstream(): void {
    const upstream = this.upstream;
    this.upstream = undefined;
    upstream?.release();
  }

  /** The one place an exchange is reported: the observer and the access log read the same record. */
  protected report(status: number, bytesOut: number, websocket: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.begin();
    const { observer, accessLog, log } = this.context;
    if (observer === undefined && !accessLog) return;
    const now = performance.now();
    const route = this.route;
    const record: ExchangeRecord = {
      method: this.method,
      path: this.url,
      route: route?.prefix ?? "-",
      app: route?.kind === "app" ? route.app : undefined,
      status,
      bytesIn: this.bytesIn,
      bytesOut,
      durationMs: now - this.started,
      headersMs: this.headersAt === undefined ? undefined : this.headersAt - this.started,
      upstreamError: this.upstreamError,
      heldMs: this.heldMs,
      requestId: this.requestId,
      websocket,
    };
    observer?.end(record);
    if (accessLog) {
      log.access({ method: record.method, path: record.path, route: record.route, status, bytes: bytesOut, durationMs: record.durationMs, requestId: record.requestId });
    }
  }
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

  get bodyTimeout(): number {
    return this.context.bodyTimeout ?? 0;
  }

  /** Node's server keeps reading a held request's connection, and sees a client that leaves. */
  watchWhileHeld(): void {}

  /** zoo's own answer: a short page with the status and why. */
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
      this.upstreamRequest?.destroy();
    } else if (!req.complete) {
      // The app answered before the upload ended (an early 413, say). Node's server no longer watches this request:
      // end the app's side of it, and read the rest of the upload away so the client's connection can go on.
      req.unpipe();
      this.upstreamRequest?.destroy();
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
  if (exchange) exchange.bytesIn += chunk.length;
}

function onResponseClose(this: ServerResponse): void {
  const exchange = exchangeOf(this.req);
  if (exchange?.websocket === false) exchange.finish();
}

export class WebSocketExchange extends BaseExchange {
  readonly websocket = true;
  /** The status written on the socket (101 once upgraded); none means the client left first (499). */
  status: number | undefined = undefined;
  readonly #bytesReadBefore: number;

  readonly socket: Duplex;
  /** What the client sent after the upgrade request's head, before the upgrade event. */
  readonly #head: Buffer;
  /** What the client sent while held, for the upstream. */
  #early: Buffer[] | undefined = undefined;
  #earlyBytes = 0;

  constructor(req: IncomingMessage, socket: Duplex, head: Buffer, requestId: string, context: ExchangeContext) {
    super(req, requestId, context);
    this.socket = socket;
    this.#head = head;
    this.#bytesReadBefore = (socket as Socket).bytesRead - head.length;
  }

  get clientGone(): boolean {
    return this.socket.destroyed;
  }

  /**
   * The upgraded socket is no longer read by Node's server: read it while the upgrade is held, so that a client that
   * leaves is seen (and stops the hold). What it sends meanwhile is kept for the upstream, up to a bound.
   */
  watchWhileHeld(): void {
    if (this.#early !== undefined) return;
    this.#early = [];
    this.socket.on("data", this.#keepEarly);
    this.socket.once("end", this.#clientEnded);
  }

  /** What goes to the upstream after the handshake: the head, and whatever arrived while held. */
  takeHead(): Buffer {
    const early = this.#early;
    if (early === undefined) return this.#head;
    this.#early = undefined;
    this.socket.off("data", this.#keepEarly);
    this.socket.off("end", this.#clientEnded);
    this.socket.pause();
    return early.length === 0 ? this.#head : Buffer.concat([this.#head, ...early]);
  }

  readonly #keepEarly = (chunk: Buffer): void => {
    this.#earlyBytes += chunk.length;
    if (this.#earlyBytes > MAX_EARLY_BYTES) return void this.socket.destroy();
    this.#early?.push(chunk);
  };

  readonly #clientEnded = (): void => {
    this.socket.destroy();
  };

  /** zoo's own answer, written raw on the socket, which is then closed. */
  answer(status: number, detail: string, headers?: Record<string, string>): void {
    this.status = status;
    this.markHeaders();
    sendSocketPage(this.socket, status, detail, { "X-Request-Id": this.requestId, ...headers });
  }

  /** Once, when the socket has closed: release and report. */
  finish(): void {
    this.stopUpstreamWork();
    const socket = this.socket as Socket;
    this.bytesIn = Math.max(0, (socket.bytesRead ?? 0) - this.#bytesReadBefore);
    this.report(this.status ?? 499, socket.bytesWritten ?? 0, true);
  }
}

export type Exchange = HttpExchange | WebSocketExchange;

/** Static files: send is about to write the head. */
export function markHeadersOf(res: ServerResponse): void {
  exchangeOf(res.req)?.markHeaders();
}
