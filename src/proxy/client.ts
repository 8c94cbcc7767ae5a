// The upstream client: picks the transport for an exchange (undici for plain requests to apps, http-proxy-3 for the
// rest: transport.ts), arms the upstream timeout, builds destinations, and decides what a request that got no
// answer means, whichever transport saw it: nothing (the client left), another attempt, or 502/504.
import type { Socket } from "node:net";
import type { Logger } from "../log.ts";
import type { Exchange, HttpExchange, WebSocketExchange } from "./exchange.ts";
import { NodeTransport } from "./node-transport.ts";
import type { AppRoute } from "./prepared.ts";
import { cutResponse } from "./relay.ts";
import type { Destination, Transport, UpstreamError } from "./transport.ts";
import { UndiciTransport } from "./undici-transport.ts";
import { classifyFailure, errorKind, isRetryable, isUnaskedContinue } from "./upstream-failure.ts";

export { loadAppClient } from "./undici-transport.ts";

// Below Node's (5 s) and uvicorn's (5 s) keep-alive timeouts, so zoo drops an idle pooled
// connection before the app does, instead of reusing one the app is closing.
export const POOL_IDLE_MS = 4000;

export interface UpstreamClientOptions {
  /** Milliseconds to wait for an upstream's response head before 504 (a reload may change it). */
  upstreamTimeout: number;
  log: Logger;
  /** Sends an app request again after the app refused or reset it before answering (admission picks the instance). */
  retry(exchange: HttpExchange, route: AppRoute): void;
}

export class UpstreamClient {
  readonly #options: UpstreamClientOptions;
  readonly #node: NodeTransport;
  readonly #undici: UndiciTransport;
  /** Per app: the last upstream address and the destination built for it. */
  readonly #appDestinations = new Map<string, { host: string; port: number; destination: Destination }>();

  constructor(options: UpstreamClientOptions) {
    this.#options = { ...options };
    const failed = (exchange: Exchange, error: UpstreamError) => this.#failed(exchange, error);
    this.#node = new NodeTransport({ failed, poolIdleMs: POOL_IDLE_MS });
    this.#undici = new UndiciTransport({ failed, log: options.log, poolIdleMs: POOL_IDLE_MS });
  }

  /** An outside origin: always on Node's client. */
  originDestination(origin: URL): Destination {
    return { options: this.#node.originOptions(origin) };
  }

  /** An app's instance: the app sees the client's Host. */
  appDestination(app: string, address: { host: string; port: number }): Destination {
    const cached = this.#appDestinations.get(app);
    if (cached && cached.host === address.host && cached.port === address.port) return cached.destination;
    const host = address.host.includes(":") ? `[${address.host}]` : address.host;
    const destination: Destination = { options: this.#node.appOptions(address.host, address.port), origin: `http://${host}:${address.port}` };
    this.#appDestinations.set(app, { host: address.host, port: address.port, destination });
    return destination;
  }

  /** Sends the admitted (already rewritten) request or upgrade; its answer or failure reaches the client. */
  forward(exchange: Exchange, destination: Destination): void {
    exchange.armTimeout(this.#options.upstreamTimeout);
    this.#transportFor(exchange, destination).send(exchange, destination);
  }

  /** undici for a plain request to an app once it has loaded, unless it refused this one's answer before. */
  #transportFor(exchange: Exchange, destination: Destination): Transport {
    if (exchange.websocket || destination.origin === undefined || exchange.nodeClientOnly) return this.#node;
    return this.#undici.ready() ? this.#undici : this.#node;
  }

  /** A reload's new upstreamTimeout, for requests sent from now on. */
  set upstreamTimeout(ms: number) {
    this.#options.upstreamTimeout = ms;
  }

  close(): void {
    this.#node.close();
    this.#undici.close();
  }

  #failed(exchange: Exchange, error: UpstreamError): void {
    exchange.disarmTimeout();
    if (exchange.websocket) return this.#socketFailed(exchange, error);
    const res = exchange.res;
    // The client is gone: nothing to answer (the access log records 499). Or zoo has answered already (408, 413).
    if (res.destroyed || exchange.req.socket?.destroyed || res.writableEnded) return;
    const route = exchange.route;
    if (route?.kind === "app" && !exchange.timedOut && !res.headersSent) {
      if (isUnaskedContinue(error) && !exchange.hasBody) exchange.useNodeClient();
      if (isRetryable(error, exchange.method, exchange.hasBody, exchange.retries)) return this.#options.retry(exchange, route);
    }
    this.#answerFailure(exchange, error);
  }

  #socketFailed(exchange: WebSocketExchange, error: UpstreamError): void {
    const socket = exchange.socket as Socket;
    // Before the 101 nothing was written to the client and an HTTP answer still fits.
    if (socket.bytesWritten === 0 && !socket.destroyed) return this.#answerFailure(exchange, error);
    cutResponse(exchange, errorKind(error));
  }

  #answerFailure(exchange: Exchange, error: UpstreamError): void {
    const { status, detail, kind } = classifyFailure(error, exchange.timedOut, this.#options.upstreamTimeout);
    const label = exchange.route?.label ?? "upstream";
    exchange.failUpstream(kind);
    this.#options.log.zoo("warn", `${exchange.method} ${exchange.url}: ${label}: ${detail}`, { status });
    exchange.answer(status, `${label}: ${detail}`);
  }
}
