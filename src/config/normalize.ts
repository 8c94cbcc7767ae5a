// Parsed (zod output) pieces → the normalized shapes every other part reads: argv arrays, absolute paths,
// string env values, explicit probes, dependsOn as a map.
import path from "node:path";
import type { ConfigPath, ConfigProblem } from "../errors.ts";
import { normalizePrefix, parseRouteKey } from "./hosts.ts";
import type { ParsedApp, ParsedRoute } from "./schema.ts";
import { PROBE_DEFAULTS, type AppConfig, type DependencyConditionName, type Probe, type Route } from "./types.ts";
import { splitWords } from "./words.ts";

export type Normalized<T> = { value: T; problems: ConfigProblem[] };

/** `fileEnv`: the variables of the top-level and the app's envFile, under the app's `env`. */
export function normalizeApp(name: string, app: ParsedApp, dir: string, fileEnv: Record<string, string>): Normalized<AppConfig> {
  const problems: ConfigProblem[] = [];
  const at: ConfigPath = ["apps", name];
  const argv = (command: string | string[], where: ConfigPath): string[] => {
    if (Array.isArray(command)) return command;
    const split = splitWords(command);
    if (split.ok) return split.words;
    problems.push({ code: "ZOO_ERR_CONFIG_INVALID", path: where, message: `cannot split ${JSON.stringify(command)} into words: ${split.error}` });
    return [];
  };

  let command: string[];
  if (app.command === undefined) command = []; // an app with a url (checks.ts: one of command and url)
  else if (!app.shell) command = argv(app.command, [...at, "command"]);
  else if (typeof app.command === "string") command = ["/bin/sh", "-c", app.command];
  else {
    problems.push({
      code: "ZOO_ERR_CONFIG_INVALID",
      path: [...at, "command"],
      message: `expected a string when \`shell\` is true, found an array (write the command as one string)`,
    });
    command = [];
  }

  const value: AppConfig = {
    name,
    command,
    cwd: path.resolve(dir, app.cwd ?? "."),
    env: { ...fileEnv, ...Object.fromEntries(Object.entries(app.env).map(([k, v]) => [k, String(v)])) },
    port: app.port,
    ...(app.url !== undefined && { url: addressOf(app.url) }),
    replicas: app.replicas,
    health: normalizeHealth(app.health, (exec) => argv(exec, [...at, "health", "exec"])),
    restart: app.restart,
    backoff: app.backoff,
    crashLoop: app.crashLoop,
    essential: app.essential,
    dependsOn: dependencyMap(app.dependsOn),
    stopSignal: app.stopSignal,
    stopTimeout: app.stopTimeout,
    lazy: app.lazy,
    idleTimeout: app.idleTimeout,
  };
  return { value, problems };
}

/** "http://node:9100" → { host: "node", port: 9100 }; checks.ts has already refused any other form. */
export function addressOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(parsed.port || 80) };
}

function normalizeHealth(health: ParsedApp["health"], argv: (exec: string | string[]) => string[]): Probe {
  if (health === false) return { kind: "none" };
  if (health === undefined) return { kind: "tcp", ...PROBE_DEFAULTS };
  const { timeout, interval, startTimeout, failures } = health;
  const timing = { timeout, interval, startTimeout, failures };
  if (health.http !== undefined) {
    return { kind: "http", path: health.http, ...(health.status !== undefined && { status: health.status }), ...timing };
  }
  if (health.exec !== undefined) return { kind: "exec", command: argv(health.exec), ...timing };
  return { kind: "tcp", ...timing };
}

export function dependencyMap(dependsOn: ParsedApp["dependsOn"]): Record<string, DependencyConditionName> {
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((name) => [name, "ready" as const]));
  return { ...dependsOn };
}

/** `key` is a route key the checks passed: "/path" or "host/path". */
export function normalizeRoute(key: string, value: ParsedRoute, dir: string): Route {
  const parsed = parseRouteKey(key);
  const base = parsed.ok && parsed.host !== undefined ? { host: parsed.host, prefix: parsed.prefix } : { prefix: normalizePrefix(key) };
  if (typeof value === "string") return { ...base, kind: "app", app: value, stripPrefix: false };
  if ("app" in value) return { ...base, kind: "app", app: value.app, stripPrefix: value.stripPrefix };
  if ("redirect" in value) return { ...base, kind: "redirect", to: value.redirect, status: value.status };
  if ("proxy" in value) return { ...base, kind: "proxy", target: value.proxy, stripPrefix: value.stripPrefix };
  return { ...base, kind: "static", dir: path.resolve(dir, value.static) };
}
