// What an operator (or a reload) does to one app of a running zoo: stop it for good, start it again, replace it
// by a new instance (restart, changed config), add it, remove it. The supervisor keeps the apps; this decides.
import type { AppConfig } from "../config/types.ts";
import type { SupervisedApp } from "./app.ts";
import type { Clock } from "./clock.ts";
import { firstVerdict, handOver, type HandoverIo, type Outcome } from "./handover.ts";
import { isRunning } from "./state.ts";
import type { StateChange } from "./status.ts";

const STOPPED_ON_REQUEST = "stopped on request";

export interface Stage {
  /** The current app of each name: the one requests, status and dependents see. */
  apps: Map<string, SupervisedApp>;
  create(config: AppConfig): SupervisedApp;
  /** Brings an app up as at start: dependencies held and awaited, then launched. */
  bringUp(app: SupervisedApp): Promise<void>;
  /** Every state change of `app` (current or not) until the returned function is called. */
  watch(app: SupervisedApp, fn: (change: StateChange) => void): () => void;
  clock: Clock;
  drainTimeout: number;
}

export class Operations {
  readonly #stage: Stage;
  /** Apps stopped with zoo stop: they stay stopped until zoo start. */
  readonly #stoppedOnRequest = new Set<string>();
  drainTimeout: number;

  constructor(stage: Stage) {
    this.#stage = stage;
    this.drainTimeout = stage.drainTimeout;
  }

  /** zoo stop: the app stops and stays stopped (also when its dependents restart) until startApp. */
  async stopApp(name: string): Promise<Outcome> {
    const app = this.#known(name);
    if (this.#stoppedOnRequest.has(name)) return { ok: true, message: "already stopped" };
    this.#stoppedOnRequest.add(name);
    await app.stop("graceful", STOPPED_ON_REQUEST);
    return { ok: true, message: "stopped" };
  }

  /** zoo start: an app stopped on request (or failed for good) runs again, as a fresh app. */
  async startApp(name: string): Promise<Outcome> {
    const app = this.#known(name);
    if (!this.#stoppedOnRequest.delete(name) && app.state !== "stopped" && app.state !== "failed") return { ok: true, message: `already ${app.state}` };
    const next = this.#stage.create(app.config);
    next.continueFrom(app.status(), false);
    this.#stage.apps.set(name, next);
    return this.#start(next, "started");
  }

  /** zoo restart: a new instance takes over without downtime (stop-then-start for a fixed port). */
  restartApp(name: string): Promise<Outcome> {
    return this.#replace(undefined, name, "restarted");
  }

  /** A reload's changed app: the new config's app replaces the running one. */
  replaceApp(config: AppConfig): Promise<Outcome> {
    return this.#replace(config, config.name, "replaced");
  }

  /** Why requests to the app get no instance until an operator acts ("stopped on request"). */
  unavailable(name: string): string | undefined {
    return this.#stoppedOnRequest.has(name) ? `${STOPPED_ON_REQUEST} (zoo start ${name} runs it again)` : undefined;
  }

  /** The app `name` replaced by a new one with `config` (its own, for a restart): handover.ts. */
  async #replace(config: AppConfig | undefined, name: string, done: string): Promise<Outcome> {
    const old = this.#known(name);
    const next = this.#stage.create(config ?? old.config);
    next.continueFrom(old.status(), done === "restarted");
    const stopped = this.#stoppedOnRequest.has(name);
    if (stopped || old.state === "sleeping" || !(isRunning(old.state) || old.state === "backoff")) {
      // Nothing serves now: the new app simply takes the old one's place, in the same state.
      const wasSleeping = old.state === "sleeping";
      this.#stage.apps.set(name, next);
      await old.stop("graceful", "replaced");
      if (stopped) return next.stop("graceful", STOPPED_ON_REQUEST).then(() => ({ ok: true, message: `${done} (stays stopped)` }));
      if (wasSleeping || next.config.lazy) return next.sleep(), { ok: true, message: `${done} (sleeping until its first request)` };
      return this.#start(next, done);
    }
    const outcome = await handOver(old, next, this.#io());
    return { ok: outcome.ok, message: outcome.ok ? `${done}: ${outcome.message}` : outcome.message };
  }

  /** A reload's new app: registered at once (requests to it are held), then brought up as at start. */
  addApp(config: AppConfig): Promise<Outcome> {
    const app = this.#stage.create(config);
    this.#stage.apps.set(config.name, app);
    return this.#start(app, "started");
  }

  /** A reload's removed app: its open requests drain (up to drainTimeout), then it stops and is forgotten. */
  async removeApp(name: string): Promise<Outcome> {
    const app = this.#known(name);
    let cancel = () => {};
    const timeUp = new Promise<void>((resolve) => (cancel = this.#stage.clock.setTimeout(resolve, this.drainTimeout)));
    await Promise.race([app.activity.drained(), timeUp]);
    cancel();
    await app.stop("graceful", "removed from the config");
    this.#stage.apps.delete(name);
    this.#stoppedOnRequest.delete(name);
    return { ok: true, message: "drained and stopped" };
  }

  #known(name: string): SupervisedApp {
    const app = this.#stage.apps.get(name);
    if (!app) throw new Error(`unknown app ${name}`);
    return app;
  }

  /** Brings the app up (or to sleep, if lazy); resolves with how its first start went. */
  async #start(app: SupervisedApp, done: string): Promise<Outcome> {
    await app.assignPort();
    if (app.config.lazy) return app.sleep(), { ok: true, message: `${done} (sleeping until its first request)` };
    const verdict = firstVerdict(app, this.#stage);
    await this.#stage.bringUp(app);
    const outcome = await verdict;
    return { ok: outcome.ok, message: outcome.ok ? `${done}, ${outcome.message}` : `not ready: ${outcome.message}` };
  }

  #io(): HandoverIo {
    const { clock, apps, bringUp, watch } = this.#stage;
    return { clock, drainTimeout: this.drainTimeout, swap: (next) => apps.set(next.name, next), bringUp, watch };
  }
}
