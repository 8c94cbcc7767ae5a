// The dashboard: one page at / and a JSON API under /api/ on their own listener (or the metrics one). Loaded by
// main.ts only when the config has `dashboard`. It reads what the control socket reads and acts through the same
// operations; the proxy tells it of every exchange (Traffic) for the per-route charts.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { http } from "../builtins.ts";
import { statusJson } from "../admin/json.ts";
import { logsRefusal, type ControlOperations } from "../admin/routes.ts";
import type { ControlStatus } from "../admin/status.ts";
import type { Listen } from "../config/types.ts";
import type { ExchangeObserver } from "../proxy/record.ts";
import { serveApi } from "./api.ts";
import { assets } from "./assets.ts";
import { EventHub, json } from "./events.ts";
import { guard } from "./guard.ts";
import { Traffic } from "./traffic.ts";

export interface DashboardSources {
  status(): ControlStatus;
  operations: ControlOperations;
  /** The app a replica's name belongs to ("node.1" → "node"). */
  appOf(name: string): string;
  /** Calls fn on every state change of an app; returns the unsubscribe. */
  subscribe(fn: () => void): () => void;
  /** Client connections open on zoo's public listeners (plain and HTTPS). */
  connections(): number;
}

/** Framing and scripts only from zoo itself: the actions cannot be clicked through another site's frame. */
const PAGE_HEADERS = {
  "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

export class Dashboard {
  readonly traffic = new Traffic();
  readonly #token: string | undefined;
  readonly #listen: Listen;
  #sources: DashboardSources | undefined;
  #events: EventHub | undefined;
  #unsubscribe = () => {};
  #server: Server | undefined;

  constructor(config: { listen: Listen; token: string | undefined }) {
    this.#token = config.token;
    this.#listen = config.listen;
  }

  /** The proxy's observer: `inner` (the metrics', when on) and this dashboard's traffic, both told of each exchange. */
  observe(inner: ExchangeObserver | undefined): ExchangeObserver {
    const traffic = this.traffic;
    if (!inner) return { start() {}, end: (record) => traffic.record(record) };
    return {
      start: (info) => inner.start(info),
      end: (record) => {
        inner.end(record);
        traffic.record(record);
      },
    };
  }

  /** Once the supervisor and the control operations exist. */
  attach(sources: DashboardSources): void {
    this.#sources = sources;
    const events = new EventHub({
      snapshot: () => this.#snapshot(),
      traffic: this.traffic,
      book: sources.operations.logs,
      logsRefusal: (app) => logsRefusal([app], sources.operations)?.refused,
    });
    this.#events = events;
    this.#unsubscribe = sources.subscribe(() => events.statusChanged());
  }

  /** Answers the dashboard's requests; false for any other path (a shared listener answers those). */
  readonly handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://zoo");
    } catch {
      json(res, 400, { error: "not a request target zoo can read" });
      return true;
    }
    const asset = assets().get(url.pathname);
    if (asset && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(200, { "content-type": asset.type, ...PAGE_HEADERS }).end(req.method === "HEAD" ? undefined : asset.body);
      return true;
    }
    if (url.pathname !== "/api" && !url.pathname.startsWith("/api/")) return false;
    const refused = guard(req, url, this.#token);
    if (refused) json(res, refused.status, { error: refused.error }, refused.headers);
    else if (!this.#sources || !this.#events) json(res, 503, { error: "zoo is starting" });
    else serveApi(req, res, url, { operations: this.#sources.operations, snapshot: () => this.#snapshot(), events: this.#events });
    return true;
  };

  /**
   * Listens on its own address, or answers on the metrics listener when both name the very same one. Resolves to
   * the line zoo logs: where the dashboard is.
   */
  async start(metrics?: { listen: Listen; server: { also: Dashboard["handle"] | undefined } }): Promise<string> {
    const at = this.#listen;
    const shared = metrics && metrics.listen.host === at.host && metrics.listen.port === at.port;
    if (shared) metrics.server.also = this.handle;
    const port = shared ? at.port : await this.listen(at.host, at.port).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot serve the dashboard on ${at.host}:${at.port}: ${error.code === "EADDRINUSE" ? "the address is already in use" : error.message}`);
    });
    const host = at.host.includes(":") ? `[${at.host}]` : at.host;
    return `dashboard on http://${host}:${port}/${shared ? " (beside /metrics)" : ""}`;
  }

  /** Its own listener; resolves to the port bound. */
  listen(host: string, port: number): Promise<number> {
    const server = http.createServer((req, res) => {
      if (!this.handle(req, res)) json(res, 404, { error: `not found: the dashboard is at /, its API under /api/` });
    });
    server.on("clientError", (_error, socket) => socket.destroy());
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    this.#events?.close();
    const server = this.#server;
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The status as `zoo status --json` has it (each entry with its app's name), and zoo's own figures. */
  #snapshot(): object {
    const sources = this.#sources!;
    const status = statusJson(sources.status());
    const memory = process.memoryUsage();
    return {
      ...status,
      apps: status.apps.map((app) => ({ ...app, app: sources.appOf(app.name) })),
      zoo: {
        pid: process.pid,
        uptimeSeconds: Math.round(process.uptime()),
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        connections: sources.connections(),
        pages: this.#events?.clients ?? 0,
      },
    };
  }
}
