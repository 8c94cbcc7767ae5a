// The one way in, for an HTTP request and a WebSocket upgrade alike: normalize the target, match the route, then
// answer it here (redirect, static, an error) or obtain a ready upstream for it — now, after holding the request
// while its app starts, or never (503) — and hand it to the upstream client.
import type { Logger } from "../log.ts";
import type { UpstreamClient } from "./client.ts";
import type { Exchange, HttpExchange } from "./exchange.ts";
import { collapseLeadingSlashes, normalizeTarget, type Target } from "./paths.ts";
import type { AppRoute, PreparedRoute, RedirectRoute } from "./prepared.ts";
import type { RouteTable } from "./routes.ts";
import { serveStatic } from "./static.ts";
import type { InstanceLease, InstancePool } from "./instances.ts";
import { limitBody } from "./body-limit.ts";
import { applyFeatures, applyRequestRules, type RouteFeatures } from "./route-features.ts";
import { retryDelay } from "./upstream-failure.ts";
import { rewriteForUpstream } from "./upstream-request.ts";

/** zoo's own answers before routing (ACME challenges, the redirect to HTTPS); true when it answered. */
export type FrontDoor = (exchange: HttpExchange, target: Target) => boolean;

export interface AdmissionOptions {
  table: RouteTable<PreparedRoute>;
  /** Compression, basic auth, header rules, a body limit: per route that uses any (route-features.ts). */
  features: ReadonlyMap<PreparedRoute, RouteFeatures>;
  upstreams: InstancePool;
  client: UpstreamClient;
  /** Milliseconds a request to a starting app is held before 503. */
  readyWait: number;
  trustProxy: boolean;
  log: Logger;
  front?: FrontDoor;
}

export class Admission {
  readonly #options: AdmissionOptions;
  /** Seconds a client is told to wait after a 503 for an app that is not ready. */
  readonly #retryAfter: string;

  constructor(options: AdmissionOptions) {
    this.#options = options;
    this.#retryAfter = String(Math.max(1, Math.ceil(options.readyWait / 1000)));
  }

