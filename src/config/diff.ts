// What a reload changes: the difference between the running config and a newly loaded one, as a plan.
// Pure: it reads two normalized configs and says what to do; main applies it.
import { isDeepStrictEqual } from "node:util";
import type { AppConfig, Config, TlsConfig } from "./types.ts";

/** Top-level settings a running zoo takes over at once; a change to any other one needs a restart of zoo. */
const LIVE_SETTINGS = new Set<string>(["routes", "apps", "accessLog", "trustProxy", "upstreamTimeout", "readyWait", "drainTimeout", "file", "dir"]);
const WHY_RESTART: Record<string, string> = {
  listen: "zoo cannot move its listener while it serves",
  control: "the control socket is how this command reached zoo",
  logFormat: "the log format is fixed when zoo starts",
  dashboard: "zoo opens the dashboard's listener when it starts",
  tls: "zoo reads its HTTPS listener's settings when it starts (its certificates are re-read on every reload)",
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
  for (const key of new Set([...Object.keys(running), ...Object.keys(next)])) {
    const before = (running as unknown as Record<string, unknown>)[key];
    const after = (next as unknown as Record<string, unknown>)[key];
    if (isDeepStrictEqual(before, after) || key === "apps") continue;
    // Certificate files are re-read on every reload (reload.ts): only the rest of tls needs a restart.
    if (key === "tls" && before && after && isDeepStrictEqual(withoutCertificates(before as TlsConfig), withoutCertificates(after as TlsConfig))) continue;
    if (LIVE_SETTINGS.has(key)) {
      if (key !== "file" && key !== "dir") proxy.push(key);
      continue;
    }
    refused.push(`${key} changed (${show(before)} → ${show(after)}): ${WHY_RESTART[key] ?? "it is read only when zoo starts"}; restart zoo to apply it`);
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
  const keys = new Set([...Object.keys(old), ...Object.keys(next)]) as Set<keyof AppConfig>;
  return [...keys].filter((key) => !isDeepStrictEqual(old[key], next[key]));
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
      const scale = fields.includes("replicas") ? `scaled to ${replicas} replicas` : "";
      const others = fields.filter((field) => field !== "replicas");
      if (others.length === 0) return `${name}: ${scale}`;
      return `${name}: replaced${replicas > 1 ? " one replica at a time" : ""} (${others.join(", ")} changed)${scale && `, ${scale}`}`;
    }),
    ...plan.removed.map((name) => `${name}: removed, drained and stopped`),
  ];
}

function show(value: unknown): string {
  if (value === undefined) return "unset";
  if (typeof value === "object" && value !== null && "port" in value && "host" in value) return `${value.host}:${value.port}`;
  // A secret (the dashboard's token) never goes into a message.
  return JSON.stringify(value, (key, field) => (key === "token" ? "(hidden)" : field));
}
