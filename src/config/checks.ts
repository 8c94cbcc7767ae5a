// Checks the schema cannot express, across the whole config. They run on whatever parts parsed,
// so that a config with a type error still gets its collisions and cycles reported in the same run.
import type { ConfigPath, ConfigProblem } from "../errors.ts";
import { findCycles } from "../dependencies.ts";
import { closest } from "./format.ts";
import { parseRouteKey, routeKeyId } from "./hosts.ts";
import { dependencyMap } from "./normalize.ts";
import type { ParsedApp, ParsedRoute } from "./schema.ts";

export interface CheckInput {
  /** zoo's own port, when known and fixed (not 0). */
  listenPort: number | undefined;
  /** Every app named in the file, including ones whose settings failed validation. */
  appNames: string[];
  /** The apps and routes that passed validation, in file order. */
  apps: Array<[name: string, app: ParsedApp]>;
  routes: Array<[prefix: string, route: ParsedRoute]>;
}

export function crossCheck(input: CheckInput): ConfigProblem[] {
  return [...checkRoutes(input), ...checkPorts(input), ...checkDependencies(input)];
}

function checkRoutes({ appNames, routes }: CheckInput): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, string>();
  for (const [prefix, route] of routes) {
    const at: ConfigPath = ["routes", prefix];
    const key = parseRouteKey(prefix);
    if (!key.ok) {
      problems.push({ code: "ZOO_ERR_CONFIG_ROUTE_PREFIX", path: at, message: key.error });
    } else {
      const normal = routeKeyId(key);
      const first = seen.get(normal);
      if (first !== undefined) {
        problems.push({
          code: "ZOO_ERR_CONFIG_ROUTE_PREFIX",
          path: at,
          message: `duplicate prefix: ${JSON.stringify(prefix)} and ${JSON.stringify(first)} are both ${JSON.stringify(normal)} once normalized (no trailing "/", host in lowercase ASCII)`,
        });
      } else {
        seen.set(normal, prefix);
      }
    }

    const app = typeof route === "string" ? route : "app" in route ? route.app : undefined;
    if (app !== undefined && !appNames.includes(app)) {
      problems.push(unknownApp(typeof route === "string" ? at : [...at, "app"], app, appNames, "route to"));
    }
    if (typeof route === "object" && "redirect" in route) problems.push(...checkRedirect([...at, "redirect"], route.redirect));
    if (typeof route === "object" && "proxy" in route) problems.push(...checkUrl([...at, "proxy"], route.proxy));
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
  if (url && (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "") return [];
  return [{ code: "ZOO_ERR_CONFIG_URL", path: at, message: `expected an absolute http(s) URL such as "https://example.com", found ${JSON.stringify(text)}` }];
}

function checkPorts({ listenPort, apps }: CheckInput): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const owner = new Map<number, string>();
  for (const [name, app] of apps) {
    if (app.port === undefined) continue;
    const at: ConfigPath = ["apps", name, "port"];
    if (app.port === listenPort) {
      problems.push({ code: "ZOO_ERR_CONFIG_PORT_CONFLICT", path: at, message: `port ${app.port} is zoo's own listen port (choose another, or omit it and zoo picks a free one)` });
      continue;
    }
    const first = owner.get(app.port);
    if (first !== undefined) {
      problems.push({ code: "ZOO_ERR_CONFIG_PORT_CONFLICT", path: at, message: `port ${app.port} is already used by app \`${first}\`` });
    } else {
      owner.set(app.port, name);
    }
  }
  return problems;
}

function checkDependencies({ appNames, apps }: CheckInput): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const graph = new Map<string, string[]>();
  for (const [name, app] of apps) {
    const at: ConfigPath = ["apps", name, "dependsOn"];
    const deps = Object.keys(dependencyMap(app.dependsOn));
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
