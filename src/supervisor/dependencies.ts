// What an app needs of the apps it depends on: each one's condition met before it starts, and each one kept awake
// while it is awake or on its way up. A dependency with replicas meets a condition when one of its replicas does.
import type { DependencyConditionName } from "../config/types.ts";
import type { ChangeBus } from "./bus.ts";
import type { Member } from "./member.ts";
import type { Roster } from "./roster.ts";

export interface DependencyStage {
  /** The current replicas of each app (one, unless it has `replicas`). */
  roster: Roster<Member>;
  /** State changes: a current member at rest releases its holds; a start waits for its conditions among the waiters. */
  bus: ChangeBus;
  stopping(): boolean;
  /** Wakes an app's sleeping replicas (one first, then the others). */
  wake(app: string, cause: string): void;
}

export class Dependencies {
  readonly #stage: DependencyStage;
  /** Per app that is awake (or on its way up): the holds that keep its dependencies awake. */
  readonly #holds = new Map<string, (() => void)[]>();

  constructor(stage: DependencyStage) {
    this.#stage = stage;
    stage.bus.on("dependencies", ({ change }) => {
      if (change.to === "sleeping" || change.to === "stopped" || change.to === "failed") this.release(change.app);
    });
  }

  /** While an app is awake or waking, its dependencies do not go to sleep. */
  hold(app: Member): void {
    if (this.#holds.has(app.name)) return;
    const holds = Object.keys(app.config.dependsOn).flatMap((dep) => this.#stage.roster.members(dep).map((replica) => replica.activity.holdForDependent()));
    this.#holds.set(app.name, holds);
  }

  release(name: string): void {
    for (const release of this.#holds.get(name) ?? []) release();
    this.#holds.delete(name);
  }

  /**
   * Waits until each dependency meets its condition. Resolves undefined when they all do, or the
   * reason the app can never start (a dependency failed or stopped short of its condition).
   */
  met(app: Member): Promise<string | undefined> {
    const deps = Object.entries(app.config.dependsOn);
    const check = (): string | null | undefined => {
      for (const [name, condition] of deps) {
        const replicas = this.#stage.roster.members(name);
        if (replicas.some((dep) => meets(dep, condition))) continue;
        if (replicas.length === 0) return `dependency ${name} is scaled to zero`;
        if (replicas.every((dep) => dep.state === "failed")) return `dependency ${name} failed`;
        if (replicas.every((dep) => dep.state === "stopped" || dep.state === "failed")) return `dependency ${name} stopped before it was ${condition}`;
        return null; // still waiting
      }
      return undefined;
    };
    return new Promise((resolve) => {
      const settle = () => {
        if (this.#stage.stopping()) return done(undefined);
        // Sleeping dependencies (lazy, or just gone idle) are woken by whoever needs them.
        for (const [name] of deps) {
          if (this.#stage.roster.members(name).some((dep) => dep.state === "sleeping")) this.#stage.wake(name, `${app.name} (depends on it)`);
        }
        const result = check();
        if (result !== null) done(result);
      };
      const done = (result: string | undefined) => {
        unsubscribe();
        resolve(result);
      };
      const unsubscribe = this.#stage.bus.on("waiters", settle);
      settle();
    });
  }
}

function meets(dep: Member, condition: DependencyConditionName): boolean {
  switch (condition) {
    case "started":
      return dep.everStarted;
    case "ready":
      return dep.state === "ready";
    case "completed":
      return dep.completed;
  }
}
