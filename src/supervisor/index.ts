// All apps together: start in dependency order, stop in reverse, one event stream for everyone else. Who the members
// are is the roster's (roster.ts); who hears of a state change, and in which order, the bus's (bus.ts).
import type { AppConfig } from "../config/types.ts";
import type { Logger } from "../log.ts";
import { dependencyProblem } from "../dependency-cycles.ts";
import { realDeps, SupervisedApp, type AppDeps, type AppHooks, type AppStatus, type StateChange, type Upstream } from "./app.ts";
import type { InternalErrorHandler } from "./background.ts";
import { changeBus, type ChangeBus } from "./bus.ts";
import { Dependencies } from "./dependencies.ts";
import { FrontedApp } from "./fronted.ts";
import { Groups } from "./group.ts";
import type { Member } from "./member.ts";
import { Operations } from "./operations.ts";
import { pickReplica, replicaConfigs } from "./replicas.ts";
import { Roster } from "./roster.ts";
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
  readonly #roster = new Roster<Member>();
  /** Every member's state changes, told in the order bus.ts documents. */
  readonly #bus: ChangeBus;
  /** Picks so far: round robin among equally busy replicas. */
  #turn = 0;
  readonly #deps: AppDeps;
  readonly #log: Logger;
  readonly #onFatal: SupervisorOptions["onFatal"];
  readonly #onInternalError: InternalErrorHandler;
  readonly #tracker: DescendantTracker;
  #stopping = false;
  readonly #dependencies: Dependencies;
  /** Each app's replicas waking and sleeping as one. */
  readonly #groups: Groups;
  /** zoo stop/start/restart, and a reload's added, changed and removed apps. */
  readonly operations: Operations;

  constructor(apps: AppConfig[], options: SupervisorOptions) {
    const { log, onFatal, onInternalError, trackIntervalMs = 500, drainTimeout = 10_000, ...deps } = options;
    this.#tracker = new DescendantTracker(trackIntervalMs, () => this.#roster.alive);
    this.#deps = { ...realDeps, ...deps };
    this.#log = log;
    this.#onFatal = onFatal;
    this.#onInternalError = (error, what) => {
      log.zoo("error", `internal error (a bug in zoo) in ${what}: ${error.stack ?? error.message}`);
      onInternalError?.(error, what);
    };
    this.#bus = changeBus({
      listener: (error) => log.zoo("error", `a supervisor event listener threw: ${error.message}`),
      waiter: (error, { change }) => this.#onInternalError(error, `${change.app}: a waiter for its state`),
    });
    this.#bus.on("roster", ({ member, change }) => this.#roster.moved(member, change.to));
    const create = (config: AppConfig, name: string) => this.#create(config, name);
    for (const config of apps) {
      this.#roster.setConfig(config);
      for (const replica of replicaConfigs(config)) this.#roster.add(create(replica, config.name));
    }
    const roster = this.#roster;
    const bus = this.#bus;
    const stopping = () => this.#stopping;
    this.#groups = new Groups({ roster, bus, stopping, bringUp: (app) => this.#bringUp(app, "wake"), clock: this.#deps.clock, log, onInternalError: this.#onInternalError });
    this.#dependencies = new Dependencies({ roster, bus, stopping, wake: (name, cause) => this.#groups.wake(name, cause) });
    this.operations = new Operations({ roster, bus, create, bringUp: (app) => this.#bringUp(app, "launch"), clock: this.#deps.clock, drainTimeout });
    // Unknown names and cycles would make start() wait forever: refuse them up front.
    const problem = dependencyProblem(apps);
    if (problem) throw new Error(problem);
  }

  /** A member for one replica of the app `name`: an app zoo runs, or one it only fronts (`url`). */
  #create(config: AppConfig, name: string): Member {
    this.#roster.enrol(config.name, name);
    const hooks: AppHooks = {
      log: this.#log,
      // Only the current member of a name speaks for it; a replacement starting or a retiree draining only logs.
      onChange: (change) => this.#bus.publish({ member, change, current: this.#roster.isCurrent(member) }),
      onFatal: (replica, code) => {
        if (!this.#stopping && this.#roster.get(replica) === member) this.#onFatal?.(replica, code);
      },
      onIdle: () => this.#groups.idle(member),
      onInternalError: this.#onInternalError,
    };
    const member: Member = config.url ? new FrontedApp(config, hooks, this.#deps) : new SupervisedApp(config, hooks, this.#deps);
    return member;
  }

  /** Launches every non-lazy app once its dependencies meet their condition; independent apps in parallel. */
  async start(): Promise<void> {
    await Promise.all(this.#roster.current().map((app) => app.assignPort()));
    this.#tracker.start();
    await Promise.all(
      this.#roster.current().map(async (app) => {
        if (app.state !== "idle") return;
        if (app.config.lazy) return app.sleep();
        await this.#bringUp(app, "launch");
      }),
    );
  }

  /**
   * Stops every app, dependents before their dependencies; resolves when every process is gone. One clock for all:
   * each app gets its stopSignal once its dependents are gone, and SIGKILL once its stopTimeout has passed since this
   * stop began, so the whole stop takes at most the longest stopTimeout, however long the dependency chains.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    const began = this.#deps.clock.now();
    const stops = new Map<string, Promise<void>>();
    const stopApp = (name: string): Promise<void> => {
      let stopping = stops.get(name);
      if (!stopping) {
        const dependents = this.#roster.configs().filter((a) => name in a.dependsOn).map((a) => a.name);
        // An app whose turn comes at once gets its whole stopTimeout; one that waited for its dependents, what is left.
        const killAt = (app: Member) => (dependents.length > 0 ? began + app.config.stopTimeout : undefined);
        const stopMembers = () => Promise.all(this.#roster.members(name).map((app) => app.stop("graceful", undefined, killAt(app))));
        stopping = Promise.all(dependents.map(stopApp)).then(stopMembers).then(() => {});
        stops.set(name, stopping);
      }
      return stopping;
    };
    await Promise.all(this.#roster.names().map(stopApp));
    await Promise.all([...this.#roster.alive].map((app) => app.stop())); // replacements and retirees off stage
    this.#tracker.stop();
  }

  /** SIGKILL to every process of every app, at once. */
  async killAll(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#roster.everyone().map((app) => app.stop("immediate")));
    this.#tracker.stop();
  }

  /** Forwards a signal (SIGUSR1, SIGUSR2) to every running app's process group. */
  signal(signal: NodeJS.Signals): void {
    for (const app of this.#roster.current()) app.signal(signal);
  }

  /** Every pid known for the app's current runs (each replica's): root processes and the descendants tracked so far. */
  processes(name: string): number[] {
    const replica = this.#roster.get(name); // "node.1", or "node" when it has one replica
    return replica ? replica.processes() : this.#roster.members(name).flatMap((app) => app.processes());
  }

  /** The apps' names ("node", never "node.1"). */
  names(): string[] {
    return this.#roster.names();
  }

  /** The current replicas' names: "node" for an app with one, "node.0", "node.1", … for one with several. */
  replicaNames(): string[] {
    return this.#roster.current().map((member) => member.name);
  }

  /** The app a replica's name belongs to: "node.1" → "node"; any other name unchanged. */
  appOf(name: string): string {
    return this.#roster.appOf(name);
  }

  /** A replica's app and index: "node.1" → node, "1"; "node" (one replica) → node, "0". */
  replicaOf(name: string): { app: string; replica: string } {
    const app = this.appOf(name);
    return { app, replica: app === name ? "0" : name.slice(app.length + 1) };
  }

  /**
   * Why no instance of the app will come until an operator acts, for the proxy: stopped on request, scaled to zero,
   * or failed for good (every replica), with the reason `zoo status` shows. Undefined while a retry can still succeed.
   */
  unavailable(name: string): string | undefined {
    const onRequest = this.operations.unavailable(name);
    if (onRequest !== undefined) return onRequest;
    const members = this.#roster.members(name);
    if (members.length === 0 || !members.every((app) => app.state === "failed")) return undefined;
    const { reason } = members[0].status();
    return `the app failed${reason ? `: ${reason}` : ""} (zoo start ${name} runs it again)`;
  }

  /** One row per replica, app by app; an app scaled to zero has one row, stopped. */
  snapshot(): AppStatus[] {
    return this.#roster.configs().flatMap((config) => {
      const members = this.#roster.members(config.name);
      if (members.length > 0) return members.map((app) => app.status());
      return [{ name: config.name, state: "stopped" as const, restarts: 0, wakes: 0, active: 0, essential: config.essential, reason: this.unavailable(config.name) }];
    });
  }

  /** The current state of every app plus every later event: nothing can happen in between. */
  subscribe(fn: (event: SupervisorEvent) => void): { snapshot: AppStatus[]; unsubscribe(): void } {
    const unsubscribe = this.#bus.on("listeners", ({ change }) => fn({ type: "state", ...change }));
    return { snapshot: this.snapshot(), unsubscribe };
  }

  /**
   * A ready instance of the app — of its replicas, the ready one with the fewest requests in flight, round robin
   * among equals — held (for idle accounting) until release(); undefined when none is ready.
   */
  acquire(name: string): Upstream | undefined {
    return pickReplica(this.#roster.members(name), this.#turn++);
  }

  /** Like waitReady, then acquire: a ready instance, or undefined on timeout, abort, stop or failure. */
  async waitFor(name: string, timeoutMs: number, signal?: AbortSignal, cause?: string): Promise<Upstream | undefined> {
    const ready = await this.waitReady(name, timeoutMs, signal, cause);
    return ready ? this.acquire(name) : undefined;
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
  async #bringUp(app: Member, how: "launch" | "wake"): Promise<void> {
    this.#dependencies.hold(app);
    const blocker = await this.#dependencies.met(app);
    if (this.#stopping) return;
    if (blocker) return app.fail(blocker);
    await (how === "launch" ? app.launch() : app.wake());
  }
}
