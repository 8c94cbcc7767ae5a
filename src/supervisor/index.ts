// All apps together: start in dependency order, stop in reverse, one event stream for everyone else.
import type { AppConfig, DependencyConditionName } from "../config/types.ts";
import type { Logger } from "../log.ts";
import { findCycles } from "../dependencies.ts";
import { SupervisedApp, type AppStatus, type StateChange } from "./app.ts";
import { readProcessTable } from "./proctree.ts";
import { isRunning } from "./state.ts";

export type { AppStatus, StateChange } from "./app.ts";
export type { AppState } from "./state.ts";
export { APP_STATES } from "./state.ts";
export { freePort } from "./ports.ts";

/** One ready instance of an app, reserved until release(); the proxy's UpstreamPool has the same shape. */
export interface Upstream {
  host: string;
  port: number;
  release(): void;
}

/** Every state change of every app. */
export type SupervisorEvent = { type: "state" } & StateChange;

export interface SupervisorOptions {
  log: Logger;
  /** An essential app failed for good: stop everything and exit with exitCode. */
  onFatal?: (app: string, exitCode: number) => void;
  /** How often descendants of running apps are looked up in /proc. Default 500ms. */
  trackIntervalMs?: number;
}

export class Supervisor {
  readonly #apps = new Map<string, SupervisedApp>();
  readonly #log: Logger;
  readonly #listeners = new Set<(event: SupervisorEvent) => void>();
  readonly #trackIntervalMs: number;
  #tracker: NodeJS.Timeout | undefined;
  #stopping = false;
  /** Wakes in progress, one per app however many requests ask for it. */
  readonly #wakes = new Map<string, Promise<void>>();
  /** Per app that is awake (or on its way up): the holds that keep its dependencies awake. */
  readonly #dependencyHolds = new Map<string, (() => boolean)[]>();

