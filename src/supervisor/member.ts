// One member of the supervisor's roster: a replica zoo runs (SupervisedApp, app.ts) or an address zoo only fronts
// (FrontedApp, fronted.ts). What both have, and what the proxy, the status and the supervisor's collaborators use:
// the config, the state and its one writer (moveTo: one log line, one event), the status record, what keeps it awake
// (activity.ts), and what probe results may change (health.ts's sink).
import type { AppConfig } from "../config/types.ts";
import { RateLimitedNotice } from "../descriptors.ts";
import { Activity } from "./activity.ts";
import { background } from "./background.ts";
import { realDeps, type AppDeps, type AppHooks } from "./runtime.ts";
import type { HealthSink } from "./health.ts";
import type { Upstream } from "./instance.ts";
import { freePort } from "./ports.ts";
import type { ProcInfo } from "./proctree.ts";
import { canTransition, isRunning, type AppState } from "./state.ts";
import { levelOf, stateLine, type AppStatus } from "./status.ts";

/** How stop() ends the app: its stopSignal then SIGKILL after stopTimeout, or SIGKILL at once. */
export type StopMode = "graceful" | "immediate";

export type Counters = Pick<AppStatus, "restarts" | "wakes" | "pid" | "startedAt" | "readyAt" | "lastExit" | "health" | "reason">;

export abstract class Member {
  readonly config: AppConfig;
  /** What keeps the app awake: open requests (track) and holds from dependents. */
  readonly activity: Activity;
  protected readonly hooks: AppHooks;
  protected readonly deps: AppDeps;
  protected counters: Counters = { restarts: 0, wakes: 0 };
  /** Set by stop(): no more restarts, no more wakes. */
  protected stopRequested = false;
  #state: AppState = "idle";
  /** Warnings that would repeat every probe (out of descriptors): at most one per kind every few seconds. */
  readonly #notice: RateLimitedNotice;
  /** The app's port: its address's, its fixed `port`, or one zoo picked (assignPort) and keeps for every run. */
  #port: number | undefined;

  constructor(config: AppConfig, hooks: AppHooks, deps: AppDeps = realDeps) {
    this.config = config;
    this.hooks = hooks;
    this.deps = deps;
    this.#notice = new RateLimitedNotice(hooks.log);
    this.#port = config.url?.port ?? config.port;
    this.activity = new Activity({
      idleTimeout: config.idleTimeout,
      clock: deps.clock,
      mayIdle: () => this.#state === "ready",
      onIdle: () => (hooks.onIdle ? hooks.onIdle() : this.sleepIfIdle()),
    });
  }

  get name(): string {
    return this.config.name;
  }
  get port(): number | undefined {
    return this.#port;
  }
  get state(): AppState {
    return this.#state;
  }
  /** Whether requests may go to it now. */
  abstract get ready(): boolean;
  /** Whether the app has exited with code 0 at least once (the `completed` dependency condition). */
  get completed(): boolean {
    return false;
  }
  /** Whether the app has been spawned (or its address probed) at least once (the `started` dependency condition). */
  get everStarted(): boolean {
    return this.counters.startedAt !== undefined;
  }

  /** A replacement goes on counting where its predecessor was: restarts (one more for a restart) and wakes. */
  continueFrom(previous: AppStatus, restarted: boolean): void {
    this.counters.restarts = previous.restarts + (restarted ? 1 : 0);
    this.counters.wakes = previous.wakes;
  }

  /** Picks a free port for an app without a fixed one; the config itself is never changed. */
  async assignPort(): Promise<number> {
    this.#port ??= await freePort();
    return this.#port;
  }

  status(): AppStatus {
    const { lastActivity, openRequests } = this.activity;
    return {
      name: this.name,
      state: this.#state,
      ...this.counters,
      ...(lastActivity !== undefined && { lastActivity }),
      active: openRequests,
      ...(this.#port !== undefined && { port: this.#port }),
      essential: this.config.essential,
    };
  }

  /** Every pid known for the current run (its root and the descendants found so far); none when not running. */
  abstract processes(): number[];
  /** Re-reads the process tree, so descendants are known even after their parent exits; true when it changed. */
  abstract trackDescendants(table: ProcInfo[]): boolean;
  /** A ready instance, reserved (it counts as an open request) until release(); undefined when none is ready. */
  abstract acquire(): Upstream | undefined;

  /** Puts a lazy app to sleep: not running until wake(). */
  sleep(reason = "lazy: starts on the first request"): void {
    this.moveTo("sleeping", reason);
  }

  /** Goes to sleep (in the background) if it is ready or unhealthy and nothing uses it: its idle time ran out. */
  abstract sleepIfIdle(): void;
  /** Starts a sleeping app; calls while it is already being started share that start. */
  abstract wake(): Promise<void>;
  /** Brings the app up. Resolves once it runs or has failed. */
  abstract launch(): Promise<void>;

  /** Marks the app failed without running it (e.g. a dependency failed). */
  fail(reason: string): void {
    this.failWith(reason, null);
  }

  /** Forwards a signal to the app's process group. */
  abstract signal(signal: NodeJS.Signals): void;
  /** Stops the app for good: no more restarts or wakes. Resolves when no process is left. */
  /** `killAt`: SIGKILL at this time instead of stopTimeout after the signal (zoo's own stop: Supervisor.stop). */
  abstract stop(mode?: StopMode, reason?: string, killAt?: number): Promise<void>;

  /** What probe results may change: health.ts decides when, moveTo writes it. */
  protected readonly healthSink: HealthSink = {
    state: () => this.#state,
    moveTo: (to, reason) => this.moveTo(to, reason),
    health: (detail) => (this.counters.health = detail),
    skipped: (detail) => this.#notice.warn("probe", `${this.name}: ${detail}; the probe is skipped, not counted as a failure`),
    ready: () => {
      const readyAt = this.deps.clock.now();
      this.counters.readyAt = readyAt;
      this.moveTo("ready", `in ${readyAt - (this.counters.startedAt ?? readyAt)}ms`);
      this.activity.armIdle();
    },
  };

  protected failWith(reason: string, exitCode: number | null): void {
    this.moveTo("failed", reason);
    if (this.config.essential) this.hooks.onFatal?.(this.name, exitCode ? exitCode : 1);
  }

  protected background(work: Promise<unknown>, what: string): void {
    background(work, `${this.name}: ${what}`, this.hooks.onInternalError);
  }

  /** The one writer of the state. `line` replaces the usual log line (stateLine()) when that reads badly. */
  protected moveTo(to: AppState, reason?: string, line = stateLine(this.name, to, reason)): void {
    const from = this.#state;
    if (from === to) return;
    if (!canTransition(from, to)) {
      // A bug in zoo, not in the app: say so loudly, but keep supervising.
      this.hooks.log.zoo("error", `${this.name}: internal error: illegal state change ${from} → ${to}`, { app: this.name });
    }
    this.#state = to;
    this.counters.reason = reason;
    if (!isRunning(to)) this.counters.pid = undefined;
    this.hooks.log.zoo(levelOf(to), line, { app: this.name, state: to, ...(reason && { reason }) });
    this.hooks.onChange({ app: this.name, from, to, reason, at: this.deps.clock.now(), status: this.status() });
  }
}
