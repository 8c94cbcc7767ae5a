// The upstream clients: plain requests to apps go on undici's dispatcher (app-request.ts); http-proxy-3 with
// keep-alive agents carries WebSocket upgrades and requests to outside origins (and, with
// ZOO_APP_CLIENT=http-proxy-3, everything). The answer is relayed, and failures become zoo's answers
// (forward.ts decides what those are, whichever client saw them). Choosing the client touches this file only.
import http from "node:http";
import https from "node:https";
import type { ClientRequest, IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { ProxyServer as HttpProxy, type ServerOptions } from "http-proxy-3";
import type { Agent } from "undici";
import type { Logger } from "../log.ts";
import { AppRequest } from "./app-request.ts";
import { countRequestBytes, exchangeOf, type Exchange, type HttpExchange, type WebSocketExchange } from "./exchange.ts";
import { classifyFailure, errorKind, isRetryable, isUnaskedContinue } from "./forward.ts";
import { responseHeaders } from "./headers.ts";
import type { AppRoute, Destination } from "./prepared.ts";

/**
 * Which client carries plain requests to apps: undici (the default: about half the CPU of Node's client, see the
 * README's "Upstream clients") or http-proxy-3 (`ZOO_APP_CLIENT=http-proxy-3`).
 */
const APP_CLIENT_UNDICI = process.env.ZOO_APP_CLIENT !== "http-proxy-3";
let UndiciAgent: typeof Agent | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads undici's Agent, once. Loaded on the first request to an app, not at start: a zoo whose apps sleep or get no
 * traffic need not carry it (about 18 MB of RSS once it has carried requests, most of it undici's WebAssembly HTTP
 * parser). Its own module, not the package's entry point, which loads fetch, WebSocket and the rest as well (7 MB
 * more). Requests that come before it has loaded go through http-proxy-3. A dynamic import (not
 * createRequire(import.meta.url)) so that the single executable's bundle carries it.
 */
export function loadAppClient(): Promise<void> {
  if (!APP_CLIENT_UNDICI) return Promise.resolve();
  loading ??= import("undici/lib/dispatcher/agent.js").then((module) => void (UndiciAgent = module.default));
  return loading;
}

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

const kExchange = Symbol("zoo.exchange");
type Tagged<T> = T & { [kExchange]?: HttpExchange };

function noop() {}

export class UpstreamClient {
  readonly #options: UpstreamClientOptions;
  readonly #proxy: HttpProxy;
  readonly #agent = new http.Agent({ keepAlive: true, timeout: POOL_IDLE_MS, maxFreeSockets: 256 });
  readonly #tlsAgent = new https.Agent({ keepAlive: true, timeout: POOL_IDLE_MS, maxFreeSockets: 256 });
  #dispatcher: Agent | undefined = undefined;
  #loadAsked = false;
  readonly #appEvents = { failed: (exchange: HttpExchange, error: Error & { code?: string }) => this.#failed(exchange, error) };
  /** Per app: the last upstream address and the destination built for it. */
  readonly #appDestinations = new Map<string, { host: string; port: number; destination: Destination }>();

