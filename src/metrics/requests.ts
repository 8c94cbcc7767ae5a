// Request metrics, fed by the proxy's observer: one start() and one end() per request or WebSocket.
// Labelled by route prefix and app, never by raw path, so the number of series stays bounded.
import { Counter, Gauge, type Registry } from "prom-client";
import { SeriesHistogram } from "./histogram.ts";
// The record and the observer interface are the proxy's own (a type-only import: nothing of the proxy is loaded).
import type { ExchangeObserver, ExchangeRecord } from "../proxy/record.ts";

export type { ExchangeObserver, ExchangeRecord };

/** Methods outside this list are counted as "OTHER": a client cannot grow the number of series. */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"]);

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const HELD_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Inc = { inc(value?: number): void };
type Observe = { observe(value: number): void };

/**
 * A counter series added to as a plain number and handed to prom-client at scrape time: a prom-client inc()
 * costs about 0.3 µs (it hashes the labels every time), a tenth of what zoo spends on metrics per request.
 */
class Tally {
  pending = 0;
  readonly #series: Inc;
  constructor(series: Inc) {
    this.#series = series;
  }
  flush(): void {
    if (this.pending === 0) return;
    this.#series.inc(this.pending);
    this.pending = 0;
  }
}

/** The per-route series, looked up once per route and app instead of once per request. */
interface RouteSeries {
  route: string;
  app: string;
  /** Requests open now: a plain number, read into zoo_http_requests_in_flight at scrape time. */
  open: number;
  requestBytes: Tally;
  responseBytes: Tally;
  duration: Observe;
  headers: Observe;
  held: Tally;
  heldDuration: Observe;
}

export class RequestMetrics implements ExchangeObserver {
  readonly #requests: Counter<"route" | "app" | "method" | "code">;
  readonly #upstreamErrors: Counter<"route" | "app" | "kind">;
  readonly #connectionsRefused: Counter;
  readonly #metrics: {
    requestBytes: Counter<"route" | "app">;
    responseBytes: Counter<"route" | "app">;
    duration: SeriesHistogram;
    headers: SeriesHistogram;
    held: Counter<"route" | "app">;
    heldDuration: SeriesHistogram;
  };
  readonly #byRoute = new Map<string, RouteSeries>();
  readonly #byRequest = new Map<string, Tally>();

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ["route", "app"] as const;
    const byRequest = this.#byRequest;
    const byRoute = this.#byRoute;
    this.#requests = new Counter({
      name: "zoo_http_requests_total",
      help: "Requests (and WebSocket upgrades) zoo answered, by route prefix, app, method and status code.",
      labelNames: ["route", "app", "method", "code"],
      registers,
      collect() {
        for (const tally of byRequest.values()) tally.flush();
      },
    });
    this.#upstreamErrors = new Counter({
      name: "zoo_upstream_errors_total",
      help: "Requests whose upstream failed, by kind: refused, reset, timeout, other.",
      labelNames: ["route", "app", "kind"],
      registers,
    });
    this.#connectionsRefused = new Counter({
      name: "zoo_connections_refused_total",
      help: "Client connections closed at once because limits.maxConnections were open.",
      registers,
    });
    const flushRoutes = (pick: (series: RouteSeries) => Tally) => () => {
      for (const series of byRoute.values()) pick(series).flush();
    };
    const inFlight: Gauge<"route" | "app"> = new Gauge({
      name: "zoo_http_requests_in_flight",
      help: "Requests and WebSockets open now.",
      labelNames,
      registers,
      collect() {
        for (const series of byRoute.values()) inFlight.labels(series.route, series.app).set(series.open);
      },
    });
    this.#metrics = {
      requestBytes: new Counter({
        name: "zoo_http_request_bytes_total",
        help: "Bytes of request bodies received from clients.",
        labelNames,
        registers,
        collect: flushRoutes((series) => series.requestBytes),
      }),
      responseBytes: new Counter({
        name: "zoo_http_response_bytes_total",
        help: "Bytes sent to clients, response heads included.",
        labelNames,
        registers,
        collect: flushRoutes((series) => series.responseBytes),
      }),
      duration: new SeriesHistogram({
        name: "zoo_http_request_duration_seconds",
        help: "Time from a request's arrival to the end of its response (WebSockets excluded).",
        labelNames,
        buckets: DURATION_BUCKETS,
        registry,
      }),
      headers: new SeriesHistogram({
        name: "zoo_http_response_headers_seconds",
        help: "Time from a request's arrival to its response headers (WebSockets excluded).",
        labelNames,
        buckets: DURATION_BUCKETS,
        registry,
      }),
      held: new Counter({
        name: "zoo_held_requests_total",
        help: "Requests held while their app was starting or waking.",
        labelNames,
        registers,
        collect: flushRoutes((series) => series.held),
      }),
      heldDuration: new SeriesHistogram({
        name: "zoo_held_duration_seconds",
        help: "How long held requests waited for their app.",
        labelNames,
        buckets: HELD_BUCKETS,
        registry,
      }),
    };
  }

  start(info: { route: string; app?: string }): void {
    this.#series(info.route, info.app ?? "").open += 1;
  }

  end(record: ExchangeRecord): void {
    const app = record.app ?? "";
    const series = this.#series(record.route, app);
    series.open -= 1;
    const method = METHODS.has(record.method) ? record.method : "OTHER";
    const key = `${record.route}\0${app}\0${method}\0${record.status}`;
    let requests = this.#byRequest.get(key);
    if (!requests) {
      const counter = this.#requests.labels(record.route, app, method, String(record.status));
      counter.inc(0); // the series exists from its first request on
      requests = new Tally(counter);
      this.#byRequest.set(key, requests);
    }
    requests.pending += 1;
    series.requestBytes.pending += record.bytesIn;
    series.responseBytes.pending += record.bytesOut;
    if (!record.websocket) {
      series.duration.observe(record.durationMs / 1000);
      if (record.headersMs !== undefined) series.headers.observe(record.headersMs / 1000);
    }
    if (record.heldMs !== undefined) {
      series.held.pending += 1;
      series.heldDuration.observe(record.heldMs / 1000);
    }
    if (record.upstreamError) this.#upstreamErrors.labels(record.route, app, record.upstreamError).inc();
  }

  connectionRefused(): void {
    this.#connectionsRefused.inc();
  }

  #series(route: string, app: string): RouteSeries {
    const key = `${route}\0${app}`;
    let series = this.#byRoute.get(key);
    if (!series) {
      const m = this.#metrics;
      series = {
        route,
        app,
        open: 0,
        requestBytes: new Tally(m.requestBytes.labels(route, app)),
        responseBytes: new Tally(m.responseBytes.labels(route, app)),
        duration: m.duration.labels(route, app),
        headers: m.headers.labels(route, app),
        held: new Tally(m.held.labels(route, app)),
        heldDuration: m.heldDuration.labels(route, app),
      };
      // Counters at zero from the first request on, so rate() sees their start.
      m.requestBytes.labels(route, app).inc(0);
      m.responseBytes.labels(route, app).inc(0);
      this.#byRoute.set(key, series);
    }
    return series;
  }
}
