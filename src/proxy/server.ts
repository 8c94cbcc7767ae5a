// zoo's front door: one node:http server, the route table, and http-proxy-3 for app and outside routes.
import http from "node:http";
import https from "node:https";
import type { ClientRequest, IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { ProxyServer as HttpProxy, type ServerOptions } from "http-proxy-3";
import type { Route } from "../config/types.ts";
import type { Logger } from "../log.ts";
import { removeRequestHopByHop, responseHeaders, setForwardedHeaders } from "./headers.ts";
import { sendPage, sendSocketPage } from "./pages.ts";
import { collapseLeadingSlashes, normalizeTarget, type Target } from "./paths.ts";
import { compileRoutes, type RouteTable } from "./routes.ts";
import { serveStatic } from "./static.ts";
import type { Upstream, UpstreamPool } from "./upstream.ts";

export interface ProxyServerOptions {
  routes: Route[];
  upstreams: UpstreamPool;
  log: Logger;
  /** Milliseconds to wait for an upstream's response headers before 504. */
  upstreamTimeout: number;
  /** Milliseconds a request to a starting app is held before 503. */
  readyWait: number;
  trustProxy: boolean;
  accessLog: boolean;
}

/** A route with everything a request needs computed once. */
type Prepared = Route & {
  /** "route /node → app node": names the route and what it leads to, in every error page and log line. */
  label: string;
  /** redirect: the target without its trailing slash and its query ("" or "?…"). */
  base?: string;
  query?: string;
  /** proxy: the http-proxy-3 options, built once. */
  proxyOptions?: ServerOptions;
};

/** Per-request state, kept on the request under a symbol so shared handlers need no closures. */
interface Exchange {
  route: Prepared | undefined;
  /** The request target as the client sent it (for the access log). */
  url: string;
  started: number;
  bytesBefore: number;
  proxyReq?: ClientRequest;
  timer?: NodeJS.Timeout;
  timedOut?: boolean;
  hold?: AbortController;
  untrack?: () => void;
  /** The app's response, once its head has arrived. */
  upstreamResponse?: IncomingMessage;
  /** Attempts made again after the app refused or reset the connection before answering. */
  retries?: number;
  /** WebSocket only: the status answered on the socket (101 once upgraded). */
  status?: number;
}

const kExchange = Symbol("zoo.exchange");
const kResponse = Symbol("zoo.response");
type WithExchange = IncomingMessage & { [kExchange]?: Exchange };
type UpstreamResponse = IncomingMessage & { [kResponse]?: ServerResponse };

// Below Node's (5 s) and uvicorn's (5 s) keep-alive timeouts, so zoo drops an idle pooled
// connection before the app does, instead of reusing one the app is closing.
export const POOL_IDLE_MS = 4000;
const DRAIN_POLL_MS = 50;
// Node cuts off any request whose body takes longer than 5 minutes to arrive (requestTimeout): a large upload
// on a slow link is a normal request for a proxy, so zoo sets no such limit. Headers must still arrive within
// 60 s (Node's and nginx's default), which is what stops a client that trickles them.
const SERVER_TIMEOUTS = { requestTimeout: 0, headersTimeout: 60_000 } satisfies http.ServerOptions;
// An app that has just died may still count as ready for a few milliseconds, until the supervisor sees its exit:
// try again after 10, 20, 40, 80 and 160 ms before answering 502.
const RETRY_FIRST_DELAY_MS = 10;
const MAX_RETRIES = 5;
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS"]);

function noop() {}

/** Only WebSocket upgrades become 'upgrade' events; any other Upgrade (h2c…) is served as a plain request. */
function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return req.headers.upgrade?.toLowerCase() === "websocket";
}

export class ProxyServer {
  readonly #options: ProxyServerOptions;
  readonly #table: RouteTable<Prepared>;
  readonly #server: http.Server;
  readonly #proxy: HttpProxy;
  readonly #agent = new http.Agent({ keepAlive: true, timeout: POOL_IDLE_MS, maxFreeSockets: 256 });
  readonly #tlsAgent = new https.Agent({ keepAlive: true, timeout: POOL_IDLE_MS, maxFreeSockets: 256 });
  /** Per app: the last upstream address and the http-proxy-3 options for it. */
  readonly #appTargets = new Map<string, { host: string; port: number; options: ServerOptions }>();
  readonly #upgraded = new Set<Duplex>();
  readonly #onResponseClose: (this: ServerResponse) => void;
  #closing = false;

