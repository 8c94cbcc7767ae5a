// Checks the schema cannot express, across the whole config. They read each field on its own, so that an app
// with a misspelt key or a route with a bad status still has its port, dependencies and target checked: a
// config with type errors gets its collisions and cycles reported in the same run.
import type { ConfigPath, ConfigProblem } from "../errors.ts";
import { findCycles } from "../dependency-cycles.ts";
import { closest } from "./format.ts";
import { parseRouteKey, routeKeyId } from "./hosts.ts";
import { dependencyMap } from "./normalize.ts";
import { AppSchema } from "./schema.ts";
import type { DependencyConditionName } from "./types.ts";

export interface CheckInput {
  /** zoo's own port, when known and fixed (not 0). */
  listenPort: number | undefined;
  /** Every app named in the file, including ones whose settings failed validation. */
  appNames: string[];
  /** Each app's fields the checks read, those that are valid, in file order. */
  apps: CheckedApp[];
  /** Every route in file order, with whichever target fields are strings. */
  routes: CheckedRoute[];
}

interface CheckedApp {
  name: string;
  port: number | undefined;
  replicas: number;
  dependsOn: Record<string, DependencyConditionName>;
  /** The keys the app's object has, and its `url` when that is a string. */
  keys: string[];
  url: string | undefined;
}

interface CheckedRoute {
  prefix: string;
  /** The app it routes to: the shorthand string, or an object's `app`. */
  app?: { name: string; at: ConfigPath };
  redirect?: string;
  proxy?: string;
}

/** The cross-checks' view of an interpolated config value, valid or not. */
export function checkInputOf(value: unknown, listenPort: number | undefined): CheckInput {
  const apps = Object.entries(record(record(value).apps));
  const routes = Object.entries(record(record(value).routes));
  return {
    listenPort: listenPort === 0 ? undefined : listenPort,
    appNames: apps.map(([name]) => name),
    apps: apps.map(([name, app]) => {
      const port = AppSchema.shape.port.safeParse(record(app).port);
      const dependsOn = AppSchema.shape.dependsOn.safeParse(record(app).dependsOn);
      const url = record(app).url;
      const replicas = AppSchema.shape.replicas.safeParse(record(app).replicas);
      return {
        name,
        port: port.success ? port.data : undefined,
        replicas: replicas.success ? replicas.data : 1,
        dependsOn: dependsOn.success ? dependencyMap(dependsOn.data) : {},
        keys: Object.keys(record(app)),
        url: typeof url === "string" ? url : undefined,
      };
    }),
    routes: routes.map(([prefix, route]): CheckedRoute => {
      if (typeof route === "string") return { prefix, app: { name: route, at: ["routes", prefix] } };
      const { app, redirect, proxy } = record(route);
      return {
        prefix,
        ...(typeof app === "string" && { app: { name: app, at: ["routes", prefix, "app"] } }),
        ...(typeof redirect === "string" && { redirect }),
        ...(typeof proxy === "string" && { proxy }),
      };
    }),
  };
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function crossCheck(input: CheckInput): ConfigProblem[] {
  return [...checkAppKinds(input), ...checkRoutes(input), ...checkPorts(input), ...checkDependencies(input), ...checkReplicaNames(input), ...checkReplicaPorts(input)];
}

/** Replicas run side by side: a fixed port can serve only one of them. */
function checkReplicaPorts({ apps }: CheckInput): ConfigProblem[] {
  return apps
    .filter(({ port, replicas }) => port !== undefined && replicas > 1)
    .map(({ name, port, replicas }): ConfigProblem => ({
      code: "ZOO_ERR_CONFIG_INVALID",
      path: ["apps", name, "replicas"],
      message: `${replicas} replicas cannot share the fixed port ${port}: each replica needs a port of its own (remove \`port\` and zoo picks one per replica)`,
    }));
}

/** The keys an app zoo fronts by `url` may have: it has no process, so no command, cwd, env, port, restart, … */
const ADDRESS_APP_KEYS = ["url", "health", "essential", "dependsOn"];

/** Each app is either run by zoo (`command`) or fronted by it (`url`), and an address is "http://HOST:PORT". */
function checkAppKinds({ apps }: CheckInput): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const { name, keys, url } of apps) {
    const at: ConfigPath = ["apps", name];
    const hasCommand = keys.includes("command");
    if (!hasCommand && !keys.includes("url")) {
      problems.push({ code: "ZOO_ERR_CONFIG_INVALID", path: at, message: "missing required key `command` (an app zoo runs), or `url` (an app zoo fronts but does not run)" });
      continue;
    }
    if (!keys.includes("url")) continue;
    for (const key of keys.filter((k) => !ADDRESS_APP_KEYS.includes(k))) {
      problems.push({
        code: "ZOO_ERR_CONFIG_INVALID",
        path: [...at, key],
        message: `\`${key}\` is for an app zoo runs; this app has a \`url\`, so zoo does not run it (an app with a url takes ${ADDRESS_APP_KEYS.join(", ")})`,
      });
    }
    if (url !== undefined) problems.push(...checkAddress([...at, "url"], url));
  }
  return problems;
}

function checkAddress(at: ConfigPath, text: string): ConfigProblem[] {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const plain = url && url.protocol === "http:" && url.hostname !== "" && (url.pathname === "/" || url.pathname === "") && !url.search && !url.hash && !url.username;
  if (plain) return [];
  return [{ code: "ZOO_ERR_CONFIG_URL", path: at, message: `expected an address such as "http://node:9100" (http, a host, a port, no path), found ${JSON.stringify(text)}` }];
}

