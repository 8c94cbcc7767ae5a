// One supervised app: its config, its state, its restart history and its current instance (one run of its
// process). Every state change goes through #moveTo, which logs one line and emits one event. The probe timing
// is in probe-schedule.ts and what its results mean in health.ts, what keeps the app awake in activity.ts, a
// run's processes in instance.ts.
import type { AppConfig } from "../config/types.ts";
import { RateLimitedNotice } from "../descriptors.ts";
import { Activity } from "./activity.ts";
import { background } from "./background.ts";
import { within, type Cancel } from "./clock.ts";
import { realDeps, type AppDeps, type AppHooks } from "./deps.ts";
import { Instance, OUTPUT_GRACE_MS, startInstance, type Termination, type Upstream } from "./instance.ts";
import { freePort } from "./ports.ts";
import type { ProcInfo } from "./proctree.ts";
import { watchAddress, watchRun, type HealthSink } from "./health.ts";
import { decideRestart, emptyHistory, formatMs, type RestartHistory } from "./restart.ts";
import type { Exit } from "./spawn.ts";
import { canTransition, isRunning, type AppState } from "./state.ts";
import { describeExit, levelOf, stateLine, type AppStatus, type StateChange } from "./status.ts";

export type { AppStatus, StateChange } from "./status.ts";
export { realDeps, type AppDeps, type AppHooks } from "./deps.ts";
export type { Upstream } from "./instance.ts";

/** How stop() ends the app: its stopSignal then SIGKILL after stopTimeout, or SIGKILL at once. */
export type StopMode = "graceful" | "immediate";

type Counters = Pick<AppStatus, "restarts" | "wakes" | "pid" | "startedAt" | "readyAt" | "lastExit" | "health" | "reason">;

export class SupervisedApp {
  readonly config: AppConfig;
  readonly #hooks: AppHooks;
  readonly #deps: AppDeps;
  readonly #notice: RateLimitedNotice;
  #state: AppState = "idle";
  #status: Counters = { restarts: 0, wakes: 0 };
  #history: RestartHistory = emptyHistory();
  #instance: Instance | undefined;
  #launching: Promise<void> | undefined;
  #cancelBackoff: Cancel | undefined;
  /** Killing what a crashed run left behind; the next launch waits for it. */
  #leftovers: Promise<void> = Promise.resolve();
  /** Set by stop(): no more restarts, no more wakes. */
  #stopRequested = false;
  /** Why stop() was called, when it says more than how the process ended ("stopped on request"). */
  #stopReason: string | undefined;
  #completed = false;
  /** What keeps the app awake: open requests (track) and holds from dependents. */
  readonly activity: Activity;
  /** The app's port: its fixed `port`, or one zoo picked (assignPort) and keeps for every run. */
  #port: number | undefined;

