// What every exchange (an HTTP request or a WebSocket upgrade) holds until it ends, and the only ways it changes:
// a route, a reserved instance, a hold, the request to the upstream and its timeout, the first upstream failure.
// It releases its instance once and reports once (observer + access log).
import type { IncomingMessage } from "node:http";
import type { Logger } from "../log.ts";
import { hasRequestBody } from "./upstream-request.ts";
import type { InstanceLease } from "./instances.ts";
import type { PreparedRoute } from "./prepared.ts";
import type { ExchangeObserver, ExchangeRecord, UpstreamErrorKind } from "./record.ts";

export interface ExchangeContext {
  log: Logger;
  accessLog: boolean;
  observer: ExchangeObserver | undefined;
  /** Milliseconds a request body may go without a byte (limits.bodyTimeout); 0 or absent: no limit. */
  bodyTimeout?: number;
}

/** The request to the upstream, once made (Node's ClientRequest or zoo's undici handler): destroy() aborts it. */
export interface UpstreamRequest {
  destroy(): void;
}

/** Where an exchange is kept on its request: the upstream client's events carry only the request. */
export const kExchange = Symbol("zoo.exchange");

export abstract class BaseExchange {
  readonly method: string;
  /** The request target as the client sent it. */
  readonly url: string;
  readonly started = performance.now();
  /** The request came with a body (from its head, before zoo removed framing headers): never sent twice. */
  readonly hasBody: boolean;
  readonly req: IncomingMessage;
  readonly requestId: string;
  protected readonly context: ExchangeContext;
  protected bytesIn = 0;

  #route: PreparedRoute | undefined = undefined;
  /** The instance serving this exchange; released exactly once, by stopUpstreamWork or a retry. */
  #instance: InstanceLease | undefined = undefined;
  /** Aborts the wait for a ready instance while the request is held. */
  #hold: AbortController | undefined = undefined;
  #heldSince = 0;
  #heldMs: number | undefined = undefined;
  #upstreamRequest: UpstreamRequest | undefined = undefined;
  /** Fires when the upstream's response head is late. */
  #timer: NodeJS.Timeout | undefined = undefined;
  #timedOut = false;
  #retries = 0;
  /** undici refused the app's answer (an unasked 100 Continue): the next attempt goes through Node's client. */
  #nodeClientOnly = false;
  #headersAt: number | undefined = undefined;
  #upstreamError: UpstreamErrorKind | undefined = undefined;
  #begun = false;
  #ended = false;

  constructor(req: IncomingMessage, requestId: string, context: ExchangeContext) {
    this.req = req;
    this.requestId = requestId;
    this.context = context;
    this.method = req.method ?? "";
    this.url = req.url ?? "";
    this.hasBody = hasRequestBody(req);
    (req as IncomingMessage & { [kExchange]?: BaseExchange })[kExchange] = this;
  }

  abstract readonly websocket: boolean;
  abstract get clientGone(): boolean;
  /** zoo's own answer: a short page with the status and why. */
  abstract answer(status: number, detail: string, headers?: Record<string, string>): void;
  abstract watchWhileHeld(): void;

  get route(): PreparedRoute | undefined {
    return this.#route;
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** Attempts made again after the app refused or reset the connection before answering. */
  get retries(): number {
    return this.#retries;
  }

  get nodeClientOnly(): boolean {
    return this.#nodeClientOnly;
  }

  /** Tells the observer the exchange has started, once, with its route (none: no route matched, or not yet). */
  begin(route?: PreparedRoute): void {
    if (route !== undefined) this.#route = route;
    if (this.#begun) return;
    this.#begun = true;
    const known = this.#route;
    this.context.observer?.start(known?.kind === "app" ? { route: known.prefix, app: known.app } : { route: known?.prefix ?? "-" });
  }

  /** The response head is being written now. */
  markHeaders(): void {
    this.#headersAt ??= performance.now();
  }

  /** The first upstream failure that decided the answer or cut the response; later ones do not overwrite it. */
  failUpstream(kind: UpstreamErrorKind): void {
    this.#upstreamError ??= kind;
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
    this.#heldMs = (this.#heldMs ?? 0) + (performance.now() - this.#heldSince);
  }

  /** The instance this exchange goes to, until it ends or is retried. */
  useInstance(instance: InstanceLease): void {
    this.#instance = instance;
  }

  /** The upstream answers within `ms` or the request to it is aborted (and the failure answered 504). */
  armTimeout(ms: number): void {
    this.disarmTimeout();
    this.#timer = setTimeout(BaseExchange.#onTimeout, ms, this);
  }

  /** The one place the upstream timeout stops: an answer's head came, or the upstream failed. */
  disarmTimeout(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  static #onTimeout(exchange: BaseExchange): void {
    exchange.#timer = undefined;
    exchange.#timedOut = true;
    // Either transport reports the destroyed request as a failure, which timedOut turns into 504.
    exchange.#upstreamRequest?.destroy();
  }

  /** The request now on its way to the upstream: aborted by the timeout, a cancel, an early answer. */
  attachUpstreamRequest(request: UpstreamRequest): void {
    this.#upstreamRequest = request;
  }

  /** Aborts the request to the upstream, if one was made. */
  abortUpstream(): void {
    this.#upstreamRequest?.destroy();
  }

  /** undici refused the app's answer: the next attempt goes through Node's client. */
  useNodeClient(): void {
    this.#nodeClientOnly = true;
  }

  /** Another attempt: the instance goes back, the failed request is forgotten; the attempt's number. */
  startRetry(): number {
    this.releaseInstance();
    this.#upstreamRequest = undefined;
    return ++this.#retries;
  }

  /** Stops everything done for the exchange upstream: the timeout, a hold, the reserved instance. */
  stopUpstreamWork(): void {
    this.disarmTimeout();
    this.#hold?.abort();
    this.endHold();
    this.releaseInstance();
  }

  releaseInstance(): void {
    const instance = this.#instance;
    this.#instance = undefined;
    instance?.release();
  }

  /** The one place an exchange is reported: the observer and the access log read the same record. */
  protected report(status: number, bytesOut: number, websocket: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.begin();
    const { observer, accessLog, log } = this.context;
    if (observer === undefined && !accessLog) return;
    const now = performance.now();
    const route = this.#route;
    const record: ExchangeRecord = {
      method: this.method,
      path: this.url,
      route: route?.prefix ?? "-",
      app: route?.kind === "app" ? route.app : undefined,
      status,
      bytesIn: this.bytesIn,
      bytesOut,
      durationMs: now - this.started,
      headersMs: this.#headersAt === undefined ? undefined : this.#headersAt - this.started,
      upstreamError: this.#upstreamError,
      heldMs: this.#heldMs,
      requestId: this.requestId,
      websocket,
    };
    observer?.end(record);
    if (accessLog) {
      log.access({ method: record.method, path: record.path, route: record.route, status, bytes: bytesOut, durationMs: record.durationMs, requestId: record.requestId });
    }
  }
}
