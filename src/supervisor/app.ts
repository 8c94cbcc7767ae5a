// One app zoo runs (a replica of it): its restart history and its current instance (one run of its process). What
// every member of the roster has (state, status, activity) is in member.ts; an address zoo only fronts is a
// FrontedApp (fronted.ts). The probe timing is in probe-schedule.ts and what its results mean in health.ts, what
// keeps the app awake in activity.ts, a run's processes in instance.ts.
import { within, type Cancel } from "./clock.ts";
import { Instance, OUTPUT_GRACE_MS, startInstance, type Termination, type Upstream } from "./instance.ts";
import { Member, type StopMode } from "./member.ts";
import type { ProcInfo } from "./proctree.ts";
import { watchRun } from "./health.ts";
import { decideRestart, emptyHistory, formatMs, type RestartHistory } from "./restart.ts";
import type { Exit } from "./spawn.ts";
import { isRunning } from "./state.ts";
import { describeExit } from "./status.ts";

export type { AppStatus, StateChange } from "./status.ts";
export { realDeps, type AppDeps, type AppHooks } from "./runtime.ts";
export type { Upstream } from "./instance.ts";
export type { StopMode } from "./member.ts";

export class SupervisedApp extends Member {
  #history: RestartHistory = emptyHistory();
  #instance: Instance | undefined;
  #launching: Promise<void> | undefined;
  #cancelBackoff: Cancel | undefined;
  /** Killing what a crashed run left behind; the next launch waits for it. */
  #leftovers: Promise<void> = Promise.resolve();
  /** Why stop() was called, when it says more than how the process ended ("stopped on request"). */
  #stopReason: string | undefined;
  #completed = false;

  /** Ready, and its process has not just exited (its state changes a moment later, after its last output). */
  get ready(): boolean {
    return this.state === "ready" && !this.#instance?.exit;
  }
  /** Whether the app has exited with code 0 at least once (the `completed` dependency condition). */
  override get completed(): boolean {
    return this.#completed;
  }

  processes(): number[] {
    return this.#instance && isRunning(this.state) ? this.#instance.process.processes.known() : [];
  }

  trackDescendants(table: ProcInfo[]): boolean {
    return this.#instance?.process.processes.refresh(table) ?? false;
  }

  acquire(): Upstream | undefined {
    const port = this.#instance?.port;
    if (!this.ready || port === undefined) return undefined;
    return { host: "127.0.0.1", port, release: this.activity.openRequest() };
  }

