// An app's replicas sleep and wake as one. Asleep, the first request (or dependent) wakes one replica, and the others
// once that one is ready or has failed; awake, no replica sleeps until none has been used for idleTimeout, then all
// do. An app with one replica is a group of one. Waiting for an app to be ready (waking it) is here too.
import type { Logger } from "../log.ts";
import { background, type InternalErrorHandler } from "./background.ts";
import type { ChangeBus } from "./bus.ts";
import type { Clock } from "./clock.ts";
import type { Member } from "./member.ts";
import type { Roster } from "./roster.ts";
import type { AppState } from "./state.ts";
import type { StateChange } from "./status.ts";

export interface GroupStage {
  /** The apps' current replicas, and the app of each replica's name. */
  roster: Roster<Member>;
  /** State changes: the groups stage hears every member's, waitReady waits among the waiters. */
  bus: ChangeBus;
  stopping(): boolean;
  /** Brings a sleeping replica up: its dependencies held and awaited, then woken. */
  bringUp(app: Member): Promise<void>;
  clock: Clock;
  log: Logger;
  onInternalError: InternalErrorHandler;
}

/** A replica in one of these states keeps nothing awake, and is not woken or put to sleep with the others. */
const AT_REST: ReadonlySet<AppState> = new Set(["sleeping", "stopped", "failed"]);

export class Groups {
  readonly #stage: GroupStage;
  /** Wakes in progress, one per replica however many requests ask for it. */
  readonly #wakes = new Map<string, Promise<void>>();
  /** Apps whose first replica is waking: the others wait for its verdict. */
  readonly #firsts = new Set<string>();
  /** Who waits for a replica's next state past starting (ready, or whatever it came to instead). */
  readonly #verdicts = new Map<Member, () => void>();

  constructor(stage: GroupStage) {
    this.#stage = stage;
    stage.bus.on("groups", ({ member, change }) => this.#changed(member, change));
  }

  /** Every state change of every replica, current or not (before anyone but the roster hears of it). */
  #changed(app: Member, change: StateChange): void {
    if (change.to !== "starting" && change.to !== "idle") {
      this.#verdicts.get(app)?.();
      this.#verdicts.delete(app);
    }
    if (change.to !== "sleeping") return;
    // A replica that was still on its way to sleep when the others were woken follows them.
    const { roster } = this.#stage;
    const members = roster.members(roster.appOf(app.name));
    if (members.includes(app) && members.some((other) => other.ready || other.state === "starting")) this.wake(roster.appOf(app.name), "the rest of its app");
  }

  /**
   * Wakes the sleeping replicas of an app: the first one now, the others once it is ready or has failed (at once
   * when a replica is ready already). A wake asked for while the first one is waking changes nothing.
   */
  wake(name: string, cause: string): void {
    if (this.#firsts.has(name) || this.#stage.stopping()) return;
    const members = this.#stage.roster.members(name);
    const sleeping = members.filter((app) => app.state === "sleeping");
    if (sleeping.length === 0) return;
    if (members.some((app) => app.ready)) return sleeping.forEach((app) => this.#wakeOne(app, cause));
    const first = sleeping[0];
    this.#firsts.add(name);
    const verdict = new Promise<void>((resolve) => this.#verdicts.set(first, resolve));
    this.#wakeOne(first, cause);
    const rest = verdict.then(() => {
      this.#firsts.delete(name);
      for (const app of this.#stage.roster.members(name)) if (app.state === "sleeping") this.#wakeOne(app, `${cause}, after ${first.name}`);
    });
    background(rest, `${name}: waking its replicas`, this.#stage.onInternalError);
  }

  /** One replica's idle timer ran out: once every replica's has (or it is at rest), they all go to sleep. */
  idle(app: Member): void {
    const { roster } = this.#stage;
    const members = roster.members(roster.appOf(app.name));
    if (!members.includes(app)) return app.sleepIfIdle(); // a replacement or retiree off stage: on its own
    const quiet = (member: Member) =>
      AT_REST.has(member.state) || (member.activity.expired && !member.activity.inUse && (member.state === "ready" || member.state === "unhealthy"));
    if (members.every(quiet)) for (const member of members) member.sleepIfIdle();
  }

  /**
   * Resolves true once the app is ready; false on timeout, abort, or when it has stopped or failed for good. A
   * sleeping app is woken (its dependencies first); one going to sleep is woken once it has. `cause` says who asks,
   * for the log: "GET /node/x".
   */
  waitReady(name: string, timeoutMs: number, signal?: AbortSignal, cause = "a request"): Promise<boolean> {
    const { roster, bus, clock } = this.#stage;
    const over = () => roster.members(name).every((app) => app.state === "failed" || app.state === "stopped");
    if (roster.members(name).length === 0) return Promise.resolve(false);
    if (roster.members(name).some((app) => app.ready)) return Promise.resolve(true);
    this.wake(name, cause);
    if (over() || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (ready: boolean) => {
        cancelTimer();
        unsubscribe();
        signal?.removeEventListener("abort", onAbort);
        resolve(ready);
      };
      const waiter = (change: StateChange) => {
        if (roster.appOf(change.app) !== name) return;
        if (change.to === "ready") finish(true);
        else if (change.to === "failed" || change.to === "stopped") {
          if (over()) finish(false);
        } else if (change.to === "sleeping") this.wake(name, cause); // it was going to sleep when asked
      };
      const onAbort = () => finish(false);
      const cancelTimer = clock.setTimeout(() => finish(false), timeoutMs);
      const unsubscribe = bus.on("waiters", ({ change }) => waiter(change));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Wakes one sleeping replica (in the background) once its dependencies meet their condition, waking them too. */
  #wakeOne(app: Member, cause: string): void {
    if (this.#stage.stopping() || this.#wakes.has(app.name)) return;
    this.#stage.log.zoo("info", `${app.name}: woken by ${cause}`, { app: app.name });
    const waking = this.#stage.bringUp(app).finally(() => this.#wakes.delete(app.name));
    this.#wakes.set(app.name, waking);
    background(waking, `${app.name}: waking`, this.#stage.onInternalError);
  }
}