  constructor(apps: AppConfig[], options: SupervisorOptions) {
    this.#log = options.log;
    this.#trackIntervalMs = options.trackIntervalMs ?? 500;
    const hooks = {
      log: options.log,
      onChange: (change: StateChange) => {
        if (change.to === "sleeping" || change.to === "stopped" || change.to === "failed") this.#releaseDependencies(change.app);
        this.#emit({ type: "state", ...change });
      },
      onFatal: (app: string, code: number) => {
        if (!this.#stopping) options.onFatal?.(app, code);
      },
    };
    for (const config of apps) this.#apps.set(config.name, new SupervisedApp(config, hooks));
    checkDependencies(apps);
  }

  /** Launches every non-lazy app once its dependencies meet their condition; independent apps in parallel. */
  async start(): Promise<void> {
    await Promise.all([...this.#apps.values()].map((app) => app.assignPort()));
    this.#tracker ??= setInterval(() => this.trackDescendants(), this.#trackIntervalMs).unref();
    await Promise.all(
      [...this.#apps.values()].map(async (app) => {
        if (app.state !== "idle") return;
        if (app.config.lazy) return app.sleep();
        this.#holdDependencies(app);
        const blocker = await this.#dependenciesMet(app);
        if (this.#stopping) return;
        if (blocker) return app.fail(blocker);
        await app.launch();
      }),
    );
  }

  /** Stops every app, dependents before their dependencies; resolves when every process is gone. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const stops = new Map<string, Promise<void>>();
    const stopApp = (name: string): Promise<void> => {
      let stopping = stops.get(name);
      if (!stopping) {
        const dependents = [...this.#apps.values()].filter((a) => name in a.config.dependsOn).map((a) => a.name);
        stopping = Promise.all(dependents.map(stopApp)).then(() => this.#apps.get(name)!.stop());
        stops.set(name, stopping);
      }
      return stopping;
    };
    await Promise.all([...this.#apps.keys()].map(stopApp));
    this.#stopTracking();
  }

  /** SIGKILL to every process of every app, at once. */
  async killAll(): Promise<void> {
    this.#stopping = true;
    await Promise.all([...this.#apps.values()].map((app) => app.kill()));
    this.#stopTracking();
  }

  /** Forwards a signal (e.g. SIGUSR1, SIGHUP) to every running app's process group. */
  signal(signal: NodeJS.Signals): void {
    for (const app of this.#apps.values()) app.signal(signal);
  }

  snapshot(): AppStatus[] {
    return [...this.#apps.values()].map((app) => app.status());
  }

  /** The current state of every app plus every later event: nothing can happen in between. */
  subscribe(fn: (event: SupervisorEvent) => void): { snapshot: AppStatus[]; unsubscribe(): void } {
    this.#listeners.add(fn);
    return { snapshot: this.snapshot(), unsubscribe: () => this.#listeners.delete(fn) };
  }

  /**
   * A request or connection to the app began; call the returned function when it has ended (idle
   * timeouts: the app does not sleep while any is open).
   */
  track(name: string): () => void {
    return this.#apps.get(name)?.track() ?? (() => {});
  }

  /** A ready instance of the app, held (for idle accounting) until release(); undefined when none is ready. */
  acquire(name: string): Upstream | undefined {
    const app = this.#apps.get(name);
    if (!app?.ready || app.port === undefined) return undefined;
    return { host: "127.0.0.1", port: app.port, release: app.track() };
  }

  /** Like waitReady, then acquire: a ready instance, or undefined on timeout, abort, stop or failure. */
  async waitFor(name: string, timeoutMs: number, signal?: AbortSignal, cause?: string): Promise<Upstream | undefined> {
    const ready = await this.waitReady(name, timeoutMs, signal, cause);
    return ready ? this.acquire(name) : undefined;
  }

  isReady(name: string): boolean {
    return this.#apps.get(name)?.ready ?? false;
  }

  /**
   * Resolves true once the app is ready; false on timeout, abort, or when it has stopped or failed
   * for good. A sleeping app is woken (its dependencies first); one going to sleep is woken once it
   * has. `cause` says who asks, for the log: "GET /node/x".
   */
  waitReady(name: string, timeoutMs: number, signal?: AbortSignal, cause = "a request"): Promise<boolean> {
    const app = this.#apps.get(name);
    if (!app) return Promise.resolve(false);
    if (app.ready) return Promise.resolve(true);
    if (app.state === "sleeping") void this.#wake(app, cause);
    if (app.state === "failed" || app.state === "stopped" || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (ready: boolean) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        signal?.removeEventListener("abort", onAbort);
        resolve(ready);
      };
      const listener = (event: SupervisorEvent) => {
        if (event.app !== name) return;
        if (event.to === "ready") finish(true);
        else if (event.to === "failed" || event.to === "stopped") finish(false);
        else if (event.to === "sleeping") void this.#wake(app, cause); // it was going to sleep when asked
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.#listeners.add(listener);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Wakes a sleeping app once its dependencies meet their condition (waking them too). */
  #wake(app: SupervisedApp, cause: string): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    let waking = this.#wakes.get(app.name);
    if (!waking) {
      this.#log.zoo("info", `${app.name}: woken by ${cause}`, { app: app.name });
      this.#holdDependencies(app);
      waking = (async () => {
        const blocker = await this.#dependenciesMet(app);
        if (this.#stopping) return;
        if (blocker) return app.fail(blocker);
        await app.wake();
      })().finally(() => this.#wakes.delete(app.name));
      this.#wakes.set(app.name, waking);
    }
    return waking;
  }

  /** While an app is awake or waking, its dependencies do not go to sleep. */
  #holdDependencies(app: SupervisedApp): void {
    if (this.#dependencyHolds.has(app.name)) return;
    const holds = Object.keys(app.config.dependsOn).map((dep) => this.#apps.get(dep)!.keepAwake());
    this.#dependencyHolds.set(app.name, holds);
  }

  #releaseDependencies(name: string): void {
    for (const release of this.#dependencyHolds.get(name) ?? []) release();
    this.#dependencyHolds.delete(name);
  }

  /**
   * Waits until each dependency meets its condition. Resolves undefined when they all do, or the
   * reason the app can never start (a dependency failed or stopped short of its condition).
   */
  #dependenciesMet(app: SupervisedApp): Promise<string | undefined> {
    const deps = Object.entries(app.config.dependsOn);
    const check = (): string | null | undefined => {
      for (const [name, condition] of deps) {
        const dep = this.#apps.get(name)!;
        if (meets(dep, condition)) continue;
        if (dep.state === "failed") return `dependency ${name} failed`;
        if (dep.state === "stopped") return `dependency ${name} stopped before it was ${condition}`;
        return null; // still waiting
      }
      return undefined;
    };
    return new Promise((resolve) => {
      const settle = () => {
        if (this.#stopping) return done(undefined);
        // Sleeping dependencies (lazy, or just gone idle) are woken by whoever needs them.
        for (const [name] of deps) {
          const dep = this.#apps.get(name)!;
          if (dep.state === "sleeping") void this.#wake(dep, `${app.name} (depends on it)`);
        }
        const result = check();
        if (result !== null) done(result);
      };
      const done = (result: string | undefined) => {
        this.#listeners.delete(settle);
        resolve(result);
      };
      this.#listeners.add(settle);
      settle();
    });
  }

  #emit(event: SupervisorEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.#log.zoo("error", `a supervisor event listener threw: ${(error as Error).message}`);
      }
    }
  }

  /**
   * Looks up the descendants of every running app in /proc, so that a process orphaned later (its
   * parent exited) is still known as the app's. Runs every trackIntervalMs on its own.
   */
  trackDescendants(): void {
    const running = [...this.#apps.values()].filter((app) => isRunning(app.state));
    if (running.length === 0) return;
    const table = readProcessTable();
    for (const app of running) app.trackDescendants(table);
  }

  #stopTracking(): void {
    clearInterval(this.#tracker);
    this.#tracker = undefined;
  }
}

function meets(dep: SupervisedApp, condition: DependencyConditionName): boolean {
  switch (condition) {
    case "started":
      return dep.everStarted;
    case "ready":
      return dep.state === "ready";
    case "completed":
      return dep.completed;
  }
}

/** Unknown names and cycles would make start() wait forever: refuse them up front. */
function checkDependencies(apps: AppConfig[]): void {
  const byName = new Map(apps.map((a) => [a.name, a]));
  for (const app of apps) {
    for (const dep of Object.keys(app.dependsOn)) {
      if (!byName.has(dep)) throw new Error(`app ${app.name} depends on unknown app ${dep}`);
    }
  }
  const [cycle] = findCycles(new Map(apps.map((app) => [app.name, Object.keys(app.dependsOn)])));
  if (cycle) throw new Error(`dependency cycle: ${cycle.join(" → ")}`);
}