  sleepIfIdle(): void {
    this.background(this.#sleepWhenIdle(), "going to sleep");
  }

  wake(): Promise<void> {
    if (this.state !== "sleeping" || this.#launching || this.stopRequested) return this.#launching ?? Promise.resolve();
    this.#history = emptyHistory();
    this.counters.wakes += 1;
    return this.launch();
  }

  /** Spawns the app (after checking its cwd and port). Resolves once it runs or has failed. */
  launch(): Promise<void> {
    this.#launching ??= this.#launch().finally(() => (this.#launching = undefined));
    return this.#launching;
  }

  signal(signal: NodeJS.Signals): void {
    this.#instance?.forward(signal);
  }

  /**
   * Stops the app for good: no more restarts or wakes. Graceful: stopSignal to the whole tree, SIGKILL after
   * stopTimeout. Immediate: SIGKILL to the whole tree. Resolves when no process is left. `killAt`: SIGKILL at this
   * time instead (zoo's own stop, whose clock started before this app's turn came: Supervisor.stop).
   */
  async stop(mode: StopMode = "graceful", reason?: string, killAt?: number): Promise<void> {
    this.stopRequested = true;
    this.#stopReason = reason;
    this.#cancelBackoff?.();
    this.activity.cancelIdle();
    const immediate = mode === "immediate";
    // What a crashed run left behind, first: a pending launch may be waiting for it to die.
    if (immediate) this.#instance?.process.processes.signal("SIGKILL");
    await this.#launching;
    const instance = this.#instance;
    if (instance && isRunning(this.state)) {
      if (!immediate && !instance.exit && this.state !== "stopping") this.moveTo("stopping", `sending ${this.config.stopSignal}`);
      await instance.end(immediate ? { how: "immediate" } : this.#gracefully(killAt));
      this.#finishStop(instance);
    } else {
      if (immediate) instance?.process.processes.signal("SIGKILL"); // what an ended run left behind
      if (this.state === "idle" || this.state === "backoff" || this.state === "sleeping") {
        this.moveTo("stopped", reason ?? (immediate ? "killed by zoo" : "stopped by zoo"));
      }
    }
    await this.#leftovers;
  }

  // ---- one run ----

  async #launch(): Promise<void> {
    await this.#leftovers;
    if (this.stopRequested) return;
    const port = await this.assignPort();
    const instance = await startInstance(this.config, { port, env: this.#env(), deps: this.deps, log: this.hooks.log, stillWanted: () => !this.stopRequested });
    if (typeof instance === "string") return this.stopRequested ? undefined : this.failWith(instance, null);
    this.#instance = instance;
    const { process } = instance;
    const restart = this.counters.restarts > 0 ? `, restart ${this.counters.restarts}` : "";
    this.counters = { ...this.counters, pid: process.pid, startedAt: instance.startedAt, readyAt: undefined, health: undefined };
    this.moveTo("starting", `pid ${process.pid}${restart}`);
    this.background(process.exited.then((exit) => this.#onExit(instance, exit)), "handling its exit");
    this.background(this.#watchHealth(instance), "health checks");
  }

  /** The app's own environment over zoo's: its `env`, and PORT when it has a port. Exec probes get it too. */
  #env(): Record<string, string> {
    const port = this.port;
    return port === undefined ? this.config.env : { ...this.config.env, PORT: String(port) };
  }

  #watchHealth(instance: Instance): Promise<void> {
    const watched = { current: () => this.#instance === instance && !instance.ended.aborted, startedAt: instance.startedAt, signal: instance.ended };
    return watchRun(this.config, this.deps, { port: instance.port, env: this.#env() }, watched, this.healthSink, (reason) => this.#restartUnhealthy(instance, reason));
  }

  /** Ends a run whose probe failed; its exit then goes through the restart decision. */
  async #restartUnhealthy(instance: Instance, reason: string): Promise<void> {
    instance.unhealthy = reason;
    this.moveTo("stopping", reason);
    this.#leftovers = instance.end(this.#gracefully());
    await this.#leftovers;
  }

  async #sleepWhenIdle(): Promise<void> {
    const instance = this.#instance;
    if (!instance || instance.exit || this.activity.inUse || (this.state !== "ready" && this.state !== "unhealthy")) return;
    instance.idle = true;
    this.moveTo("stopping", this.#idleFor(), `${this.name}: ${this.#idleFor()}, stopping`);
    await instance.end(this.#gracefully());
    this.#finishStop(instance);
  }

  async #onExit(instance: Instance, exit: Exit): Promise<void> {
    instance.exited(exit);
    const at = this.deps.clock.now();
    this.counters.lastExit = { code: exit.code, signal: exit.signal, at };
    this.counters.pid = undefined;
    if (exit.code === 0) this.#completed = true;
    // Let the app's last lines come out before the line that says it ended.
    await within(this.deps.clock, instance.outputDone, OUTPUT_GRACE_MS);
    if (this.stopRequested || instance.idle || this.#instance !== instance) return; // stop() or sleep finish this run

    const ending = instance.ending(exit);
    // Whatever the run left behind (children in its group, setsid'd grandchildren) goes too.
    if (!instance.unhealthy) this.#leftovers = instance.end(this.#gracefully());

    const decision = decideRestart(this.config, ending, { ...this.#history, readyAt: this.counters.readyAt }, at, this.deps.random);
    this.#history = decision.history;
    if (decision.action === "restart") {
      this.counters.restarts += 1;
      this.moveTo("backoff", decision.reason);
      this.#cancelBackoff = this.deps.clock.setTimeout(() => {
        this.#cancelBackoff = undefined;
        this.background(this.launch(), "restarting after backoff");
      }, decision.delayMs);
    } else if (decision.action === "stop") {
      this.moveTo("stopped", decision.reason);
    } else {
      this.failWith(decision.reason, exit.code);
    }
  }

  #finishStop(instance: Instance): void {
    if (this.#instance !== instance || this.state === "stopped") return;
    const how = instance.exit ? describeExit(instance.exit) : "gone";
    if (instance.idle && !this.stopRequested) this.moveTo("sleeping", `${this.#idleFor()}; the next request wakes it`);
    else this.moveTo("stopped", this.#stopReason ?? how);
  }

  #idleFor(): string {
    return `idle for ${formatMs(this.config.idleTimeout!)}`;
  }

  #gracefully(killAt?: number): Termination {
    const stopTimeout = killAt === undefined ? this.config.stopTimeout : Math.max(0, killAt - this.deps.clock.now());
    return { how: "graceful", stopSignal: this.config.stopSignal, stopTimeout };
  }
}
