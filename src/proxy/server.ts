// zoo's front door: one node:http server (and, with tls, an HTTPS + HTTP/2 listener beside it) whose requests and
// WebSocket upgrades go through admission.ts to the upstream client (client.ts) or to zoo's own answers; listening
// and closing with a drain.
import { http } from "../builtins.ts";
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";
import type { Limits, Route } from "../config/types.ts";
import { keepAccepting } from "../descriptors.ts";
import type { Logger } from "../log.ts";
import { Admission, refuse, type FrontDoor } from "./admission.ts";
import { UpstreamClient } from "./client.ts";
import { HttpExchange, type ExchangeContext } from "./exchange.ts";
import { answerAcmeChallenge, httpsLocation, redirectToHttps } from "./front.ts";
import { hostFromAuthority } from "./headers.ts";
import { hostRefusal, misdirected } from "./host-check.ts";
import { ClientLimits, serverTimeouts } from "./limits.ts";
import { sendSocketPage } from "./pages.ts";
import { prepareRoute, type PreparedRoute } from "./prepared.ts";
import { compileFeatures, type RouteFeatures } from "./route-features.ts";
import type { ExchangeObserver } from "./record.ts";
import { requestIdFor } from "./request-id.ts";
import { compileRoutes } from "./routes.ts";
import type { InstancePool } from "./instances.ts";
import { TlsListener, type TlsListenerOptions } from "../tls/listener.ts";
import { Upgrades } from "./websocket.ts";

export interface ZooProxyOptions {
  routes: Route[];
  upstreams: InstancePool;
  log: Logger;
  /** Milliseconds to wait for an upstream's response headers before 504. */
  upstreamTimeout: number;
  /** Milliseconds a request to a starting app is held before 503. */
  readyWait: number;
  trustProxy: boolean;
  accessLog: boolean;
  /** Told of every exchange's start and end (metrics). */
  observer?: ExchangeObserver;
  /** HTTPS with HTTP/2 on a second listener (listenTls); absent: plain HTTP only. */
  tls?: Pick<TlsListenerOptions, "contextFor" | "handshakeTimeout" | "ciphers" | "minVersion" | "hsts"> & {
    /** Plain requests get a 308 to HTTPS (ACME challenges excepted). */
    redirectHttp: boolean;
  };
  /** ACME HTTP-01: the key authorization for a token, answered on the plain listener. */
  acmeChallenge?: (token: string) => string | undefined;
  /** What one client may hold (config `limits`); absent: the defaults. Fixed for the server's life. */
  limits?: Limits;
}

/** What a reload may change; a request or upgrade keeps the settings it started with. */
export type ProxySettings = Pick<ZooProxyOptions, "routes" | "upstreamTimeout" | "readyWait" | "trustProxy" | "accessLog">;

const DRAIN_POLL_MS = 50;

/** Only WebSocket upgrades become 'upgrade' events; any other Upgrade (h2c…) is served as a plain request. */
function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return req.headers.upgrade?.toLowerCase() === "websocket";
}

export class ZooProxy {
  readonly #options: ZooProxyOptions;
  readonly #context: ExchangeContext;
  readonly #client: UpstreamClient;
  #admission: Admission;
  #trustProxy: boolean;
  readonly #upgrades: Upgrades;
  readonly #server: HttpServer;
  readonly #tls: TlsListener | undefined;
  readonly #limits: ClientLimits;
  #closing = false;

