// Config loading, one step after another: discovery and parse (discovery.ts) → top-level envFile → interpolate →
// validate (zod) → cross-checks → app envFiles → normalize → Config. Every problem found on the way is collected and thrown
// together as one ConfigError.
import path from "node:path";
import { ConfigError, type ConfigProblem } from "../errors.ts";
import { readConfig, type LoadOptions } from "./discovery.ts";
import { certificateProblems } from "./certificate-files.ts";
import { checkInputOf, crossCheck } from "./checks.ts";
import { checkDirectories } from "./directories.ts";
import { readEnvFiles } from "./envfile.ts";
import { checkExecLimits } from "./exec-limits.ts";
import { formatIssues } from "./format.ts";
import { interpolate } from "./interpolate.ts";
import { resolveMetrics } from "./metrics.ts";
import { resolveDashboard } from "./dashboard.ts";
import { DEFAULT_PORT, parseListen } from "./listen.ts";
import { normalizeApp, normalizeRoute } from "./normalize.ts";
import { normalizeCompress, normalizeRouteOptions, type TopLevelOptions } from "./route-options.ts";
import { normalizeTls } from "./tls.ts";
import { AppSchema, ConfigSchema, RouteSchema, type ParsedApp, type ParsedRoute } from "./schema.ts";
import type { AppConfig, Config, RouteOptions } from "./types.ts";

export async function loadConfig(options: LoadOptions = {}): Promise<Config> {
  const { cwd = process.cwd(), env = process.env } = options;
  const { file, raw } = await readConfig(options.configPath, env.ZOO_CONFIG, cwd);
  return buildConfig(raw, { file, env, listen: options.listen, onDisk: true });
}

// ---- from the raw value to Config ----

export interface BuildOptions {
  /** Absolute path of the file the value came from; relative paths in it are resolved from its directory. */
  file: string;
  env?: Record<string, string | undefined>;
  listen?: string | number;
  /** Check what the config names on disk too: the apps' and static routes' directories, the certificate files. */
  onDisk?: boolean;
}

/** Validate and normalize an already parsed config value. Throws ConfigError with every problem. */
export function buildConfig(raw: unknown, options: BuildOptions): Config {
  const { file, env = process.env } = options;
  const dir = path.dirname(file);

  // The top-level envFile first: its variables feed ${VAR}, under zoo's own environment (as compose's .env does).
  const sharedSpec = interpolate(fieldOf(raw, "envFile"), env, ["envFile"]);
  const shared = readEnvFiles(sharedSpec.value, ["envFile"], dir);
  const interpolated = interpolate(raw, { ...shared.values, ...definedOnly(env) });
  const interpolationProblems = [...sharedSpec.problems, ...interpolated.problems.filter((p) => !startsWith(p.path, ["envFile"]))];
  // A value with an unresolved ${VAR} is reported once, not again as a bad port or a missing file.
  const unresolved = interpolationProblems.map((p) => p.path);
  const notUnresolved = (problem: ConfigProblem) => !unresolved.some((u) => startsWith(problem.path, u));
  const problems: ConfigProblem[] = [...interpolationProblems, ...shared.problems.filter(notUnresolved)];
  const value = interpolated.value;

  const parsed = ConfigSchema.safeParse(value);
  if (!parsed.success) problems.push(...formatIssues(parsed.error.issues, ConfigSchema, value).filter(notUnresolved));

  const listen = resolveListen(parsed.success ? parsed.data.listen : validListen(value), options.listen, env);
  problems.push(...listen.problems);

  const metrics = resolveMetrics((value as { metrics?: unknown } | null)?.metrics, listen);
  problems.push(...metrics.problems);
  const dashboard = resolveDashboard((value as { dashboard?: unknown } | null)?.dashboard, listen, metrics.value);
  problems.push(...dashboard.problems);

  problems.push(...crossCheck(checkInputOf(value, listen.port)));

  // Every app's envFile is read, valid app or not, so that a missing file is reported with the rest.
  const appFiles = new Map(entriesOf(fieldOf(value, "apps")).map(([name, app]) => [name, readEnvFiles(fieldOf(app, "envFile"), ["apps", name, "envFile"], dir)]));
  for (const files of appFiles.values()) problems.push(...files.problems.filter(notUnresolved));

  const apps: AppConfig[] = [];
  for (const [name, app] of parsed.success ? Object.entries(parsed.data.apps) : validApps(value)) {
    const normal = normalizeApp(name, app, dir, { ...shared.values, ...appFiles.get(name)?.values });
    problems.push(...normal.problems, ...checkExecLimits(normal.value, Object.keys(app.env)));
    apps.push(normal.value);
  }

  const top = topLevelOptions(parsed.success ? parsed.data : value);
  const routeOptions = new Map<string, RouteOptions>();
  for (const [key, route] of parsed.success ? Object.entries(parsed.data.routes) : validRoutes(value)) {
    if (typeof route === "string" || "redirect" in route) continue;
    const options = normalizeRouteOptions(route, top, dir, ["routes", key]);
    problems.push(...options.problems);
    routeOptions.set(key, options.value);
  }

  // The tls section on its own, so that its problems (and its files') come with every other one.
  const tlsSection = ConfigSchema.shape.tls.safeParse(fieldOf(value, "tls"));
  const tls = tlsSection.success && tlsSection.data ? normalizeTls(tlsSection.data, dir, listen.port) : undefined;
  problems.push(...(tls?.problems ?? []));

  if (options.onDisk) {
    problems.push(...checkDirectories(value, dir).filter(notUnresolved));
    if (tls) problems.push(...certificateProblems(tls.value.certificates));
  }

  if (problems.length > 0 || !parsed.success || listen.port === undefined) throw new ConfigError(file, problems);

  const config = parsed.data;
  return {
    file,
    dir,
    listen: { host: listen.host, port: listen.port },
    apps,
    routes: Object.entries(config.routes).map(([key, route]) => ({
      ...normalizeRoute(key, route, dir),
      // A shorthand app route takes the top-level options; a redirect has none.
      ...(typeof route === "string" ? normalizeRouteOptions({}, top, dir, []).value : routeOptions.get(key)),
    })),
    logFormat: config.logFormat,
    accessLog: config.accessLog,
    trustProxy: config.trustProxy,
    upstreamTimeout: config.upstreamTimeout,
    readyWait: config.readyWait,
    drainTimeout: config.drainTimeout,
    control: config.control ? path.resolve(dir, config.control) : undefined,
    metrics: metrics.value,
    dashboard: dashboard.value,
    envFiles: [...new Set([...shared.files, ...[...appFiles.values()].flatMap((files) => files.files)])],
    tls: tls?.value,
    compress: top.compress,
    maxBodySize: top.maxBodySize,
    limits: config.limits,
  };
}

