// What both exports share: each app as a service of its own (name, port, directory and environment inside the
// image), the checks every export needs, and the config of the front zoo, which fronts apps by address.
import path from "node:path";
import type { AppConfig, Config, Probe, Route } from "../config/types.ts";
import { routeKeyId } from "../config/hosts.ts";
import { ZooError } from "../errors.ts";
import { zooLiteral } from "./literal.ts";
import { mapNames } from "./names.ts";
import { rawRouteOptions } from "./route-options.ts";

/** The front zoo's service name; no app service takes it. */
export const FRONT = "zoo";
/** Where the front zoo reads its config inside its container. */
export const FRONT_CONFIG_PATH = "/etc/zoo/zoo.config.json";
/** Ports given to apps that have none, from this one up. */
export const FIRST_ASSIGNED_PORT = 8080;

export interface ExportSettings {
  image: string;
  /** The config file's directory inside the image. */
  workdir: string;
}

export interface ServiceApp {
  app: AppConfig;
  /** The service (and DNS) name: the app's name, mapped when DNS would reject it. */
  service: string;
  port: number;
  /** True when the config gives no port and the export picked one. */
  portAssigned: boolean;
  /** The app's cwd inside the image. */
  workdir: string;
  /** `env`, then PORT and HOST=0.0.0.0, so that the app listens beyond its container's loopback. */
  environment: Record<string, string>;
}

export interface ExportPlan {
  config: Config;
  settings: ExportSettings;
  apps: ServiceApp[];
  byName: Map<string, ServiceApp>;
  /** The port the front zoo listens on and publishes: the config's listen port. */
  frontPort: number;
}

