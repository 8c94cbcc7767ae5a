// The upstream client: picks the transport for an exchange (undici for plain requests to apps, http-proxy-3 for the
// rest: transport.ts), loads each on its first use, arms the upstream timeout, builds destinations, and decides what
// a request that got no answer means, whichever transport saw it: nothing (the client left), another attempt, or
// 502/504.
import type { Socket } from "node:net";
import type { Logger } from "../log.ts";
import type { Exchange, HttpExchange, WebSocketExchange } from "./exchange.ts";
import type { NodeTransport } from "./node-transport.ts";
import type { AppRoute } from "./prepared.ts";
import { cutResponse } from "./relay.ts";
import type { AppDestination, Destination } from "./destination.ts";
import type { Transport, UpstreamError } from "./transport.ts";
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
  /** http-proxy-3 (node-transport.ts), imported on first use: a zoo with no WebSocket and no outside origin never does. */
  #node: NodeTransport | undefined = undefined;
  #nodeLoading: Promise<unknown> | undefined = undefined;
  readonly #undici: UndiciTransport;
  readonly #onFailed = (exchange: Exchange, error: UpstreamError): void => this.#failed(exchange, error);
  /** Per app: the last upstream address and the destination built for it. */
  readonly #appDestinations = new Map<string, AppDestination>();

  constructor(options: UpstreamClientOptions) {
    this.#options = { ...options };
    this.#undici = new UndiciTransport({ failed: this.#onFailed, log: options.log, poolIdleMs: POOL_IDLE_MS });
  }

  /** An app's instance: the app sees the client's Host. */
  appDestination(app: string, address: { host: string; port: number }): Destination {
    const cached = this.#appDestinations.get(app);
    if (cached && cached.host === address.host && cached.port === address.port) return cached;
    const host = address.host.includes(":") ? `[${address.host}]` : address.host;
    const destination: AppDestination = { kind: "app", host: address.host, port: address.port, origin: `http://${host}:${address.port}` };
    this.#appDestinations.set(app, destination);
    return destination;
  }

  /** Sends the admitted (already rewritten) request or upgrade; its answer or failure reaches the client. */
  forward(exchange: Exchange, destination: Destination): void {
    const transport = this.#transportFor(exchange, destination);
    if (transport instanceof Promise) {
      // The first requests that need a transport not imported yet wait for that import, then go on as any other.
      transport.then(
        () => void (exchange.clientGone || this.forward(exchange, destination)),
        (error: UpstreamError) => this.#failed(exchange, error),
      );
      return;
    }
    exchange.armTimeout(this.#options.upstreamTimeout);
    transport.send(exchange, destination);
  }

  /** undici for a plain request to an app, unless it refused this one's answer before; or the import to wait for. */
  #transportFor(exchange: Exchange, destination: Destination): Transport | Promise<unknown> {
    if (destination.kind === "app" && !exchange.websocket && !exchange.nodeClientOnly && this.#undici.usable) {
      return this.#undici.ready() ? this.#undici : this.#undici.load();
    }
    return this.#node ?? this.#loadNode();
  }

  #loadNode(): Promise<unknown> {
    this.#nodeLoading ??= import("./node-transport.ts").then(({ NodeTransport }) => {
      this.#node = new NodeTransport({ failed: this.#onFailed, poolIdleMs: POOL_IDLE_MS });
    });
    return this.#nodeLoading;
  }

  /** A reload's new upstreamTimeout, for requests sent from now on. */
  set upstreamTimeout(ms: number) {
    this.#options.upstreamTimeout = ms;
  }

  close(): void {
    this.#node?.close();
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