  constructor(options: ProxyServerOptions) {
    this.#options = options;
    const self = this;
    this.#onResponseClose = function () {
      self.#finish(this);
    };
    this.#table = compileRoutes(options.routes.map((route) => this.#prepare(route)));
    this.#proxy = new HttpProxy({ toProxy: true, selfHandleResponse: true, xfwd: false });
    withoutDeleteLength(this.#proxy);
    // http-proxy-3 throws when an error has no listener; every call also passes onProxyError.
    this.#proxy.on("error", this.#onProxyError);
    this.#proxy.on("proxyReq", onProxyReq);
    this.#proxy.on("proxyRes", onProxyRes);
    this.#proxy.on("proxyReqWs", this.#onProxyReqWs);
    this.#server = http.createServer({ ...SERVER_TIMEOUTS, shouldUpgradeCallback: isWebSocketUpgrade }, this.#onRequest);
    this.#server.on("upgrade", this.#onUpgrade);
    // Without a listener Node drops a CONNECT without a word; zoo is no forward proxy, and says so.
    this.#server.on("connect", onConnect);
    this.#server.on("clientError", this.#onClientError);
  }

  /** The node:http server underneath, for reading its settings. */
  get httpServer(): http.Server {
    return this.#server;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen({ host, port }, () => {
        this.#server.off("error", reject);
        resolve((this.#server.address() as { port: number }).port);
      });
    });
  }

  /** Stops accepting, lets in-flight requests finish for up to drainMs, then destroys what is left. */
  async close(drainMs: number): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
    });
    // Like Go's Server.Shutdown: keep closing connections as they go idle until all are gone or time is up.
    const deadline = Date.now() + drainMs;
    let done = false;
    void closed.then(() => (done = true));
    while (!done && Date.now() < deadline) {
      this.#server.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, Math.min(DRAIN_POLL_MS, Math.max(0, deadline - Date.now()))));
    }
    this.#server.closeAllConnections();
    for (const socket of this.#upgraded) socket.destroy();
    await closed;
    this.#agent.destroy();
    this.#tlsAgent.destroy();
  }

  #prepare(route: Route): Prepared {
    switch (route.kind) {
      case "app":
        return { ...route, label: `route ${route.prefix} → app ${route.app}` };
      case "redirect": {
        // The target's own query (if any) goes after the appended path, merged with the request's.
        const [, base, query = ""] = /^([^?#]*)(\?[^#]*)?/.exec(route.to)!;
        return { ...route, label: `route ${route.prefix} → redirect ${route.to}`, base: base.replace(/\/+$/, ""), query };
      }
      case "static":
        return { ...route, label: `route ${route.prefix} → static ${route.dir}` };
      case "proxy": {
        const target = new URL(route.target);
        const agent = target.protocol === "https:" ? this.#tlsAgent : this.#agent;
        // changeOrigin: the origin sees its own host name; https.Agent derives SNI from it.
        const proxyOptions: ServerOptions = { target, agent, changeOrigin: true, secure: true };
        return { ...route, label: `route ${route.prefix} → proxy ${target.origin}`, proxyOptions };
      }
    }
  }

  #appOptions(app: string, upstream: { host: string; port: number }): ServerOptions {
    const cached = this.#appTargets.get(app);
    if (cached && cached.host === upstream.host && cached.port === upstream.port) return cached.options;
    const options: ServerOptions = {
      target: { protocol: "http:", host: upstream.host, port: upstream.port },
      agent: this.#agent,
      changeOrigin: false,
    };
    this.#appTargets.set(app, { ...upstream, options });
    return options;
  }

  // ---- HTTP requests ----

  readonly #onRequest = (req: WithExchange, res: ServerResponse): void => {
    const exchange: Exchange = {
      route: undefined,
      url: req.url ?? "",
      started: performance.now(),
      bytesBefore: req.socket.bytesWritten,
    };
    req[kExchange] = exchange;
    res.on("close", this.#onResponseClose);
    if (this.#closing) res.setHeader("connection", "close");

    const target = normalizeTarget(exchange.url);
    if (target === undefined) return sendPage(res, 400, "malformed request path");
    const match = this.#table.match(target.path);
    if (match === undefined) return sendPage(res, 404, `no route for ${target.path}`);
    const route = match.route;
    exchange.route = route;

    switch (route.kind) {
      case "app":
        this.#rewriteForUpstream(req, route, match.rest, target, false);
        return this.#admit(req, res, route);
      case "proxy":
        this.#rewriteForUpstream(req, route, match.rest, target, false);
        this.#startTimer(req, exchange);
        return this.#proxy.web(req, res, route.proxyOptions!, this.#onProxyError);
      case "redirect": {
        // The rest of the path, "" when the path is the prefix itself; never the client's Host.
        const tail = target.path.length === route.prefix.length ? "" : match.rest;
        const query = !route.query ? target.query : !target.query ? route.query : `${route.query}&${target.query.slice(1)}`;
        let location = route.base! + tail + query;
        if (location.startsWith("/")) location = collapseLeadingSlashes(location);
        res.writeHead(route.status, { location, "content-length": 0 });
        return void res.end();
      }
      case "static":
        return serveStatic(req, res, route.dir, match.rest, { path: target.path, query: target.query, label: route.label });
    }
  };

  /** The request as the upstream sees it: its path (prefix stripped or not, query as sent) and its headers. */
  #rewriteForUpstream(req: IncomingMessage, route: Prepared & { stripPrefix: boolean }, rest: string, target: Target, websocket: boolean): void {
    req.url = (route.stripPrefix ? rest : target.path) + target.query;
    if (target.authority !== undefined) req.headers.host = target.authority;
    removeRequestHopByHop(req.headers, websocket);
    setForwardedHeaders(req, this.#options.trustProxy, route.stripPrefix ? route.prefix : undefined);
  }

  /** To a ready instance now, or held until one is. */
  #admit(req: WithExchange, res: ServerResponse, route: Prepared & { kind: "app" }): void {
    const upstream = this.#options.upstreams.acquire(route.app);
    if (upstream) this.#toApp(req, res, route, upstream);
    else this.#holdUntilReady(req, res, route);
  }

  #toApp(req: WithExchange, res: ServerResponse, route: Prepared & { kind: "app" }, upstream: Upstream): void {
    const exchange = req[kExchange]!;
    exchange.untrack = upstream.release;
    this.#startTimer(req, exchange);
    this.#proxy.web(req, res, this.#appOptions(route.app, upstream), this.#onProxyError);
  }

  #holdUntilReady(req: WithExchange, res: ServerResponse, route: Prepared & { kind: "app" }): void {
    const exchange = req[kExchange]!;
    exchange.hold = new AbortController();
    const since = performance.now();
    this.#options.upstreams.waitFor(route.app, this.#options.readyWait, exchange.hold.signal, `${req.method} ${exchange.url}`).then(
      (upstream) => {
        exchange.hold = undefined;
        if (res.destroyed) return upstream?.release(); // the client left while waiting: logged as 499
        if (upstream) this.#toApp(req, res, route, upstream);
        else this.#notReady(res, route, performance.now() - since);
      },
      (error: Error) => sendPage(res, 502, `${route.label}: ${error.message}`),
    );
  }

  #notReady(res: ServerResponse, route: Prepared & { kind: "app" }, waitedMs = 0): void {
    sendPage(res, 503, this.#notReadyDetail(route, waitedMs), { "retry-after": this.#retryAfter() });
  }

  /** Says whether the request was held for the whole readyWait (a sleeping or restarting app still starting). */
  #notReadyDetail(route: Prepared & { kind: "app" }, waitedMs: number): string {
    const { readyWait } = this.#options;
    // A timer may fire a millisecond early; a refusal before that came from an app that failed or stopped.
    if (waitedMs < readyWait - 1) return `${route.label}: the app is not ready`;
    return `${route.label}: the app is not ready after ${readyWait} ms (readyWait); it may still be starting, retry shortly`;
  }

  #retryAfter(): string {
    return String(Math.max(1, Math.ceil(this.#options.readyWait / 1000)));
  }

  #startTimer(req: WithExchange, exchange: Exchange): void {
    exchange.timer = setTimeout(onUpstreamTimeout, this.#options.upstreamTimeout, req);
  }

  readonly #onProxyError = (error: Error & { code?: string }, req: IncomingMessage, target: ServerResponse | Duplex): void => {
    const exchange = (req as WithExchange)[kExchange];
    if (exchange?.timer) clearTimeout(exchange.timer);
    const label = exchange?.route?.label ?? "upstream";
    if (!(target instanceof http.ServerResponse)) return this.#onSocketProxyError(error, target, label, exchange);
    // The client is gone: nothing to answer (the access log records 499).
    if (target.destroyed || req.socket.destroyed) return;
    // The app sent a whole response, then bytes that are no response (a 204 with a body, say): Node has dropped
    // that connection to the app, and the client's complete response goes on (as nginx and Go do).
    if (exchange?.upstreamResponse?.complete) return;
    if (exchange?.route?.kind === "app" && isRetryable(error, req, target, exchange)) return this.#retry(req, target, exchange.route);
    const [status, detail] = exchange?.timedOut ? [504, `no response within ${this.#options.upstreamTimeout} ms`] : [502, describe(error)];
    this.#options.log.zoo("warn", `${req.method} ${exchange?.url}: ${label}: ${detail}`, { status });
    sendPage(target, status, `${label}: ${detail}`);
  };

  /** The app refused or reset the connection before answering (it is restarting, say): send the request again. */
  #retry(req: WithExchange, res: ServerResponse, route: Prepared & { kind: "app" }): void {
    const exchange = req[kExchange]!;
    exchange.untrack?.();
    exchange.untrack = undefined;
    exchange.proxyReq = undefined;
    const attempt = (exchange.retries = (exchange.retries ?? 0) + 1);
    setTimeout(() => {
      if (!res.destroyed) this.#admit(req, res, route);
    }, RETRY_FIRST_DELAY_MS * 2 ** (attempt - 1));
  }

  #onSocketProxyError(error: Error & { code?: string }, socket: Duplex, label: string, exchange: Exchange | undefined): void {
    // Before the 101 nothing was written to the client and an HTTP answer still fits.
    if ((socket as Socket).bytesWritten === 0 && !socket.destroyed) {
      const status = exchange?.timedOut ? 504 : 502;
      if (exchange) exchange.status = status;
      return sendSocketPage(socket, status, `${label}: ${exchange?.timedOut ? "no response" : describe(error)}`);
    }
    socket.destroy();
  }

  /** Once per request, when its response is done or the client is gone: release and log. */
  #finish(res: ServerResponse): void {
    const req = res.req as WithExchange;
    const exchange = req[kExchange];
    if (exchange === undefined) return;
    if (exchange.timer) clearTimeout(exchange.timer);
    exchange.hold?.abort();
    exchange.untrack?.();
    if (!req.complete && res.writableFinished) {
      // The app answered before the upload ended (an early 413, say). Node's server no longer watches this request:
      // end the app's side of it, and read the rest of the upload away so the client's connection can go on.
      req.unpipe();
      exchange.proxyReq?.destroy();
      req.resume();
    }
    if (!this.#options.accessLog) return;
    this.#options.log.access({
      method: req.method ?? "",
      path: exchange.url,
      route: exchange.route?.prefix ?? "-",
      status: res.writableFinished ? res.statusCode : 499,
      bytes: req.socket.bytesWritten - exchange.bytesBefore,
      durationMs: performance.now() - exchange.started,
    });
  }

  /**
   * A request Node could not parse, or whose headers came too slowly: answered like Node does (400, 431, 408), with a
   * body that says why, and logged. Only the first request on a connection gets an answer, as in Node: after that a
   * response may be in flight. A client that left mid-request or reset just has its socket closed.
   */
  readonly #onClientError = (error: Error & { code?: string }, socket: Duplex): void => {
    const status = clientErrorStatus(error.code);
    const answerable = status !== undefined && socket.writable && (socket as Socket).bytesWritten === 0;
    if (!answerable) return void socket.destroy();
    sendSocketPage(socket, status, `malformed request (${error.code})`);
    if (!this.#options.accessLog) return;
    (socket as Socket).once("close", () =>
      this.#options.log.access({ method: "-", path: "-", route: "-", status, bytes: (socket as Socket).bytesWritten, durationMs: 0 }),
    );
  };

  // ---- WebSocket upgrades ----

  readonly #onUpgrade = (req: WithExchange, socket: Duplex, head: Buffer): void => {
    socket.on("error", noop); // a client reset before http-proxy-3 attaches its own listener
    const exchange: Exchange = { route: undefined, url: req.url ?? "", started: performance.now(), bytesBefore: 0 };
    req[kExchange] = exchange;
    const refuse = (status: number, detail: string, headers?: Record<string, string>) => {
      exchange.status = status;
      sendSocketPage(socket, status, detail, headers);
    };
    this.#upgraded.add(socket);
    socket.once("close", () => {
      this.#upgraded.delete(socket);
      if (exchange.timer) clearTimeout(exchange.timer);
      exchange.hold?.abort();
      exchange.untrack?.();
      if (this.#options.accessLog) this.#logUpgrade(req, socket as Socket, exchange);
    });
    if (this.#closing) return refuse(503, "zoo is shutting down");

    const target = normalizeTarget(exchange.url);
    if (target === undefined) return refuse(400, "malformed request path");
    const match = this.#table.match(target.path);
    if (match === undefined) return refuse(404, `no route for ${target.path}`);
    const route = match.route;
    exchange.route = route;
    if (route.kind !== "app" && route.kind !== "proxy") return refuse(400, `${route.label}: no WebSockets here`);
    if (req.method !== "GET" || req.headers.upgrade?.toLowerCase() !== "websocket") {
      return refuse(400, `${route.label}: only WebSocket upgrades are proxied`);
    }
    this.#rewriteForUpstream(req, route, match.rest, target, true);

    if (route.kind === "proxy") return this.#wsTo(req, socket, head, route.proxyOptions!);
    const go = (upstream: Upstream) => {
      exchange.untrack = upstream.release;
      this.#wsTo(req, socket, head, this.#appOptions(route.app, upstream));
    };
    const ready = this.#options.upstreams.acquire(route.app);
    if (ready) return go(ready);
    exchange.hold = new AbortController();
    const since = performance.now();
    this.#options.upstreams.waitFor(route.app, this.#options.readyWait, exchange.hold.signal, `${req.method} ${exchange.url} (WebSocket)`).then(
      (upstream) => {
        if (socket.destroyed) return upstream?.release();
        if (upstream) return go(upstream);
        refuse(503, this.#notReadyDetail(route, performance.now() - since), { "Retry-After": this.#retryAfter() });
      },
      () => refuse(502, `${route.label}: cannot reach the app`),
    );
  };

  /** One line per WebSocket when it ends: the status written on the socket (101 for a session), or 499. */
  #logUpgrade(req: IncomingMessage, socket: Socket, exchange: Exchange): void {
    this.#options.log.access({
      method: req.method ?? "",
      path: exchange.url,
      route: exchange.route?.prefix ?? "-",
      status: exchange.status ?? 499,
      bytes: socket.bytesWritten,
      durationMs: performance.now() - exchange.started,
    });
  }

  #wsTo(req: WithExchange, socket: Duplex, head: Buffer, options: ServerOptions): void {
    this.#startTimer(req, req[kExchange]!);
    this.#proxy.ws(req, socket, head, options, this.#onProxyError);
  }

  readonly #onProxyReqWs = (proxyReq: ClientRequest, req: WithExchange, socket: Duplex): void => {
    const exchange = req[kExchange]!;
    exchange.proxyReq = proxyReq;
    const settle = () => {
      if (exchange.timer) clearTimeout(exchange.timer);
      exchange.timer = undefined;
    };
    proxyReq.once("response", (res: IncomingMessage) => {
      settle();
      exchange.status = res.statusCode;
      // http-proxy-3 relays a plain answer to an upgrade and closes the client on its 'end' only: an app that dies
      // mid-body would leave the client waiting forever.
      res.once("close", () => {
        if (!res.complete) socket.destroy();
      });
    });
    proxyReq.once("upgrade", (_res: IncomingMessage, upstream: Socket) => {
      settle();
      exchange.status = 101;
      // Either side going away takes the other with it (http-proxy-3 only half-closes).
      upstream.once("close", () => (socket as Socket).destroySoon());
      socket.once("close", () => upstream.destroy());
    });
  };
}

