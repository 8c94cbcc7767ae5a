// All apps together: start in dependency order, stop in reverse, one event stream for everyone else.
import type { AppConfig } from "../config/types.ts";
import type { Logger } from "../log.ts";
import { dependencyProblem } from "../dependencies.ts";
import { realDeps, SupervisedApp, type AppDeps, type AppStatus, type StateChange, type Upstream } from "./app.ts";
import type { InternalErrorHandler } from "./background.ts";
import { Dependencies } from "./dependencies.ts";
import { Groups } from "./group.ts";
import { Operations } from "./operations.ts";
import { pickReplica, replicaConfigs } from "./replicas.ts";
import { DescendantTracker } from "./tracker.ts";

export type { AppStatus, StateChange, Upstream } from "./app.ts";
export type { AppState } from "./state.ts";
export type { InternalErrorHandler } from "./background.ts";
export { APP_STATES } from "./state.ts";
export { freePort } from "./ports.ts";
export type { Outcome } from "./handover.ts";


/** Every state change of every app. */
export type SupervisorEvent = { type: "state" } & StateChange;

export interface SupervisorOptions extends Partial<AppDeps> {
  log: Logger;
  /** An essential app failed for good: stop everything and exit with exitCode. */
  onFatal?: (app: string, exitCode: number) => void;
  /**
   * A bug in zoo on a background path (a rejected promise nobody awaits). main.ts stops every app and exits 70.
   * The error is logged with its stack before this is called.
   */
  onInternalError?: InternalErrorHandler;
  /** How often descendants of running apps are looked up in /proc. Default 500ms. */
  trackIntervalMs?: number;
  /** How long a replaced or removed app may finish its open requests before it is stopped. Default 10s. */
  drainTimeout?: number;
}

export class Supervisor {
  /** The current app of each replica's name: "node" (one replica), or "node.0", "node.1", … */
  readonly #apps = new Map<string, SupervisedApp>();
  /** Each app's config, by the app's name ("node"). */
  readonly #configs = new Map<string, AppConfig>();
  /** The app each replica's name belongs to ("node.1" → "node"); kept for retirees' log lines too. */
  readonly #appOfReplica = new Map<string, string>();
  /** Picks so far: round robin among equally busy replicas. */
  #turn = 0;
  readonly #log: Logger;
  /** The public event stream (subscribe). */
  readonly #listeners = new Set<(event: SupervisorEvent) => void>();
  /** zoo's own waiters (waitReady, dependencies): told of every state change after the public listeners. */
  readonly #waiters = new Set<(change: StateChange) => void>();
  readonly #deps: AppDeps;
  readonly #onInternalError: InternalErrorHandler;
  readonly #tracker: DescendantTracker;
  /** How many apps were running at the tracker's last look. */
  #stopping = false;
  readonly #dependencies: Dependencies;
  /** Each app's replicas waking and sleeping as one. */
  readonly #groups: Groups;
  /** State changes of apps that are not (or no longer) the current one of their name: replacements, retirees. */
  readonly #watchers = new Map<SupervisedApp, (change: StateChange) => void>();
  /** Every app with a process or on its way to one: the current ones, and replacements or retirees off stage. */
  readonly #alive = new Set<SupervisedApp>();
  readonly #createApp: (config: AppConfig, app: string) => SupervisedApp;
  /** zoo stop/start/restart, and a reload's added, changed and removed apps. */
  readonly operations: Operations;

