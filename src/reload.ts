// zoo reload: load the config again exactly as at start, then apply only the difference to the running zoo.
// One reload at a time; an invalid config or a change that needs a restart changes nothing.
import { isDeepStrictEqual } from "node:util";
import { describePlan, isEmptyPlan, planReload, replicaCount, type ReloadPlan } from "./config/diff.ts";
import type { AppConfig, Config } from "./config/types.ts";
import { ConfigError } from "./errors.ts";
import type { Logger } from "./log.ts";

/** What one step did to one app. */
export interface Outcome {
  ok: boolean;
  message: string;
}

/** The supervisor's side of a reload. */
export interface RunningApps {
  /** Registers and starts a new app (it waits for its dependencies as at start); resolves once it is ready or has failed. */
  addApp(config: AppConfig): Promise<Outcome>;
  /** Starts a new instance with the new config, moves traffic to it once ready, drains and stops the old one. */
  replaceApp(config: AppConfig): Promise<Outcome>;
  /** Drains and stops the app, then forgets it. */
  removeApp(name: string): Promise<Outcome>;
  /** Runs `replicas` replicas of the app: new ones started, the highest ones drained and stopped. */
  scaleApp(name: string, replicas: number): Promise<Outcome>;
}

/** The proxy's side: the routes and settings a request starts with from now on. */
export interface RunningProxy {
  update(config: Config): void;
  /**
   * Reads the files the config names for the proxy (its certificates), throwing a ConfigError for a bad one.
   * `steps` says what differs from what is served (none: nothing); `apply` puts them to use.
   */
  readFiles(config: Config): FileChanges;
}

export interface FileChanges {
  steps: string[];
  apply(): void;
}

export interface ReloadResult {
  ok: boolean;
  /** An invalid config: the errors, as `zoo validate` prints them. */
  errors?: string;
  /** The change needs a restart of zoo: nothing was applied. */
  needsRestart?: boolean;
  /** One line per step: what was done (or would be, with dryRun), and each step's failure. */
  plan: string[];
}

export class Reloader {
  #running: Config;
  readonly #load: () => Promise<Config>;
  readonly #apps: RunningApps;
  readonly #proxy: RunningProxy;
  readonly #log: Logger;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(running: Config, load: () => Promise<Config>, apps: RunningApps, proxy: RunningProxy, log: Logger) {
    this.#running = running;
    this.#load = load;
    this.#apps = apps;
    this.#proxy = proxy;
    this.#log = log;
  }

  get config(): Config {
    return this.#running;
  }

  reload(dryRun = false, cause = "zoo reload"): Promise<ReloadResult> {
    const next = this.#queue.then(() => this.#reload(dryRun, cause));
    this.#queue = next.catch(() => {});
    return next;
  }

  /**
   * zoo scale: queued with reloads. The running config records the new count, so a later reload compares the file
   * with what runs (a file that still says the old count scales the app back).
   */
  scale(name: string, replicas: number): Promise<Outcome | { refused: string }> {
    const next = this.#queue.then(async () => {
      // Refused before anything is done: nothing changes, nothing is logged as done.
      const refusal = scaleRefusal(this.#running.apps.find((app) => app.name === name), replicas);
      if (refusal) return { refused: refusal };
      const outcome = await this.#apps.scaleApp(name, replicas);
      const apps = this.#running.apps.map((app) => (app.name === name ? { ...app, replicas } : app));
      this.#running = { ...this.#running, apps };
      this.#log.zoo(outcome.ok ? "info" : "warn", `${name}: scaled to ${replicaCount(replicas)}: ${outcome.message}`, { app: name });
      return outcome;
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  async #reload(dryRun: boolean, cause: string): Promise<ReloadResult> {
    let next: Config;
    let files: FileChanges;
    try {
      next = await this.#load();
      files = this.#proxy.readFiles(next);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.#log.zoo("error", `reload (${cause}): the new config is invalid, nothing changed:\n${error.message.trimEnd()}`);
      return { ok: false, errors: error.message, plan: [] };
    }
    const plan = planReload(this.#running, next);
    if (plan.refused.length > 0) {
      this.#log.zoo("error", `reload (${cause}): refused, nothing changed: ${plan.refused.join("; ")}`);
      return { ok: false, needsRestart: true, plan: describePlan(plan) };
    }
    const steps = [...files.steps, ...describePlan(plan)];
    if (dryRun) return { ok: true, plan: steps };
    if (isEmptyPlan(plan) && files.steps.length === 0) {
      this.#log.zoo("info", `reload (${cause}): nothing changed`);
      // An env file renamed with the same values: nothing to apply, but it is the one to watch now.
      if (!isDeepStrictEqual(this.#running.envFiles, next.envFiles)) this.#proxy.update(next);
      this.#running = next;
      return { ok: true, plan: [] };
    }
    // The certificates first: a route to a new host finds its certificate.
    files.apply();
    const failures = isEmptyPlan(plan) ? [] : await this.#apply(plan, next);
    if (isEmptyPlan(plan)) this.#running = next;
    this.#log.zoo(failures.length ? "warn" : "info", `reloaded: ${[...steps, ...failures].join("; ")}`);
    return { ok: failures.length === 0, plan: [...steps, ...failures] };
  }

  /** New apps first (so routes to them hold requests), then the routes, then replacements, then removals. */
  async #apply(plan: ReloadPlan, next: Config): Promise<string[]> {
    const byName = new Map(next.apps.map((app) => [app.name, app]));
    const appOf = (name: string) => byName.get(name) as AppConfig;
    const adding = plan.added.map((name) => this.#apps.addApp(appOf(name)).then((outcome) => [name, outcome] as const));
    this.#proxy.update(next);
    const replacing = plan.changed.map(({ name }) => this.#apps.replaceApp(appOf(name)).then((outcome) => [name, outcome] as const));
    const done = await Promise.all([...adding, ...replacing]);
    const removed = await Promise.all(plan.removed.map((name) => this.#apps.removeApp(name).then((outcome) => [name, outcome] as const)));
    // What failed to be replaced keeps running with its old config: remember that, so a later reload tries again.
    const failedNames = new Set(done.filter(([, outcome]) => !outcome.ok).map(([name]) => name));
    const kept = this.#running.apps.filter((app) => failedNames.has(app.name));
    this.#running = { ...next, apps: next.apps.map((app) => kept.find((old) => old.name === app.name) ?? app) };
    return [...done, ...removed].filter(([, outcome]) => !outcome.ok).map(([name, outcome]) => `failed: ${name}: ${outcome.message}`);
  }
}

/** Why `zoo scale` cannot give the app this many replicas, if it cannot. */
function scaleRefusal(app: AppConfig | undefined, replicas: number): string | undefined {
  if (app && replicas > 1 && app.port !== undefined) {
    return `cannot run ${replicas} replicas of ${app.name} on its fixed port ${app.port}: each replica needs a port of its own (remove \`port\` from its config and reload)`;
  }
  return undefined;
}