// ---- Shared per-request handlers (no closures on the hot path) ----

function clientErrorStatus(code: string | undefined): number | undefined {
  if (code === "HPE_HEADER_OVERFLOW") return 431;
  if (code === "HPE_CHUNK_EXTENSIONS_OVERFLOW") return 413;
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return 408;
  if (code === "HPE_INVALID_EOF_STATE") return undefined; // the client closed mid-request: nobody to answer
  if (code?.startsWith("HPE_")) return 400;
  return undefined;
}

function onConnect(_req: IncomingMessage, socket: Duplex): void {
  sendSocketPage(socket, 400, "CONNECT is not supported: zoo is a reverse proxy, not a forward proxy");
}

function onProxyReq(proxyReq: ClientRequest & { [kResponse]?: ServerResponse }, req: WithExchange, res: ServerResponse): void {
  const exchange = req[kExchange];
  if (exchange) exchange.proxyReq = proxyReq;
  proxyReq[kResponse] = res;
  proxyReq.once("upgrade", onUnaskedUpgrade);
}

/**
 * A 101 to a plain request: the app switched protocols nobody asked for (RFC 9110 §15.2.2). Without this listener
 * Node drops the connection and reports nothing, and the client would wait forever. 502, as Go's ReverseProxy does.
 */
function onUnaskedUpgrade(this: ClientRequest & { [kResponse]?: ServerResponse }, _res: IncomingMessage, socket: Socket): void {
  socket.destroy();
  const res = this[kResponse]!;
  const exchange = (res.req as WithExchange)[kExchange];
  sendPage(res, 502, `${exchange?.route?.label ?? "upstream"}: the app switched protocols on a plain request`);
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

function onUpstreamTimeout(req: WithExchange): void {
  const exchange = req[kExchange]!;
  exchange.timer = undefined;
  exchange.timedOut = true;
  // http-proxy-3 reports the destroyed request as ECONNRESET; onProxyError reads timedOut to answer 504.
  exchange.proxyReq?.destroy();
}

function onProxyRes(proxyRes: UpstreamResponse, req: WithExchange, res: ServerResponse): void {
  const exchange = req[kExchange];
  if (exchange?.timer) {
    clearTimeout(exchange.timer);
    exchange.timer = undefined;
  }
  if (exchange) exchange.upstreamResponse = proxyRes;
  if (res.headersSent || res.destroyed) return void proxyRes.destroy();
  try {
    res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, responseHeaders(proxyRes.rawHeaders, proxyRes.headers.connection));
  } catch {
    // A head Node will not repeat (an odd status line or header): the app's fault, answered as one.
    proxyRes.destroy();
    return sendPage(res, 502, `${exchange?.route?.label ?? "upstream"}: invalid response head`);
  }
  proxyRes[kResponse] = res;
  proxyRes.on("error", noop); // a reset mid-body: 'close' below cuts the client
  proxyRes.on("close", onUpstreamResponseClose);
  proxyRes.pipe(res);
}

/** The upstream ended before its body did: abort the client's response so it cannot hang or pass as complete. */
function onUpstreamResponseClose(this: UpstreamResponse): void {
  if (!this.complete) this[kResponse]?.destroy();
}

/**
 * Safe to send again: nothing was answered yet, the request has no body to replay, and either the connection was
 * refused (the app never saw the request) or the method is idempotent (RFC 9110 §9.2.2).
 */
function isRetryable(error: Error & { code?: string }, req: WithExchange, res: ServerResponse, exchange: Exchange): boolean {
  if (exchange.timedOut || res.headersSent || (exchange.retries ?? 0) >= MAX_RETRIES) return false;
  const hasBody = req.headers["transfer-encoding"] !== undefined || (req.headers["content-length"] ?? "0") !== "0";
  if (hasBody) return false;
  return error.code === "ECONNREFUSED" || (error.code === "ECONNRESET" && IDEMPOTENT.has(req.method ?? ""));
}

function describe(error: Error & { code?: string }): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset before a response";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    case "ETIMEDOUT":
      return "connection timed out";
    default:
      return error.code ?? error.message;
  }
}