/** The top-level `compress` and `maxBodySize`, each read on its own so that an invalid config still has its routes checked. */
function topLevelOptions(value: unknown): TopLevelOptions {
  const compress = ConfigSchema.shape.compress.safeParse(fieldOf(value, "compress"));
  const maxBodySize = ConfigSchema.shape.maxBodySize.safeParse(fieldOf(value, "maxBodySize"));
  return {
    compress: compress.success ? normalizeCompress(compress.data) : undefined,
    maxBodySize: maxBodySize.success && maxBodySize.data !== false ? maxBodySize.data : undefined,
  };
}

/** The routes of an invalid config that do validate, so that their htpasswd files are still checked. */
function validRoutes(value: unknown): Array<[key: string, route: ParsedRoute]> {
  return entriesOf(fieldOf(value, "routes")).flatMap(([key, route]): Array<[string, ParsedRoute]> => {
    const result = RouteSchema.safeParse(route);
    return result.success ? [[key, result.data]] : [];
  });
}

interface ResolvedListen {
  host: string;
  port: number | undefined;
  problems: ConfigProblem[];
}

/** `--listen`, else the file's `listen`, else `$PORT`, else 8000. */
function resolveListen(fromFile: string | number | undefined, override: string | number | undefined, env: Record<string, string | undefined>): ResolvedListen {
  const [source, value, label] =
    override !== undefined
      ? ["override", override, "--listen: "]
      : fromFile !== undefined
        ? ["file", fromFile, ""]
        : env.PORT !== undefined && env.PORT !== ""
          ? ["env", env.PORT, "$PORT: "]
          : ["default", DEFAULT_PORT, ""];
  const result = parseListen(value);
  if (result.ok) return { host: result.host, port: result.port, problems: [] };
  // An invalid `listen` in the file is already reported by the schema.
  const problems: ConfigProblem[] = source === "file" ? [] : [{ code: "ZOO_ERR_CONFIG_INVALID", path: ["listen"], message: `${label}${result.error}` }];
  return { host: "", port: undefined, problems };
}

/** The apps of an invalid config that do validate, so that their commands are still checked. */
function validApps(value: unknown): Array<[name: string, app: ParsedApp]> {
  return entriesOf(fieldOf(value, "apps")).flatMap(([name, app]): Array<[string, ParsedApp]> => {
    const result = AppSchema.safeParse(app);
    return result.success ? [[name, result.data]] : [];
  });
}

/** The file's `listen` when the rest of the config is invalid; NaN when it is itself invalid (already reported). */
function validListen(value: unknown): string | number | undefined {
  const listen = (value as { listen?: unknown } | null)?.listen;
  if (listen === undefined) return undefined;
  return (typeof listen === "number" || typeof listen === "string") && parseListen(listen).ok ? listen : Number.NaN;
}

function startsWith(full: readonly (string | number)[], prefix: readonly (string | number)[]): boolean {
  return prefix.length <= full.length && prefix.every((key, i) => full[i] === key);
}

function entriesOf(value: unknown): Array<[string, unknown]> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? Object.entries(value) : [];
}

function fieldOf(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
