// What an operator (or a reload) does to one app of a running zoo: stop it for good, start it again, replace it
// by a new instance (restart, changed config), scale it, add it, remove it — each replica of it. The roster
// keeps the apps; this decides.
import type { AppConfig } from "../config/types.ts";
import { watch, type ChangeBus } from "./bus.ts";
import type { Clock } from "./clock.ts";
import { drainThenStop, firstVerdict, handOver, type HandoverIo, type Outcome } from "./handover.ts";
import type { Member } from "./member.ts";
import { replicaConfigs, sameRun } from "./replicas.ts";
import type { Roster } from "./roster.ts";
import { isRunning } from "./state.ts";

const STOPPED_ON_REQUEST = "stopped on request";

export interface Stage {
  /** The apps' configs and the current member of each replica's name: the one requests, status and dependents see. */
  roster: Roster<Member>;
  /** State changes: an operation watches the members it starts. */
  bus: ChangeBus;
  /** A member for one replica (`config`, from replicaConfigs) of the app `app`. */
  create(config: AppConfig, app: string): Member;
  /** Brings an app up as at start: dependencies held and awaited, then launched. */
  bringUp(app: Member): Promise<void>;
  clock: Clock;
  drainTimeout: number;
}

export class Operations {
  readonly #stage: Stage;
  /** Apps stopped with zoo stop: they stay stopped until zoo start. */
  readonly #stoppedOnRequest = new Set<string>();
  /** Replicas stopped one by one (zoo stop node.1): each stays stopped until zoo start of it or of its app. */
  readonly #stoppedReplicas = new Set<string>();
  drainTimeout: number;

  constructor(stage: Stage) {
    this.#stage = stage;
    this.drainTimeout = stage.drainTimeout;
  }