/** A replica is named `node.1`: no other app may have that name. */
function checkReplicaNames({ appNames, apps }: CheckInput): ConfigProblem[] {
  return apps.flatMap(({ name, replicas }) =>
    Array.from({ length: replicas > 1 ? replicas : 0 }, (_, i) => `${name}.${i}`)
      .filter((replica) => appNames.includes(replica))
      .map((replica): ConfigProblem => ({
        code: "ZOO_ERR_CONFIG_INVALID",
        path: ["apps", name, "replicas"],
        message: `the replicas of \`${name}\` are named ${name}.0 to ${name}.${replicas - 1}, and \`${replica}\` is another app's name (rename that app)`,
      })),
  );
}

function checkRoutes({ appNames, routes }: CheckInput): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, string>();
  for (const route of routes) {
    const at: ConfigPath = ["routes", route.prefix];
    const key = parseRouteKey(route.prefix);
    if (!key.ok) {
      problems.push({ code: "ZOO_ERR_CONFIG_ROUTE_PREFIX", path: at, message: key.error });
    } else {
      const normal = routeKeyId(key);
      const first = seen.get(normal);
      if (first !== undefined) {
        problems.push({
          code: "ZOO_ERR_CONFIG_ROUTE_PREFIX",
          path: at,
          message: `duplicate prefix: ${JSON.stringify(route.prefix)} and ${JSON.stringify(first)} are both ${JSON.stringify(normal)} once normalized (no trailing "/", host in lowercase ASCII)`,
        });
      } else {
        seen.set(normal, route.prefix);
      }
    }

    if (route.app !== undefined && !appNames.includes(route.app.name)) problems.push(unknownApp(route.app.at, route.app.name, appNames, "route to"));
    if (route.redirect !== undefined) problems.push(...checkRedirect([...at, "redirect"], route.redirect));
    if (route.proxy !== undefined) problems.push(...checkUrl([...at, "proxy"], route.proxy));
  }
  return problems;
}

/** A redirect may also go to a path on the same host, never to a protocol-relative "//host" or "/\\host". */
function checkRedirect(at: ConfigPath, text: string): ConfigProblem[] {
  if (text.startsWith("/")) {
    if (!/^\/[/\\]/.test(text)) return [];
    return [{ code: "ZOO_ERR_CONFIG_URL", path: at, message: `expected a path on this host such as "/new" or an absolute http(s) URL, found ${JSON.stringify(text)} (a browser reads it as another host)` }];
  }
  return checkUrl(at, text).map((p) => ({ ...p, message: `${p.message} (or a path on this host, such as "/new")` }));
}

function checkUrl(at: ConfigPath, text: string): ConfigProblem[] {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  // "http:evil.com" parses as http://evil.com/ but is not written as one: only the "scheme://host" form is accepted.
  if (url && (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" && /^https?:\/\//i.test(text)) return [];
  return [{ code: "ZOO_ERR_CONFIG_URL", path: at, message: `expected an absolute http(s) URL such as "https://example.com", found ${JSON.stringify(text)}` }];
}

function checkPorts({ listenPort, apps }: CheckInput): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const owner = new Map<number, string>();
  for (const { name, port } of apps) {
    if (port === undefined) continue;
    const at: ConfigPath = ["apps", name, "port"];
    if (port === listenPort) {
      problems.push({ code: "ZOO_ERR_CONFIG_PORT_CONFLICT", path: at, message: `port ${port} is zoo's own listen port (choose another, or omit it and zoo picks a free one)` });
      continue;
    }
    const first = owner.get(port);
    if (first !== undefined) {
      problems.push({ code: "ZOO_ERR_CONFIG_PORT_CONFLICT", path: at, message: `port ${port} is already used by app \`${first}\`` });
    } else {
      owner.set(port, name);
    }
  }
  return problems;
}

function checkDependencies({ appNames, apps }: CheckInput): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const graph = new Map<string, string[]>();
  for (const { name, dependsOn } of apps) {
    const at: ConfigPath = ["apps", name, "dependsOn"];
    const deps = Object.keys(dependsOn);
    for (const dep of deps) {
      if (dep === name) {
        problems.push({ code: "ZOO_ERR_CONFIG_DEPENDENCY", path: at, message: `app \`${name}\` depends on itself` });
      } else if (!appNames.includes(dep)) {
        problems.push(unknownApp(at, dep, appNames.filter((n) => n !== name), "dependency on"));
      }
    }
    graph.set(name, deps.filter((d) => d !== name && appNames.includes(d)));
  }

  for (const cycle of findCycles(graph)) {
    problems.push({ code: "ZOO_ERR_CONFIG_DEPENDENCY", path: ["apps", cycle[0], "dependsOn"], message: `dependency cycle: ${cycle.join(" → ")}` });
  }
  return problems;
}

function unknownApp(at: ConfigPath, app: string, appNames: string[], what: string): ConfigProblem {
  const guess = closest(app, appNames);
  const hint = guess ? ` — did you mean \`${guess}\`?` : appNames.length ? ` (apps: ${appNames.join(", ")})` : " (no apps are defined)";
  return { code: "ZOO_ERR_CONFIG_UNKNOWN_APP", path: at, message: `${what} unknown app \`${app}\`${hint}` };
}