  constructor(options: ZooProxyOptions) {
    this.#options = options;
    const { log, accessLog, observer, upstreamTimeout } = options;
    this.#limits = new ClientLimits(options.limits, log, () => observer?.connectionRefused?.());
    this.#context = { log, accessLog, observer, bodyTimeout: this.#limits.limits.bodyTimeout };
    // The client retries through admission, which forwards through the client.
    this.#client = new UpstreamClient({ upstreamTimeout, log, retry: (exchange, route) => this.#admission.retry(exchange, route) });
    this.#admission = this.#admit(options);
    this.#trustProxy = options.trustProxy;
    const current = () => ({ admission: this.#admission, trustProxy: this.#trustProxy });
    this.#upgrades = new Upgrades({ current, context: this.#context, closing: () => this.#closing });
    this.#server = http.createServer({ ...serverTimeouts(this.#limits.limits), shouldUpgradeCallback: isWebSocketUpgrade }, this.#onRequest);
    this.#server.on("connection", this.#limits.onPlainConnection);
    this.#server.on("upgrade", this.#onUpgrade);
    // Without a listener Node drops a CONNECT without a word; zoo is no forward proxy, and says so.
    this.#server.on("connect", onConnect);
    this.#server.on("clientError", this.#onClientError);
    keepAccepting(this.#server, "listener", log);
    if (options.tls) {
      this.#tls = new TlsListener({
        ...options.tls,
        log,
        limits: this.#limits,
        onRequest: this.#onRequest,
        onUpgrade: (req, socket, head) =>
          isWebSocketUpgrade(req) ? this.#onUpgrade(req, socket, head) : sendSocketPage(socket, 400, "only WebSocket upgrades are proxied"),
      });
    }
  }

  /** From now on, requests and upgrades start with these routes and settings; those in flight keep theirs. */
  update(settings: ProxySettings): void {
    this.#client.upstreamTimeout = settings.upstreamTimeout;
    this.#context.accessLog = settings.accessLog;
    this.#trustProxy = settings.trustProxy;
    this.#admission = this.#admit(settings);
  }

  #admit({ routes, readyWait, trustProxy }: ProxySettings): Admission {
    const client = this.#client;
    const features = new Map<PreparedRoute, RouteFeatures>();
    const prepared = routes.map((route) => {
      const entry = prepareRoute(route);
      const compiled = compileFeatures(route);
      if (compiled !== undefined) features.set(entry, compiled);
      return entry;
    });
    const table = compileRoutes(prepared);
    const front = this.#options.tls || this.#options.acmeChallenge ? this.#frontDoor : undefined;
    return new Admission({ table, features, upstreams: this.#options.upstreams, client, readyWait, trustProxy, log: this.#options.log, front });
  }

  /** Client connections open now, plain and HTTPS. */
  openConnections(): number {
    return this.#limits.open;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen({ host, port }, () => {
        this.#server.off("error", reject);
        const address = this.#server.address();
        resolve(typeof address === "object" && address !== null ? address.port : port);
      });
    });
  }

  /** Starts the HTTPS listener (tls option); resolves to the bound port. */
  listenTls(host: string, port: number): Promise<number> {
    if (!this.#tls) return Promise.reject(new Error("listenTls without the tls option"));
    return this.#tls.listen(host, port);
  }

  /** Stops accepting, lets in-flight requests finish for up to drainMs, then destroys what is left. */
  async close(drainMs: number): Promise<void> {
    this.#closing = true;
    const closed = Promise.all([
      this.#tls?.close(),
      new Promise<void>((resolve) => {
        if (!this.#server.listening) return resolve();
        this.#server.close(() => resolve());
      }),
    ]);
    // Like Go's Server.Shutdown: keep closing connections as they go idle until all are gone or time is up.
    const deadline = Date.now() + drainMs;
    let done = false;
    void closed.then(() => (done = true));
    while (!done && Date.now() < deadline) {
      this.#server.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, Math.min(DRAIN_POLL_MS, Math.max(0, deadline - Date.now()))));
    }
    this.#server.closeAllConnections();
    this.#tls?.destroyAll();
    this.#upgrades.destroyAll();
    await closed;
    this.#client.close();
  }

  readonly #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const http2 = req.httpVersionMajor === 2;
    const badHost = hostRefusal(req);
    if (http2) hostFromAuthority(req.headers);
    else {
      this.#limits.headReceived(req.socket);
      if (this.#closing) res.setHeader("connection", "close");
    }
    const exchange = new HttpExchange(req, res, requestIdFor(req.headers, this.#trustProxy), this.#context);
    const refusal = badHost ?? misdirected(req);
    if (refusal) return refuse(exchange, refusal.status, refusal.detail);
    // A stream reset in the same read as its HEADERS (a rapid reset) is seen once that read is processed: it then
    // costs no request to an app at all.
    if (http2) setImmediate(admitUnlessCancelled, this.#admission, exchange);
    else this.#admission.admit(exchange);
  };

  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.#limits.headReceived(socket as Socket);
    const refusal = hostRefusal(req) ?? misdirected(req);
    if (refusal) return sendSocketPage(socket, refusal.status, refusal.detail);
    this.#upgrades.onUpgrade(req, socket, head);
  };

  /** On the plain listener beside HTTPS: ACME challenges, then the optional redirect to HTTPS. */
  readonly #frontDoor: FrontDoor = (exchange, target) => {
    const { req, res } = exchange;
    if ((req.socket as TLSSocket).encrypted) return false;
    if (!answerAcmeChallenge(res, target.path, this.#options.acmeChallenge)) {
      if (!this.#options.tls?.redirectHttp || !this.#tls?.port) return false;
      const location = httpsLocation(req, target, this.#tls.port);
      if (location === undefined) return false;
      redirectToHttps(res, location);
    }
    exchange.begin();
    return true;
  };

  /**
   * A request Node could not parse, or whose headers came too slowly: answered like Node does (400, 431, 408), with a
   * body that says why, and reported. Only the first request on a connection gets an answer, as in Node: after that a
   * response may be in flight. A client that left mid-request or reset just has its socket closed.
   */
  readonly #onClientError = (error: Error & { code?: string }, socket: Duplex): void => {
    const status = clientErrorStatus(error.code);
    const answerable = status !== undefined && socket.writable && (socket as Socket).bytesWritten === 0;
    if (!answerable) return void socket.destroy();
    const requestId = requestIdFor({}, false);
    const { observer, accessLog, log } = this.#context;
    observer?.start({ route: "-" });
    sendSocketPage(socket, status, `malformed request (${error.code})`, { "X-Request-Id": requestId });
    if (observer === undefined && !accessLog) return;
    (socket as Socket).once("close", () => {
      const bytesOut = (socket as Socket).bytesWritten;
      observer?.end({ method: "-", path: "-", route: "-", status, bytesIn: 0, bytesOut, durationMs: 0, headersMs: 0, requestId, websocket: false });
      if (accessLog) log.access({ method: "-", path: "-", route: "-", status, bytes: bytesOut, durationMs: 0, requestId });
    });
  };
}

function clientErrorStatus(code: string | undefined): number | undefined {
  if (code === "HPE_HEADER_OVERFLOW") return 431;
  if (code === "HPE_CHUNK_EXTENSIONS_OVERFLOW") return 413;
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return 408;
  if (code === "HPE_INVALID_EOF_STATE") return undefined; // the client closed mid-request: nobody to answer
  if (code?.startsWith("HPE_")) return 400;
  return undefined;
}

function admitUnlessCancelled(admission: Admission, exchange: HttpExchange): void {
  if (!exchange.clientGone && !(exchange.req as unknown as { aborted: boolean }).aborted) admission.admit(exchange);
}

function onConnect(_req: IncomingMessage, socket: Duplex): void {
  sendSocketPage(socket, 400, "CONNECT is not supported: zoo is a reverse proxy, not a forward proxy");
}