  constructor(options: UpstreamClientOptions) {
    this.#options = { ...options };
    this.#proxy = new HttpProxy({ toProxy: true, selfHandleResponse: true, xfwd: false });
    withoutDeleteLength(this.#proxy);
    // http-proxy-3 throws when an error has no listener; every call also passes onError.
    this.#proxy.on("error", this.#onError);
    this.#proxy.on("proxyReq", onProxyReq);
    this.#proxy.on("proxyRes", onProxyRes);
    this.#proxy.on("proxyReqWs", onProxyReqWs);
  }

  /** An outside origin: the origin sees its own host name (changeOrigin), and https.Agent derives SNI from it. */
  originDestination(origin: URL): Destination {
    const agent = origin.protocol === "https:" ? this.#tlsAgent : this.#agent;
    return { options: { target: origin, agent, changeOrigin: true, secure: true } };
  }

  /**
   * Picks the client for an exchange, before its headers are rewritten: undici for a plain request to an app once it
   * has loaded. True when that client frames the body itself (undici does): forward.ts then drops Transfer-Encoding.
   */
  chooseClient(exchange: Exchange, route: AppRoute | { kind: "proxy" }): boolean {
    if (exchange.websocket || route.kind !== "app") return false;
    exchange.onUndici = this.#appDispatcher() !== undefined;
    return exchange.onUndici;
  }

  /**
   * undici keeps one pool of keep-alive connections per app address, no pipelining. Its own timeouts are off: zoo's
   * upstreamTimeout is the one limit on a response head, and a quiet body (a long poll, an event stream) is no error.
   */
  #appDispatcher(): Agent | undefined {
    if (this.#dispatcher || !APP_CLIENT_UNDICI) return this.#dispatcher;
    if (UndiciAgent === undefined) {
      if (this.#loadAsked) return undefined;
      this.#loadAsked = true;
      // Never expected (it is a dependency, bundled into the binary): Node's client then carries everything.
      loadAppClient().catch((error: Error) => this.#options.log.zoo("warn", `undici did not load (${error.message}): http-proxy-3 carries every request`));
      return undefined;
    }
    // keepAliveMaxTimeout too: otherwise an app's `Keep-Alive: timeout=N` hint keeps idle connections (and fds) up to 10 min.
    this.#dispatcher = new UndiciAgent({ keepAliveTimeout: POOL_IDLE_MS, keepAliveMaxTimeout: POOL_IDLE_MS, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
    return this.#dispatcher;
  }

  /** An app's instance: the app sees the client's Host. */
  appDestination(app: string, address: { host: string; port: number }): Destination {
    const cached = this.#appDestinations.get(app);
    if (cached && cached.host === address.host && cached.port === address.port) return cached.destination;
    const options: ServerOptions = { target: { protocol: "http:", host: address.host, port: address.port }, agent: this.#agent, changeOrigin: false };
    const host = address.host.includes(":") ? `[${address.host}]` : address.host;
    const destination: Destination = { options, origin: `http://${host}:${address.port}` };
    this.#appDestinations.set(app, { host: address.host, port: address.port, destination });
    return destination;
  }

  /** Sends the admitted (already rewritten) request or upgrade; its answer or failure reaches the client. */
  forward(exchange: Exchange, destination: Destination): void {
    exchange.timer = setTimeout(onUpstreamTimeout, this.#options.upstreamTimeout, exchange);
    if (exchange.websocket) return this.#proxy.ws(exchange.req, exchange.socket, exchange.takeHead(), destination.options, this.#onError);
    if (exchange.onUndici && this.#dispatcher && destination.origin !== undefined) {
      const request = new AppRequest(exchange, this.#appEvents);
      exchange.upstreamRequest = request;
      this.#dispatcher.dispatch(request.options(destination.origin), request);
      return;
    }
    this.#proxy.web(exchange.req, exchange.res, destination.options, this.#onError);
  }

  /** A reload's new upstreamTimeout, for requests sent from now on. */
  set upstreamTimeout(ms: number) {
    this.#options.upstreamTimeout = ms;
  }

  close(): void {
    this.#agent.destroy();
    this.#tlsAgent.destroy();
    void this.#dispatcher?.destroy().catch(() => {});
  }

  readonly #onError = (error: Error & { code?: string }, req: IncomingMessage): void => {
    const exchange = exchangeOf(req);
    if (exchange === undefined) return;
    if (exchange.timer) clearTimeout(exchange.timer);
    exchange.timer = undefined;
    if (exchange.websocket) return this.#onSocketError(error, exchange);
    // The app sent a whole response, then bytes that are no response (a 204 with a body, say): Node has dropped
    // that connection to the app, and the client's complete response goes on (as nginx and Go do).
    if (exchange.upstreamResponse?.complete) return;
    this.#failed(exchange, error);
  };

  /** No answer from the upstream, on either client: nothing (the client left), another attempt, or 502/504. */
  #failed(exchange: HttpExchange, error: Error & { code?: string }): void {
    const res = exchange.res;
    // The client is gone: nothing to answer (the access log records 499).
    if (res.destroyed || exchange.req.socket?.destroyed) return;
    const route = exchange.route;
    if (route?.kind === "app" && !exchange.timedOut && !res.headersSent) {
      if (isUnaskedContinue(error) && !exchange.hasBody) exchange.onUndici = false;
      if (isRetryable(error, exchange.method, exchange.hasBody, exchange.retries)) return this.#options.retry(exchange, route);
    }
    this.#answerFailure(exchange, error);
  }

  #onSocketError(error: Error & { code?: string }, exchange: WebSocketExchange): void {
    const socket = exchange.socket as Socket;
    // Before the 101 nothing was written to the client and an HTTP answer still fits.
    if (socket.bytesWritten === 0 && !socket.destroyed) return this.#answerFailure(exchange, error);
    if (!exchange.clientGone) exchange.upstreamError = errorKind(error);
    socket.destroy();
  }

  #answerFailure(exchange: Exchange, error: Error & { code?: string }): void {
    const { status, detail, kind } = classifyFailure(error, exchange.timedOut, this.#options.upstreamTimeout);
    const label = exchange.route?.label ?? "upstream";
    exchange.upstreamError = kind;
    this.#options.log.zoo("warn", `${exchange.method} ${exchange.url}: ${label}: ${detail}`, { status });
    exchange.answer(status, `${label}: ${detail}`);
  }
}

function onUpstreamTimeout(exchange: Exchange): void {
  exchange.timer = undefined;
  exchange.timedOut = true;
  // Either client reports the destroyed request as a failure; #failed reads timedOut to answer 504.
  exchange.upstreamRequest?.destroy();
}

function onProxyReq(proxyReq: Tagged<ClientRequest>, req: IncomingMessage): void {
  const exchange = exchangeOf(req);
  if (exchange?.websocket !== false) return;
  exchange.upstreamRequest = proxyReq;
  proxyReq[kExchange] = exchange;
  proxyReq.once("upgrade", onUnaskedUpgrade);
  countRequestBytes(exchange);
}

/**
 * A 101 to a plain request: the app switched protocols nobody asked for (RFC 9110 §15.2.2). Without this listener
 * Node drops the connection and reports nothing, and the client would wait forever. 502, as Go's ReverseProxy does.
 */
function onUnaskedUpgrade(this: Tagged<ClientRequest>, _res: IncomingMessage, socket: Socket): void {
  socket.destroy();
  const exchange = this[kExchange];
  if (exchange === undefined) return;
  exchange.upstreamError = "other";
  exchange.answer(502, `${exchange.route?.label ?? "upstream"}: the app switched protocols on a plain request`);
}

function onProxyRes(proxyRes: Tagged<IncomingMessage>, req: IncomingMessage, res: ServerResponse): void {
  const exchange = exchangeOf(req);
  if (exchange?.websocket !== false) return void proxyRes.destroy();
  if (exchange.timer) clearTimeout(exchange.timer);
  exchange.timer = undefined;
  exchange.upstreamResponse = proxyRes;
  if (res.headersSent || res.destroyed) return void proxyRes.destroy();
  exchange.markHeaders();
  try {
    const headers = responseHeaders(proxyRes.rawHeaders, proxyRes.headers.connection, exchange.requestId);
    // HTTP/2 has no reason phrase (Node warns when given one).
    if (req.httpVersionMajor === 2) res.writeHead(proxyRes.statusCode ?? 502, headers);
    else res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, headers);
  } catch {
    // A head Node will not repeat (an odd status line or header): the app's fault, answered as one.
    proxyRes.destroy();
    exchange.upstreamError = "other";
    return exchange.answer(502, `${exchange.route?.label ?? "upstream"}: invalid response head`);
  }
  proxyRes[kExchange] = exchange;
  proxyRes.on("error", noop); // a reset mid-body: 'close' below cuts the client
  proxyRes.on("close", onUpstreamResponseClose);
  proxyRes.pipe(res);
}

/** The upstream ended before its body did: abort the client's response so it cannot hang or pass as complete. */
function onUpstreamResponseClose(this: Tagged<IncomingMessage>): void {
  const exchange = this[kExchange];
  if (this.complete || exchange === undefined) return;
  if (!exchange.clientGone) exchange.upstreamError ??= "reset";
  exchange.res.destroy();
}

function onProxyReqWs(proxyReq: ClientRequest, req: IncomingMessage, socket: Duplex): void {
  const exchange = exchangeOf(req);
  if (exchange?.websocket !== true) return;
  exchange.upstreamRequest = proxyReq;
  const settle = (res: IncomingMessage, status: number) => {
    if (exchange.timer) clearTimeout(exchange.timer);
    exchange.timer = undefined;
    exchange.status = status;
    exchange.markHeaders();
    // http-proxy-3 writes the head it relays from these headers, after this listener.
    delete res.headers["x-request-id"];
    res.headers["X-Request-Id"] = exchange.requestId;
  };
  proxyReq.once("response", (res: IncomingMessage) => {
    settle(res, res.statusCode ?? 502);
    // http-proxy-3 relays a plain answer to an upgrade and closes the client on its 'end' only: an app that dies
    // mid-body would leave the client waiting forever.
    res.once("close", () => {
      if (!res.complete) socket.destroy();
    });
  });
  proxyReq.once("upgrade", (res: IncomingMessage, upstream: Socket) => {
    settle(res, 101);
    // Either side going away takes the other with it (http-proxy-3 only half-closes).
    upstream.once("close", () => (socket as Socket).destroySoon());
    socket.once("close", () => upstream.destroy());
  });
}

/**
 * http-proxy-3's deleteLength pass gives a DELETE or OPTIONS without Content-Length a "Content-Length: 0" and drops
 * its Transfer-Encoding, yet still pipes the body: a chunked body then reaches the app as a second request on the
 * pooled connection (CL.TE request smuggling, as in CVE-2026-29057). Node frames these requests right by itself.
 */
function withoutDeleteLength(proxy: HttpProxy): void {
  const passes = (proxy as unknown as { webPasses: { name: string }[] }).webPasses;
  const index = passes.findIndex((pass) => pass.name === "deleteLength");
  if (index === -1) throw new Error("http-proxy-3: no deleteLength pass to remove; check the request smuggling test");
  passes.splice(index, 1);
}