  constructor(config: AppConfig, hooks: AppHooks, deps: AppDeps = realDeps) {
    this.config = config;
    this.#hooks = hooks;
    this.#notice = new RateLimitedNotice(hooks.log);
    this.#deps = deps;
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
  /** Ready, and its process has not just exited (its state changes a moment later, after its last output). */
  get ready(): boolean {
    return this.#state === "ready" && !this.#instance?.exit;
  }
  /** Whether the app has exited with code 0 at least once (the `completed` dependency condition). */
  get completed(): boolean {
    return this.#completed;
  }
  /** Whether the app has been spawned at least once (the `started` dependency condition). */
  get everStarted(): boolean {
    return this.#status.startedAt !== undefined;
  }

  /** A replacement goes on counting where its predecessor was: restarts (one more for a restart) and wakes. */
  continueFrom(previous: AppStatus, restarted: boolean): void {
    this.#status.restarts = previous.restarts + (restarted ? 1 : 0);
    this.#status.wakes = previous.wakes;
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
      ...this.#status,
      ...(lastActivity !== undefined && { lastActivity }),
      active: openRequests,
      ...(this.#port !== undefined && { port: this.#port }),
      essential: this.config.essential,
    };
  }

  /** Every pid known for the current run (its root and the descendants found so far); none when not running. */
  processes(): number[] {
    return this.#instance && isRunning(this.#state) ? this.#instance.process.processes.known() : [];
  }

  /** Re-reads the process tree, so descendants are known even after their parent exits; true when it changed. */
  trackDescendants(table: ProcInfo[]): boolean {
    return this.#instance?.process.processes.refresh(table) ?? false;
  }

  /** A ready instance, reserved (it counts as an open request) until release(); undefined when none is ready. */
  acquire(): Upstream | undefined {
    const { url } = this.config;
    if (url) return this.ready ? { host: url.host, port: url.port, release: this.activity.openRequest() } : undefined;
    const port = this.#instance?.port;
    if (!this.ready || port === undefined) return undefined;
    return { host: "127.0.0.1", port, release: this.activity.openRequest() };
  }

  /** Puts a lazy app to sleep: not running until wake(). */
  sleep(reason = "lazy: starts on the first request"): void {
    this.#moveTo("sleeping", reason);
  }

  /** Goes to sleep (in the background) if it is ready or unhealthy and nothing uses it: its idle time ran out. */
  sleepIfIdle(): void {
    this.#background(this.#sleepWhenIdle(), "going to sleep");
  }

  /** Starts a sleeping app; calls while it is already being started share that start. */
  wake(): Promise<void> {
    if (this.#state !== "sleeping" || this.#launching || this.#stopRequested) return this.#launching ?? Promise.resolve();
    this.#history = emptyHistory();
    this.#status.wakes += 1;
    return this.launch();
  }

  /** Spawns the app (after checking its cwd and port). Resolves once it runs or has failed. */
  launch(): Promise<void> {
    this.#launching ??= this.#launch().finally(() => (this.#launching = undefined));
    return this.#launching;
  }

  /** Marks the app failed without running it (e.g. a dependency failed). */
  fail(reason: string): void {
    this.#fail(reason, null);
  }

  /** Forwards a signal to the app's process group. */
  signal(signal: NodeJS.Signals): void {
    this.#instance?.forward(signal);
  }

  /**
   * Stops the app for good: no more restarts or wakes. Graceful: stopSignal to the whole tree, SIGKILL after
   * stopTimeout. Immediate: SIGKILL to the whole tree. Resolves when no process is left.
   */
  async stop(mode: StopMode = "graceful", reason?: string): Promise<void> {
    this.#stopRequested = true;
    this.#stopReason = reason;
    this.#cancelBackoff?.();
    this.activity.cancelIdle();
    const immediate = mode === "immediate";
    if (this.config.url) return this.#stopWatching();
    // What a crashed run left behind, first: a pending launch may be waiting for it to die.
    if (immediate) this.#instance?.process.processes.signal("SIGKILL");
    await this.#launching;
    const instance = this.#instance;
    if (instance && isRunning(this.#state)) {
      if (!immediate && !instance.exit && this.#state !== "stopping") this.#moveTo("stopping", `sending ${this.config.stopSignal}`);
      await instance.end(immediate ? { how: "immediate" } : this.#gracefully());
      this.#finishStop(instance);
    } else {
      if (immediate) instance?.process.processes.signal("SIGKILL"); // what an ended run left behind
      if (this.#state === "idle" || this.#state === "backoff" || this.#state === "sleeping") {
        this.#moveTo("stopped", reason ?? (immediate ? "killed by zoo" : "stopped by zoo"));
      }
    }
    await this.#leftovers;
  }

  // ---- one run ----

  async #launch(): Promise<void> {
    await this.#leftovers;
    if (this.#stopRequested) return;
    if (this.config.url) return this.#watchAddress(this.config.url);
    await this.assignPort();
    const instance = await startInstance(this.config, { port: this.#port, env: this.#env(), deps: this.#deps, log: this.#hooks.log, stillWanted: () => !this.#stopRequested });
    if (typeof instance === "string") return this.#stopRequested ? undefined : this.#fail(instance, null);
    this.#instance = instance;
    const { process } = instance;
    const restart = this.#status.restarts > 0 ? `, restart ${this.#status.restarts}` : "";
    this.#status = { ...this.#status, pid: process.pid, startedAt: instance.startedAt, readyAt: undefined, health: undefined };
    this.#moveTo("starting", `pid ${process.pid}${restart}`);
    this.#background(process.exited.then((exit) => this.#onExit(instance, exit)), "handling its exit");
    this.#background(this.#watchHealth(instance), "health checks");
  }

  /** The app's own environment over zoo's: its `env`, and PORT when it has a port. Exec probes get it too. */
  #env(): Record<string, string> {
    const port = this.#port;
    return port === undefined ? this.config.env : { ...this.config.env, PORT: String(port) };
  }

  #watchHealth(instance: Instance): Promise<void> {
    const watched = { current: () => this.#instance === instance && !instance.ended.aborted, startedAt: instance.startedAt, signal: instance.ended };
    return watchRun(this.config, this.#deps, { port: instance.port, env: this.#env() }, watched, this.#healthSink, (reason) => this.#restartUnhealthy(instance, reason));
  }

  /** What probe results may change: health.ts decides when, this app's #moveTo writes it. */
  readonly #healthSink: HealthSink = {
    state: () => this.#state,
    moveTo: (to, reason) => this.#moveTo(to, reason),
    health: (detail) => (this.#status.health = detail),
    skipped: (detail) => this.#notice.warn("probe", `${this.name}: ${detail}; the probe is skipped, not counted as a failure`),
    ready: () => {
      const readyAt = this.#deps.clock.now();
      this.#status.readyAt = readyAt;
      this.#moveTo("ready", `in ${readyAt - (this.#status.startedAt ?? readyAt)}ms`);
      this.activity.armIdle();
    },
  };

  // ---- an app zoo fronts but does not run (`url`): only its probe moves its state ----

  #addressWatch: AbortController | undefined;

  /** Probes the address until stop(): starting until the first pass, then ready ⇄ unhealthy; never restarted. */
  #watchAddress(url: { host: string; port: number }): void {
    const watch = new AbortController();
    this.#addressWatch = watch;
    const startedAt = this.#deps.clock.now();
    this.#status = { ...this.#status, startedAt, readyAt: undefined, health: undefined };
    this.#moveTo("starting", `probing http://${url.host}:${url.port} (zoo does not run this app)`);
    const watched = { current: () => this.#addressWatch === watch && !watch.signal.aborted, startedAt, signal: watch.signal };
    this.#background(watchAddress(this.config, this.#deps, url, watched, this.#healthSink), "probing its address");
  }

  #stopWatching(): void {
    this.#addressWatch?.abort();
    this.#addressWatch = undefined;
    if (this.#state !== "stopped" && this.#state !== "failed") this.#moveTo("stopped", "stopped by zoo");
  }

  /** Ends a run whose probe failed; its exit then goes through the restart decision. */
  async #restartUnhealthy(instance: Instance, reason: string): Promise<void> {
    instance.unhealthy = reason;
    this.#moveTo("stopping", reason);
    this.#leftovers = instance.end(this.#gracefully());
    await this.#leftovers;
  }

  async #sleepWhenIdle(): Promise<void> {
    const instance = this.#instance;
    if (!instance || instance.exit || this.activity.inUse || (this.#state !== "ready" && this.#state !== "unhealthy")) return;
    instance.idle = true;
    this.#moveTo("stopping", this.#idleFor(), `${this.name}: ${this.#idleFor()}, stopping`);
    await instance.end(this.#gracefully());
    this.#finishStop(instance);
  }

  async #onExit(instance: Instance, exit: Exit): Promise<void> {
    instance.exited(exit);
    const at = this.#deps.clock.now();
    this.#status.lastExit = { code: exit.code, signal: exit.signal, at };
    this.#status.pid = undefined;
    if (exit.code === 0) this.#completed = true;
    // Let the app's last lines come out before the line that says it ended.
    await within(this.#deps.clock, instance.outputDone, OUTPUT_GRACE_MS);
    if (this.#stopRequested || instance.idle || this.#instance !== instance) return; // stop() or sleep finish this run

    const ending = instance.ending(exit);
    // Whatever the run left behind (children in its group, setsid'd grandchildren) goes too.
    if (!instance.unhealthy) this.#leftovers = instance.end(this.#gracefully());

    const decision = decideRestart(this.config, ending, { ...this.#history, readyAt: this.#status.readyAt }, at, this.#deps.random);
    this.#history = decision.history;
    if (decision.action === "restart") {
      this.#status.restarts += 1;
      this.#moveTo("backoff", decision.reason);
      this.#cancelBackoff = this.#deps.clock.setTimeout(() => {
        this.#cancelBackoff = undefined;
        this.#background(this.launch(), "restarting after backoff");
      }, decision.delayMs);
    } else if (decision.action === "stop") {
      this.#moveTo("stopped", decision.reason);
    } else {
      this.#fail(decision.reason, exit.code);
    }
  }

  #finishStop(instance: Instance): void {
    if (this.#instance !== instance || this.#state === "stopped") return;
    const how = instance.exit ? describeExit(instance.exit) : "gone";
    if (instance.idle && !this.#stopRequested) this.#moveTo("sleeping", `${this.#idleFor()}; the next request wakes it`);
    else this.#moveTo("stopped", this.#stopReason ?? how);
  }

  #idleFor(): string {
    return `idle for ${formatMs(this.config.idleTimeout!)}`;
  }

  #gracefully(): Termination {
    return { how: "graceful", stopSignal: this.config.stopSignal, stopTimeout: this.config.stopTimeout };
  }

  #fail(reason: string, exitCode: number | null): void {
    this.#moveTo("failed", reason);
    if (this.config.essential) this.#hooks.onFatal?.(this.name, exitCode ? exitCode : 1);
  }

  #background(work: Promise<unknown>, what: string): void {
    background(work, `${this.name}: ${what}`, this.#hooks.onInternalError);
  }

  /** The one writer of the state. `line` replaces the usual log line (stateLine()) when that reads badly. */
  #moveTo(to: AppState, reason?: string, line = stateLine(this.name, to, reason)): void {
    const from = this.#state;
    if (from === to) return;
    if (!canTransition(from, to)) {
      // A bug in zoo, not in the app: say so loudly, but keep supervising.
      this.#hooks.log.zoo("error", `${this.name}: internal error: illegal state change ${from} → ${to}`, { app: this.name });
    }
    this.#state = to;
    this.#status.reason = reason;
    if (!isRunning(to)) this.#status.pid = undefined;
    this.#hooks.log.zoo(levelOf(to), line, { app: this.name, state: to, ...(reason && { reason }) });
    this.#hooks.onChange({ app: this.name, from, to, reason, at: this.#deps.clock.now(), status: this.status() });
  }
}