  admit(exchange: Exchange): void {
    const target = normalizeTarget(exchange.url);
    if (target === undefined) return refuse(exchange, 400, "malformed request path");
    if (!exchange.websocket && this.#options.front?.(exchange, target)) return;
    const match = this.#options.table.match(target.authority ?? exchange.req.headers.host, target.path);
    if (match === undefined) return refuse(exchange, 404, `no route for ${target.path}`);
    const { route, rest } = match;
    exchange.begin(route);
    const features = this.#options.features.get(route);
    if (features !== undefined) return applyFeatures(exchange, route.label, features, () => this.#dispatch(exchange, route, rest, target));
    this.#dispatch(exchange, route, rest, target);
  }

  #dispatch(exchange: Exchange, route: PreparedRoute, rest: string, target: Target): void {
    switch (route.kind) {
      case "app":
      case "proxy": {
        if (exchange.websocket && !isWebSocketHandshake(exchange)) return refuse(exchange, 400, `${route.label}: only WebSocket upgrades are proxied`);
        const { websocket, requestId } = exchange;
        rewriteForUpstream(exchange.req, { route, rest, target, websocket, requestId, trustProxy: this.#options.trustProxy });
        applyRequestRules(exchange, this.#options.features.get(route));
        if (route.kind === "proxy") {
          this.#limitBody(exchange, route);
          return this.#options.client.forward(exchange, route.destination);
        }
        return this.#obtain(exchange, route);
      }
      case "redirect":
        if (exchange.websocket) return refuse(exchange, 400, `${route.label}: no WebSockets here`);
        return redirect(exchange, route, target, rest);
      case "static":
        if (exchange.websocket) return refuse(exchange, 400, `${route.label}: no WebSockets here`);
        exchange.res.setHeader("X-Request-Id", exchange.requestId);
        return serveStatic(exchange.req, exchange.res, route.dir, rest, { path: target.path, query: target.query, label: route.label });
    }
  }

  /** The app refused or reset the connection before answering (it is restarting, say): send the request again. */
  readonly retry = (exchange: HttpExchange, route: AppRoute): void => {
    const attempt = exchange.startRetry();
    setTimeout(() => {
      if (!exchange.clientGone) this.#obtain(exchange, route);
    }, retryDelay(attempt));
  };

  /** To a ready instance now, or held until one is. */
  #obtain(exchange: Exchange, route: AppRoute): void {
    const instance = this.#options.upstreams.acquire(route.app);
    if (instance) this.#forward(exchange, route, instance);
    else this.#hold(exchange, route);
  }

  #forward(exchange: Exchange, route: AppRoute, instance: InstanceLease): void {
    exchange.useInstance(instance);
    this.#limitBody(exchange, route);
    this.#options.client.forward(exchange, this.#options.client.appDestination(route.app, instance));
  }

  #limitBody(exchange: Exchange, route: PreparedRoute): void {
    const maxBodySize = this.#options.features.get(route)?.maxBodySize;
    if (maxBodySize !== undefined && !exchange.websocket) limitBody(exchange, maxBodySize);
  }

  #hold(exchange: Exchange, route: AppRoute): void {
    const { readyWait, upstreams } = this.#options;
    const signal = exchange.startHold();
    const since = performance.now();
    const cause = `${exchange.method} ${exchange.url}${exchange.websocket ? " (WebSocket)" : ""}`;
    upstreams.waitFor(route.app, readyWait, signal, cause).then(
      (instance) => {
        exchange.endHold();
        if (exchange.clientGone) return instance?.release(); // the client left while waiting: logged as 499
        if (instance) this.#forward(exchange, route, instance);
        else this.#notReady(exchange, route, performance.now() - since);
      },
      (error: Error) => {
        exchange.endHold();
        this.#options.log.zoo("error", `${cause}: waiting for ${route.app} failed: ${error.stack ?? error.message}`);
        if (!exchange.clientGone) this.#notReady(exchange, route, performance.now() - since);
      },
    );
  }

  /**
   * The one answer to a failed wait, on both paths: 503, why, and when to try again — only when a retry can succeed
   * (starting, restarting, unhealthy); not for an app that failed for good or was stopped, until an operator acts.
   */
  #notReady(exchange: Exchange, route: AppRoute, waitedMs: number): void {
    const { readyWait, upstreams } = this.#options;
    const unavailable = upstreams.unavailable?.(route.app);
    if (unavailable !== undefined) return exchange.answer(503, `${route.label}: ${unavailable}`);
    // A timer may fire a millisecond early; a refusal before that came from an app that failed or stopped.
    const detail =
      waitedMs < readyWait - 1
        ? `${route.label}: the app is not ready`
        : `${route.label}: the app is not ready after ${readyWait} ms (readyWait); it may still be starting, retry shortly`;
    exchange.answer(503, detail, { "Retry-After": this.#retryAfter });
  }
}

function isWebSocketHandshake({ req }: Exchange): boolean {
  return req.method === "GET" && req.headers.upgrade?.toLowerCase() === "websocket";
}

/** zoo's own answer before or instead of any upstream. */
export function refuse(exchange: Exchange, status: number, detail: string): void {
  exchange.begin();
  exchange.answer(status, detail);
}

function redirect(exchange: HttpExchange, route: RedirectRoute, target: Target, rest: string): void {
  // The rest of the path, "" when the path is the prefix itself; never the client's Host.
  const tail = target.path.length === route.prefix.length ? "" : rest;
  const query = !route.query ? target.query : !target.query ? route.query : `${route.query}&${target.query.slice(1)}`;
  let location = route.base + tail + query;
  // A same-host target ("/new"): never empty, never protocol-relative ("//evil.com").
  if (!/^https?:/i.test(location)) location = collapseLeadingSlashes(location.startsWith("/") ? location : "/" + location);
  exchange.markHeaders();
  exchange.res.writeHead(route.status, { location, "content-length": 0, "X-Request-Id": exchange.requestId });
  exchange.res.end();
}