  constructor(apps: AppConfig[], options: SupervisorOptions) {
    const { log, onFatal, onInternalError, trackIntervalMs = 500, drainTimeout = 10_000, ...deps } = options;
    this.#log = log;
    this.#tracker = new DescendantTracker(trackIntervalMs, () => this.#alive);
    this.#deps = { ...realDeps, ...deps };
    this.#onInternalError = (error, what) => {
      log.zoo("error", `internal error (a bug in zoo) in ${what}: ${error.stack ?? error.message}`);
      onInternalError?.(error, what);
    };
    // Only the current app of a name speaks for it; a replacement starting or a retiree draining only logs.
    this.#createApp = (config, name) => {
      this.#appOfReplica.set(config.name, name);
      const app: SupervisedApp = new SupervisedApp(
        config,
        {
          log,
          onChange: (change: StateChange) => {
            if (change.to === "stopped" || change.to === "failed") this.#alive.delete(app);
            else this.#alive.add(app);
            this.#groups.changed(app, change);
            if (this.#apps.get(change.app) !== app) return this.#watchers.get(app)?.(change);
            if (change.to === "sleeping" || change.to === "stopped" || change.to === "failed") this.#dependencies.release(change.app);
            this.#emit({ type: "state", ...change });
            for (const waiter of [...this.#waiters]) {
              try {
                waiter(change);
              } catch (error) {
                this.#onInternalError(error as Error, `${change.app}: a waiter for its state`);
              }
            }
          },
          onFatal: (name: string, code: number) => {
            if (!this.#stopping && this.#apps.get(name) === app) onFatal?.(name, code);
          },
          onIdle: () => this.#groups.idle(app),
          onInternalError: this.#onInternalError,
        },
        this.#deps,
      );
      return app;
    };
    for (const config of apps) {
      this.#configs.set(config.name, config);
      for (const replica of replicaConfigs(config)) this.#apps.set(replica.name, this.#createApp(replica, config.name));
    }
    this.#groups = new Groups({
      members: (name) => this.#members(name),
      appOf: (name) => this.appOf(name),
      waiters: this.#waiters,
      stopping: () => this.#stopping,
      bringUp: (app) => this.#bringUp(app, "wake"),
      clock: this.#deps.clock,
      log,
      onInternalError: this.#onInternalError,
    });
    this.#dependencies = new Dependencies({
      members: (name) => this.#members(name),
      waiters: this.#waiters,
      stopping: () => this.#stopping,
      wake: (name, cause) => this.#groups.wake(name, cause),
    });
    this.operations = new Operations({
      apps: this.#apps,
      configs: this.#configs,
      members: (name) => this.#members(name),
      create: this.#createApp,
      bringUp: (app) => this.#bringUp(app, "launch"),
      watch: (app, fn) => this.#watch(app, fn),
      clock: this.#deps.clock,
      drainTimeout,
    });
    // Unknown names and cycles would make start() wait forever: refuse them up front.
    const problem = dependencyProblem(apps);
    if (problem) throw new Error(problem);
  }

  /** Launches every non-lazy app once its dependencies meet their condition; independent apps in parallel. */
  async start(): Promise<void> {
    await Promise.all([...this.#apps.values()].map((app) => app.assignPort()));
    this.#tracker.start();
    await Promise.all(
      [...this.#apps.values()].map(async (app) => {
        if (app.state !== "idle") return;
        if (app.config.lazy) return app.sleep();
        await this.#bringUp(app, "launch");
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
        const dependents = [...this.#configs.values()].filter((a) => name in a.dependsOn).map((a) => a.name);
        stopping = Promise.all(dependents.map(stopApp)).then(() => Promise.all(this.#members(name).map((app) => app.stop()))).then(() => {});
        stops.set(name, stopping);
      }
      return stopping;
    };
    await Promise.all([...this.#configs.keys()].map(stopApp));
    await Promise.all([...this.#alive].map((app) => app.stop())); // replacements and retirees off stage
    this.#tracker.stop();
  }

  /** SIGKILL to every process of every app, at once. */
  async killAll(): Promise<void> {
    this.#stopping = true;
    await Promise.all([...new Set([...this.#apps.values(), ...this.#alive])].map((app) => app.stop("immediate")));
    this.#tracker.stop();
  }

  /** Forwards a signal (SIGUSR1, SIGUSR2) to every running app's process group. */
  signal(signal: NodeJS.Signals): void {
    for (const app of this.#apps.values()) app.signal(signal);
  }

  /** Every pid known for the app's current runs (each replica's): root processes and the descendants tracked so far. */
  processes(name: string): number[] {
    const replica = this.#apps.get(name); // "node.1", or "node" when it has one replica
    return replica ? replica.processes() : this.#members(name).flatMap((app) => app.processes());
  }

  /** The apps' names ("node", never "node.1"). */
  names(): string[] {
    return [...this.#configs.keys()];
  }

  /** The app a replica's name belongs to: "node.1" → "node"; any other name unchanged. */
  appOf(name: string): string {
    return this.#appOfReplica.get(name) ?? name;
  }

  /** A replica's app and index: "node.1" → node, "1"; "node" (one replica) → node, "0". */
  replicaOf(name: string): { app: string; replica: string } {
    const app = this.appOf(name);
    return { app, replica: app === name ? "0" : name.slice(app.length + 1) };
  }

  /** The current replicas of an app, in order (one, unless it has `replicas`). */
  #members(name: string): SupervisedApp[] {
    const index = (app: SupervisedApp) => Number(app.name.slice(name.length + 1)) || 0;
    return [...this.#apps.values()].filter((app) => this.#appOfReplica.get(app.name) === name).sort((a, b) => index(a) - index(b));
  }

  /**
   * Why no instance of the app will come until an operator acts, for the proxy: stopped on request, or failed for
   * good (every replica), with the reason `zoo status` shows. Undefined while a retry can still succeed.
   */
  unavailable(name: string): string | undefined {
    const onRequest = this.operations.unavailable(name);
    if (onRequest !== undefined) return onRequest;
    const members = this.#members(name);
    if (members.length === 0 || !members.every((app) => app.state === "failed")) return undefined;
    const { reason } = members[0].status();
    return `the app failed${reason ? `: ${reason}` : ""} (zoo start ${name} runs it again)`;
  }

  /** Calls fn with every state change of `app`, current or not, until the returned function is called. */
  #watch(app: SupervisedApp, fn: (change: StateChange) => void): () => void {
    const waiter = (change: StateChange) => {
      if (this.#apps.get(change.app) === app) fn(change);
    };
    this.#watchers.set(app, fn);
    this.#waiters.add(waiter);
    return () => {
      this.#watchers.delete(app);
      this.#waiters.delete(waiter);
    };
  }

  /** One row per replica, app by app. */
  snapshot(): AppStatus[] {
    return [...this.#configs.keys()].flatMap((name) => this.#members(name).map((app) => app.status()));
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
    return this.#apps.get(name)?.activity.openRequest() ?? (() => {});
  }

  /**
   * A ready instance of the app — of its replicas, the ready one with the fewest requests in flight, round robin
   * among equals — held (for idle accounting) until release(); undefined when none is ready.
   */
  acquire(name: string): Upstream | undefined {
    return pickReplica(this.#members(name), this.#turn++);
  }

  /** Like waitReady, then acquire: a ready instance, or undefined on timeout, abort, stop or failure. */
  async waitFor(name: string, timeoutMs: number, signal?: AbortSignal, cause?: string): Promise<Upstream | undefined> {
    const ready = await this.waitReady(name, timeoutMs, signal, cause);
    return ready ? this.acquire(name) : undefined;
  }

  /** Ready when one of its replicas is. */
  isReady(name: string): boolean {
    return this.#members(name).some((app) => app.ready);
  }

  /**
   * Resolves true once the app is ready; false on timeout, abort, or when it has stopped or failed for good. A
   * sleeping app is woken (one replica, then the others: group.ts). `cause` says who asks, for the log: "GET /node/x".
   */
  waitReady(name: string, timeoutMs: number, signal?: AbortSignal, cause = "a request"): Promise<boolean> {
    return this.#groups.waitReady(name, timeoutMs, signal, cause);
  }

  /**
   * The one way an app comes up, at start or woken: its dependencies held awake, their conditions awaited (a
   * dependency that can never meet its condition fails the app), then the app launched or woken.
   */
  async #bringUp(app: SupervisedApp, how: "launch" | "wake"): Promise<void> {
    this.#dependencies.hold(app);
    const blocker = await this.#dependencies.met(app);
    if (this.#stopping) return;
    if (blocker) return app.fail(blocker);
    await (how === "launch" ? app.launch() : app.wake());
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

  /** Looks up the descendants of every running app in /proc now (tracker.ts); true when something changed. */
  trackDescendants(): boolean {
    return this.#tracker.trackNow();
  }
}
