// An app zoo fronts but does not run (`url`): no process, no restarts, no sleep. Only its probe moves its state:
// starting until the first pass, then ready ⇄ unhealthy, until stop(), which leaves the app itself running.
import { watchAddress } from "./health.ts";
import type { Upstream } from "./instance.ts";
import { Member } from "./member.ts";

export class FrontedApp extends Member {
  #addressWatch: AbortController | undefined;

  get ready(): boolean {
    return this.state === "ready";
  }

  processes(): number[] {
    return [];
  }

  trackDescendants(): boolean {
    return false;
  }

  acquire(): Upstream | undefined {
    const { url } = this.config;
    return url && this.ready ? { host: url.host, port: url.port, release: this.activity.openRequest() } : undefined;
  }

  /** Zoo does not run it, so it never goes to sleep. */
  sleepIfIdle(): void {}

  /** Never asleep: nothing to wake. */
  wake(): Promise<void> {
    return Promise.resolve();
  }

  /** Probes the address until stop(): starting until the first pass, then ready ⇄ unhealthy; never restarted. */
  async launch(): Promise<void> {
    const { url } = this.config;
    if (this.stopRequested || !url) return;
    const watch = new AbortController();
    this.#addressWatch = watch;
    const startedAt = this.deps.clock.now();
    this.counters = { ...this.counters, startedAt, readyAt: undefined, health: undefined };
    this.moveTo("starting", `probing http://${url.host}:${url.port} (zoo does not run this app)`);
    const watched = { current: () => this.#addressWatch === watch && !watch.signal.aborted, startedAt, signal: watch.signal };
    this.background(watchAddress(this.config, this.deps, url, watched, this.healthSink), "probing its address");
  }

  /** No process to signal. */
  signal(): void {}

  /** Stops probing and routing to the address; the app itself is left running. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.activity.cancelIdle();
    this.#addressWatch?.abort();
    this.#addressWatch = undefined;
    if (this.state !== "stopped" && this.state !== "failed") this.moveTo("stopped", "stopped by zoo");
  }
}
