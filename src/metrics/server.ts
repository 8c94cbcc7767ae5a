// The metrics listener: GET /metrics in Prometheus's text format, on its own address (never the public port).
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { http } from "../builtins.ts";
import { collectDefaultMetrics, Registry } from "prom-client";
import { keepAccepting } from "../descriptors.ts";
import { AppMetrics, type AppSource } from "./apps.ts";
import { RequestMetrics } from "./requests.ts";

export type { AppSample, AppSource } from "./apps.ts";
export type { ExchangeObserver, ExchangeRecord } from "./requests.ts";

export class MetricsServer {
  readonly registry = new Registry();
  /** The proxy's observer: pass it as ProxyServerOptions.observer. */
  readonly requests: RequestMetrics;
  readonly #server: Server;
  /** Answers other paths on this listener (the dashboard, when it shares it); true when it did. */
  also: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;

  constructor(apps: AppSource) {
    this.requests = new RequestMetrics(this.registry);
    new AppMetrics(this.registry, apps);
    collectDefaultMetrics({ register: this.registry });
    // Gauges named *_total break Prometheus's naming rules (promtool rejects them); their per-type
    // nodejs_active_{handles,requests,resources} siblings carry the same counts.
    for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
      this.registry.removeSingleMetric(name);
    }
    this.#server = http.createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (path !== "/metrics") {
        if (this.also?.(req, res)) return;
        res.writeHead(404, { "content-type": "text/plain" }).end("not found: metrics are at /metrics\n");
        return;
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": this.registry.contentType }).end(req.method === "HEAD" ? undefined : text),
        (error: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`cannot collect metrics: ${error.message}\n`),
      );
    });
    this.#server.on("clientError", (_error, socket) => socket.destroy());
    keepAccepting(this.#server, "metrics listener");
  }

  /** Resolves to the port bound (useful with port 0). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => {
        this.#server.off("error", reject);
        resolve((this.#server.address() as { port: number }).port);
      });
    });
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