  /**
   * zoo stop: every replica stops, and stays stopped (also when its dependents restart) until startApp. A replica's
   * name ("node.1") stops that replica only.
   */
  async stopApp(name: string): Promise<Outcome> {
    const replica = this.#replica(name);
    if (replica) {
      if (this.#stoppedReplicas.has(name) || this.#stoppedOnRequest.has(this.#stage.roster.appOf(name))) return { ok: true, message: "already stopped" };
      this.#stoppedReplicas.add(name);
      await replica.stop("graceful", STOPPED_ON_REQUEST);
      return { ok: true, message: "stopped" };
    }
    this.#known(name);
    if (this.#stoppedOnRequest.has(name)) return { ok: true, message: "already stopped" };
    this.#stoppedOnRequest.add(name);
    await Promise.all(this.#stage.roster.members(name).map((app) => app.stop("graceful", STOPPED_ON_REQUEST)));
    return { ok: true, message: "stopped" };
  }

  /** zoo start: the replicas stopped on request (or failed for good) run again, as fresh apps; a replica's name: that one. */
  async startApp(name: string): Promise<Outcome> {
    const replica = this.#replica(name);
    const app = this.#stage.roster.appOf(name);
    const config = this.#known(app);
    if (config.replicas === 0) return { ok: false, message: scaledToZero(app) };
    const members = this.#stage.roster.members(app);
    if (replica && this.#stoppedOnRequest.delete(app)) {
      // The app was stopped as a whole: its other replicas stay stopped, one by one now.
      for (const other of members) if (other !== replica) this.#stoppedReplicas.add(other.name);
    }
    const chosen = replica ? [replica] : members;
    const over = (one: Member) => one.state === "stopped" || one.state === "failed";
    let wasStopped = false;
    for (const one of chosen) wasStopped = this.#stoppedReplicas.delete(one.name) || wasStopped;
    if (!this.#stoppedOnRequest.delete(app) && !wasStopped && !chosen.some(over)) return { ok: true, message: `already ${chosen[0]?.state ?? "stopped"}` };
    const outcomes = await Promise.all(
      chosen.filter(over).map(async (old) => {
        const next = this.#stage.create(old.config, app);
        next.continueFrom(old.status(), false);
        this.#stage.roster.swap(old, next);
        return [old.name, await this.#start(next, "started", app)] as const;
      }),
    );
    return replica ? (outcomes[0]?.[1] ?? { ok: true, message: "unchanged" }) : combine(app, outcomes);
  }

  /**
   * zoo restart: each replica in turn is replaced by a new instance without downtime (stop-then-start for a fixed
   * port); a replica's name: that one.
   */
  restartApp(name: string): Promise<Outcome> {
    const replica = this.#replica(name);
    if (replica) return this.#replace(replica, replica.config, this.#stage.roster.appOf(name), "restarted");
    const config = this.#known(name);
    if (config.replicas === 0) return Promise.resolve({ ok: false, message: scaledToZero(name) });
    return this.#converge(name, config, { force: true, done: "restarted" });
  }

  /** A reload's changed app: a new replica count is a scale; any other change replaces the replicas one at a time. */
  replaceApp(config: AppConfig): Promise<Outcome> {
    this.#known(config.name);
    return this.#converge(config.name, config, { force: false, done: "replaced" });
  }

  /** zoo scale: replicas added (started and awaited), or the highest ones drained and stopped. */
  scaleApp(name: string, replicas: number): Promise<Outcome> {
    const config = this.#known(name);
    if (replicas > 1 && config.port !== undefined) {
      return Promise.resolve({ ok: false, message: `cannot run ${replicas} replicas on the fixed port ${config.port}: each replica needs a port of its own` });
    }
    return this.#converge(name, { ...config, replicas }, { force: false, done: "replaced" });
  }

  /** Why requests to the app get no instance until an operator acts ("stopped on request", "scaled to zero"). */
  unavailable(name: string): string | undefined {
    if (this.#stoppedOnRequest.has(name)) return `${STOPPED_ON_REQUEST} (zoo start ${name} runs it again)`;
    if (this.#stage.roster.config(name)?.replicas === 0) return scaledToZero(name);
    const members = this.#stage.roster.members(name);
    if (members.length > 1 && members.every((app) => this.#stoppedReplicas.has(app.name))) return `every replica ${STOPPED_ON_REQUEST} (zoo start ${name} runs them again)`;
    return undefined;
  }

  /** The current replica of that name, when it names one replica of an app with several ("node.1"). */
  #replica(name: string): Member | undefined {
    return this.#stage.roster.config(name) ? undefined : this.#stage.roster.get(name);
  }

  /**
   * Brings the running replicas of `name` to `config`: new replicas first, then each kept replica whose config
   * differs (all of them with force) replaced one at a time, then the replicas no longer wanted drained and stopped.
   */
  async #converge(name: string, config: AppConfig, { force, done }: { force: boolean; done: string }): Promise<Outcome> {
    const old = this.#stage.roster.members(name);
    const wanted = replicaConfigs(config);
    this.#stage.roster.setConfig(config);
    const added = await Promise.all(wanted.slice(old.length).map((replica) => this.#add(replica, name)));
    const replaced: (readonly [string, Outcome])[] = [];
    for (let i = 0; i < Math.min(old.length, wanted.length); i++) {
      if (!force && sameRun(old[i].config, wanted[i])) continue;
      // A restart keeps each replica's own config (a reload whose replacement failed left the old one running).
      replaced.push([wanted[i].name, await this.#replace(old[i], force ? old[i].config : wanted[i], name, done)]);
    }
    const why = wanted.length === 0 ? "scaled to zero" : "scaled down";
    const removed = await Promise.all(old.slice(wanted.length).map(async (app) => [app.name, await this.#retire(app, why)] as const));
    if (added.length + removed.length === 0) return combine(name, replaced);
    const count = `${old.length} → ${wanted.length} ${wanted.length === 1 ? "replica" : "replicas"}`;
    const outcome = combine(name, [...added, ...replaced, ...removed]);
    return { ok: outcome.ok, message: `${count}; ${outcome.message}` };
  }

  /** One replica replaced by a new one with `config` (a restart: its own): handover.ts. */
  async #replace(old: Member, config: AppConfig, name: string, done: string): Promise<Outcome> {
    const next = this.#stage.create(config, name);
    next.continueFrom(old.status(), done === "restarted");
    const stopped = this.#stoppedOnRequest.has(name) || this.#stoppedReplicas.has(old.name);
    if (stopped || old.state === "sleeping" || !(isRunning(old.state) || old.state === "backoff")) {
      // Nothing serves now: the new app simply takes the old one's place, in the same state.
      const wasSleeping = old.state === "sleeping";
      this.#stage.roster.swap(old, next);
      await old.stop("graceful", "replaced");
      if (stopped) return next.stop("graceful", STOPPED_ON_REQUEST).then(() => ({ ok: true, message: `${done} (stays stopped)` }));
      if (wasSleeping || next.config.lazy) return next.sleep(), { ok: true, message: `${done} (sleeping until its first request)` };
      return this.#start(next, done, name);
    }
    const outcome = await handOver(old, next, this.#io());
    return { ok: outcome.ok, message: outcome.ok ? `${done}: ${outcome.message}` : outcome.message };
  }

  /** A reload's new app: registered at once (requests to it are held), then brought up as at start. */
  async addApp(config: AppConfig): Promise<Outcome> {
    this.#stage.roster.setConfig(config);
    return combine(config.name, await Promise.all(replicaConfigs(config).map((replica) => this.#add(replica, config.name))));
  }

  async #add(config: AppConfig, name: string): Promise<readonly [string, Outcome]> {
    const app = this.#stage.create(config, name);
    this.#stage.roster.add(app);
    if (this.#stoppedOnRequest.has(name)) return [config.name, await app.stop("graceful", STOPPED_ON_REQUEST).then(() => ({ ok: true, message: "stays stopped" }))];
    return [config.name, await this.#start(app, "started", name)];
  }

  /** A reload's removed app: its open requests drain (up to drainTimeout), then it stops and is forgotten. */
  async removeApp(name: string): Promise<Outcome> {
    this.#known(name);
    await Promise.all(this.#stage.roster.members(name).map((app) => this.#retire(app, "removed from the config")));
    this.#stage.roster.forget(name);
    this.#stoppedOnRequest.delete(name);
    return { ok: true, message: "drained and stopped" };
  }

  /** One replica out of rotation: its open requests drain (up to drainTimeout), then it stops and is forgotten. */
  async #retire(app: Member, why: string): Promise<Outcome> {
    this.#stage.roster.retire(app);
    this.#stoppedReplicas.delete(app.name); // a replica of that name added later starts afresh
    await drainThenStop(app, why, this.#io());
    return { ok: true, message: "drained and stopped" };
  }

  #known(name: string): AppConfig {
    const config = this.#stage.roster.config(name);
    if (!config) throw new Error(`unknown app ${name}`);
    return config;
  }

  /**
   * Brings the replica up (or to sleep, if lazy: its app's replicas sleep and wake together, so one that joins awake
   * replicas is woken at once); resolves with how its first start went.
   */
  async #start(app: Member, done: string, name: string): Promise<Outcome> {
    await app.assignPort();
    if (app.config.lazy) {
      const awake = this.#stage.roster.members(name).some((other) => other !== app && (other.ready || other.state === "starting"));
      app.sleep();
      return { ok: true, message: awake ? `${done} (woken: its app's other replicas are awake)` : `${done} (sleeping until its first request)` };
    }
    const verdict = firstVerdict(app, this.#io());
    await this.#stage.bringUp(app);
    const outcome = await verdict;
    return { ok: outcome.ok, message: outcome.ok ? `${done}, ${outcome.message}` : `not ready: ${outcome.message}` };
  }

  #io(): HandoverIo {
    const { clock, bringUp, roster, bus } = this.#stage;
    return { clock, drainTimeout: this.drainTimeout, swap: (old, next) => roster.swap(old, next), bringUp, watch: (app, fn) => watch(bus, app, fn) };
  }
}

function scaledToZero(app: string): string {
  return `scaled to zero (zoo scale ${app} N runs it again)`;
}

/** One outcome for the app from its replicas' outcomes: an app with one replica (under its own name) says just its own. */
function combine(name: string, outcomes: readonly (readonly [string, Outcome])[]): Outcome {
  if (outcomes.length === 0) return { ok: true, message: "unchanged" };
  if (outcomes.length === 1 && outcomes[0][0] === name) return outcomes[0][1];
  return { ok: outcomes.every(([, outcome]) => outcome.ok), message: outcomes.map(([replica, outcome]) => `${replica}: ${outcome.message}`).join("; ") };
}