export class ExportError extends ZooError {
  constructor(file: string, problems: string[]) {
    super("ZOO_ERR_EXPORT", `cannot export ${file}:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
  }
}

export function planExport(config: Config, settings: ExportSettings): ExportPlan {
  if (config.listen.port === 0) {
    throw new ExportError(config.file, ['listen: port 0 (any free port) cannot be published; give "listen" a port, or use --listen PORT']);
  }
  // An app zoo already fronts by `url` runs elsewhere: it is no service here, the front zoo fronts it as before.
  const run = config.apps.filter((app) => !app.url);
  const names = mapNames(
    run.map((app) => app.name),
    [FRONT],
  );
  const taken = new Set([config.listen.port, ...run.flatMap((app) => (app.port === undefined ? [] : [app.port]))]);
  let next = FIRST_ASSIGNED_PORT;
  const apps = run.map((app): ServiceApp => {
    let port = app.port;
    if (port === undefined) {
      while (taken.has(next)) next++;
      port = next++;
    }
    return {
      app,
      service: names.get(app.name)!,
      port,
      portAssigned: app.port === undefined,
      workdir: inImage(config, settings, app.cwd),
      environment: { ...appEnv(app), PORT: String(port), HOST: "0.0.0.0" },
    };
  });
  return { config, settings, apps, byName: new Map(apps.map((app) => [app.app.name, app])), frontPort: config.listen.port };
}

/** The app's own variables: those of the envFiles (top-level, then the app's) with `env` over them, as loaded. */
function appEnv(app: AppConfig): Record<string, string> {
  return { ...app.env };
}

/** A path on this machine under the config's directory → the same path inside the image. */
export function inImage(config: Config, settings: ExportSettings, hostPath: string): string {
  const relative = path.relative(config.dir, hostPath).split(path.sep).join("/");
  return path.posix.resolve(settings.workdir, relative);
}

/** Lines that say which names and ports the export chose, for the person running it. */
export function planNotes(plan: ExportPlan): string[] {
  const notes: string[] = [];
  for (const { app, service, port, portAssigned } of plan.apps) {
    if (service !== app.name) notes.push(`app "${app.name}" is named "${service}" (compose and DNS names are lowercase letters, digits and "-")`);
    if (portAssigned) notes.push(`app "${app.name}" has no port in the config: it gets PORT=${port}`);
  }
  return notes;
}

// ---- the front zoo's config: every app an address ----

/** The `health` of an app that zoo fronts by address: the same probe and timing, except that exec becomes tcp. */
export function addressHealth(probe: Probe): false | Record<string, unknown> {
  if (probe.kind === "none") return false;
  const timing = { timeout: probe.timeout, interval: probe.interval, startTimeout: probe.startTimeout, failures: probe.failures };
  if (probe.kind === "http") return { http: probe.path, ...(probe.status !== undefined && { status: probe.status }), ...timing };
  return { tcp: true, ...timing };
}

/** A route as the front zoo's config states it; static directories are paths inside the image. */
export function rawRoute(plan: ExportPlan, route: Route): string | Record<string, unknown> {
  const options = rawRouteOptions(route, (hostPath) => inImage(plan.config, plan.settings, hostPath));
  const target = rawTarget(plan, route);
  if (Object.keys(options).length === 0) return target;
  return { ...(typeof target === "string" ? { app: target } : target), ...options };
}

function rawTarget(plan: ExportPlan, route: Route): string | Record<string, unknown> {
  switch (route.kind) {
    case "app":
      return route.stripPrefix ? { app: route.app, stripPrefix: true } : route.app;
    case "redirect":
      return { redirect: route.to, status: route.status };
    case "proxy":
      return { proxy: route.target, stripPrefix: route.stripPrefix };
    case "static":
      return { static: inImage(plan.config, plan.settings, route.dir) };
  }
}

/**
 * The front zoo's config for `routes`: the apps they name become `{ url, health }`, reached by service name; `tls`
 * and `metrics` as the export places them in its container.
 */
export function frontConfig(plan: ExportPlan, routes: Route[], listeners: { tls?: unknown; metrics?: unknown } = {}): Record<string, unknown> {
  const { config } = plan;
  const routed = new Set(routes.flatMap((route) => (route.kind === "app" ? [route.app] : [])));
  const apps = Object.fromEntries(
    config.apps
      .filter((app) => routed.has(app.name))
      .map((app) => {
        const service = plan.byName.get(app.name);
        const url = service ? `http://${service.service}:${service.port}` : `http://${app.url!.host}:${app.url!.port}`;
        return [app.name, { url, health: addressHealth(app.health) }];
      }),
  );
  return {
    listen: plan.frontPort,
    apps: zooLiteral(apps),
    // Each key as the config writes it, host included ("api.example.com/x"), so the front zoo routes the same; keys
    // are not interpolated.
    routes: Object.fromEntries(routes.map((route) => [routeKeyId(route), zooLiteral(rawRoute(plan, route))])),
    logFormat: config.logFormat,
    accessLog: config.accessLog,
    trustProxy: config.trustProxy,
    upstreamTimeout: config.upstreamTimeout,
    readyWait: config.readyWait,
    drainTimeout: config.drainTimeout,
    ...(listeners.tls !== undefined && { tls: zooLiteral(listeners.tls) }),
    ...(listeners.metrics !== undefined && { metrics: listeners.metrics }),
  };
}

/** The `zoo probe` argv that checks an app at `host` with its own probe; undefined for exec and none. */
export function probeCommand(serviceApp: ServiceApp, host: string): string[] | undefined {
  const { app, port } = serviceApp;
  const probe = app.health;
  if (probe.kind === "tcp") return ["zoo", "probe", `tcp://${host}:${port}`, "--timeout", formatDuration(probe.timeout)];
  if (probe.kind === "http") {
    const status = probe.status === undefined ? [] : ["--status", String(probe.status)];
    return ["zoo", "probe", `http://${host}:${port}${probe.path}`, ...status, "--timeout", formatDuration(probe.timeout)];
  }
  return undefined;
}

/** Milliseconds → a duration zoo, compose and Go all read: "5s", "1500ms". */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
