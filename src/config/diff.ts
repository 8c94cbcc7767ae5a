// What a reload changes: the difference between the running config and a newly loaded one, as a plan.
// Pure: it reads two normalized configs and says what to do; main applies it.
import { isDeepStrictEqual } from "node:util";
import type { AppConfig, Config, TlsConfig } from "./types.ts";

/**
 * What a reload does with each top-level key of the config. live: taken over at once (the proxy's settings; the apps,
 * app by app below). restart: read only when zoo starts, so a change is refused. derived: follows from other keys and
 * needs nothing of its own (the file's place; the env files, whose values are in each app's env). A key added to
 * Config without a decision here does not compile.
 */
const CONFIG_KEYS = {
  file: "derived",
  dir: "derived",
  envFiles: "derived",
  apps: "live",
  routes: "live",
  accessLog: "live",
  trustProxy: "live",
  upstreamTimeout: "live",
  readyWait: "live",
  drainTimeout: "live",
  compress: "live",
  maxBodySize: "live",
  listen: "restart",
  control: "restart",
  logFormat: "restart",
  metrics: "restart",
  tls: "restart",
  limits: "restart",
  dashboard: "restart",
} as const satisfies Record<keyof Config, "live" | "restart" | "derived">;

/** What a changed app field means for its running replicas: scaled (more or fewer), or each one replaced. */
const APP_KEYS = {
  name: "derived",
  command: "replace",
  cwd: "replace",
  env: "replace",
  port: "replace",
  url: "replace",
  replicas: "scale",
  health: "replace",
  restart: "replace",
  backoff: "replace",
  crashLoop: "replace",
  essential: "replace",
  dependsOn: "replace",
  stopSignal: "replace",
  stopTimeout: "replace",
  lazy: "replace",
  idleTimeout: "replace",
} as const satisfies Record<keyof AppConfig, "scale" | "replace" | "derived">;

const WHY_RESTART: Partial<Record<keyof Config, string>> = {
  listen: "zoo cannot move its listener while it serves",
  control: "the control socket is how this command reached zoo",
  logFormat: "the log format is fixed when zoo starts",
  metrics: "zoo opens its metrics listener when it starts",
  dashboard: "zoo opens the dashboard's listener when it starts",
  tls: "zoo reads its HTTPS listener's settings when it starts (its certificates are re-read on every reload)",
  limits: "zoo sets its listeners' limits when it starts",
};

export interface ChangedApp {
  name: string;
  /** The app's fields that differ, e.g. ["env", "command"]. */
  fields: string[];
  /** The new replica count. */
  replicas: number;
}

export interface ReloadPlan {
  /** Changes a running zoo cannot take: when any, nothing is applied. */
  refused: string[];
  /** The route table or a proxy setting changed: swapped at once. */
  proxy: string[];
  added: string[];
  removed: string[];
  changed: ChangedApp[];
  unchanged: string[];
}

export function planReload(running: Config, next: Config): ReloadPlan {
  const refused: string[] = [];
  const proxy: string[] = [];
  for (const key of Object.keys(CONFIG_KEYS) as (keyof Config)[]) {
    const before = running[key];
    const after = next[key];
    if (isDeepStrictEqual(before, after) || key === "apps" || CONFIG_KEYS[key] === "derived") continue;
    // Certificate files are re-read on every reload (reload.ts): only the rest of tls needs a restart.
    if (key === "tls" && running.tls && next.tls && isDeepStrictEqual(withoutCertificates(running.tls), withoutCertificates(next.tls))) continue;
    if (CONFIG_KEYS[key] === "live") proxy.push(key);
    else refused.push(`${key} changed (${show(before)} → ${show(after)}): ${WHY_RESTART[key] ?? "it is read only when zoo starts"}; restart zoo to apply it`);
  }
  const before = new Map(running.apps.map((app) => [app.name, app]));
  const after = new Map(next.apps.map((app) => [app.name, app]));
  const changed: ChangedApp[] = [];
  const unchanged: string[] = [];
  for (const [name, app] of after) {
    const old = before.get(name);
    if (!old) continue;
    const fields = changedFields(old, app);
    if (fields.length > 0) changed.push({ name, fields, replicas: app.replicas });
    else unchanged.push(name);
  }
  return {
    refused,
    proxy,
    added: [...after.keys()].filter((name) => !before.has(name)),
    removed: [...before.keys()].filter((name) => !after.has(name)),
    changed,
    unchanged,
  };
}

function withoutCertificates(tls: TlsConfig): Omit<TlsConfig, "certificates"> {
  const { certificates: _, ...rest } = tls;
  return rest;
}

function changedFields(old: AppConfig, next: AppConfig): string[] {
  return (Object.keys(APP_KEYS) as (keyof AppConfig)[]).filter((key) => APP_KEYS[key] !== "derived" && !isDeepStrictEqual(old[key], next[key]));
}

export function isEmptyPlan(plan: ReloadPlan): boolean {
  return plan.proxy.length + plan.added.length + plan.removed.length + plan.changed.length === 0;
}

/** One line per step, in the order they are applied. */
export function describePlan(plan: ReloadPlan): string[] {
  if (plan.refused.length > 0) return plan.refused.map((reason) => `refused: ${reason}`);
  return [
    ...plan.proxy.map((key) => `proxy: ${key} swapped`),
    ...plan.added.map((name) => `${name}: added, started`),
    ...plan.changed.map(({ name, fields, replicas }) => {
      const scale = fields.includes("replicas") ? `scaled to ${replicaCount(replicas)}` : "";
      const others = fields.filter((field) => APP_KEYS[field as keyof AppConfig] === "replace");
      if (others.length === 0) return `${name}: ${scale}`;
      return `${name}: replaced${replicas > 1 ? " one replica at a time" : ""} (${others.join(", ")} changed)${scale && `, ${scale}`}`;
    }),
    ...plan.removed.map((name) => `${name}: removed, drained and stopped`),
  ];
}

/** "1 replica", "3 replicas". */
export function replicaCount(n: number): string {
  return `${n} ${n === 1 ? "replica" : "replicas"}`;
}

function show(value: unknown): string {
  if (value === undefined) return "unset";
  if (typeof value === "object" && value !== null && "port" in value && "host" in value) return `${value.host}:${value.port}`;
  // A secret (the dashboard's token) never goes into a message.
  return JSON.stringify(value, (key, field) => (key === "token" ? "(hidden)" : field));
}
