// `zoo probe TARGET`: one probe, exit 0 when it passes and 1 when it fails, with the reason. TARGET is
// tcp://HOST:PORT, http://HOST:PORT/PATH or the name of an app in the config (its own probe, on its port).
// Exported health checks and init containers run it inside the image, so the image needs no curl.
import { setTimeout as delay } from "node:timers/promises";
import type { AppConfig, Probe } from "./config/types.ts";
import { ZooError } from "./errors.ts";
import { httpProbe, runProbe, tcpProbe, type ProbeResult } from "./supervisor/probe.ts";

export interface ProbeCommandOptions {
  target: string;
  /** Expected HTTP status (http targets only); default any 2xx or 3xx. */
  status?: number;
  /** One attempt's time limit; default 1s, or the app's own probe timeout. */
  timeoutMs?: number;
  /** Keep trying until a probe passes or this much time has passed; default 0: one attempt. */
  waitMs?: number;
  configPath?: string;
}

export type ProbeTargetSpec =
  | { kind: "tcp"; host: string; port: number }
  | { kind: "http"; host: string; port: number; path: string }
  | { kind: "app"; name: string };

const DEFAULT_TIMEOUT = 1000;
const RETRY_EVERY = 250;

export class ProbeUsageError extends ZooError {
  constructor(message: string) {
    super("ZOO_ERR_USAGE", message);
  }
}

/** tcp://host:port, http://host[:port]/path, or else an app name. */
export function parseProbeTarget(text: string): ProbeTargetSpec {
  if (!text.includes("://")) {
    if (!/^[A-Za-z0-9_.-]+$/.test(text)) throw new ProbeUsageError(`probe: expected tcp://HOST:PORT, http://HOST:PORT/PATH or an app name, found "${text}"`);
    return { kind: "app", name: text };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ProbeUsageError(`probe: "${text}" is not a valid URL`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new ProbeUsageError(`probe: "${text}" has no host`);
  if (url.protocol === "tcp:") {
    if (url.port === "") throw new ProbeUsageError(`probe: "${text}" has no port (expected tcp://HOST:PORT)`);
    if (url.pathname !== "" && url.pathname !== "/") throw new ProbeUsageError(`probe: a tcp target has no path, found "${url.pathname}"`);
    return { kind: "tcp", host, port: Number(url.port) };
  }
  if (url.protocol === "http:") {
    return { kind: "http", host, port: url.port === "" ? 80 : Number(url.port), path: (url.pathname || "/") + url.search };
  }
  throw new ProbeUsageError(`probe: unsupported scheme "${url.protocol.slice(0, -1)}" in "${text}" (expected tcp:// or http://)`);
}

/** Runs the probe (and retries it while `waitMs` lasts); resolves to the exit code. */
export async function probeCommand(options: ProbeCommandOptions): Promise<number> {
  const spec = parseProbeTarget(options.target);
  if (options.status !== undefined && spec.kind !== "http") {
    throw new ProbeUsageError(`probe: --status applies to http:// targets only${spec.kind === "app" ? " (an app's expected status is in its health.status)" : ""}`);
  }
  const attempt = spec.kind === "app" ? await appAttempt(spec.name, options) : addressAttempt(spec, options);

  const deadline = Date.now() + (options.waitMs ?? 0);
  let result = await attempt();
  while (!result.ok && Date.now() + RETRY_EVERY < deadline) {
    await delay(RETRY_EVERY);
    result = await attempt();
  }
  if (result.ok) {
    process.stdout.write(`${options.target}: ok (${result.detail})\n`);
    return 0;
  }
  process.stderr.write(`${options.target}: failed (${result.detail})\n`);
  return 1;
}

function addressAttempt(spec: Exclude<ProbeTargetSpec, { kind: "app" }>, options: ProbeCommandOptions): () => Promise<ProbeResult> {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT;
  if (spec.kind === "tcp") return () => tcpProbe(spec.host, spec.port, timeout);
  return () => httpProbe(spec.host, spec.port, spec.path, options.status, timeout);
}

/**
 * The app's configured probe against 127.0.0.1 and its configured port (an app with a `url`: that address); exec
 * probes run in its cwd with its env.
 */
async function appAttempt(name: string, options: ProbeCommandOptions): Promise<() => Promise<ProbeResult>> {
  // listen 0: zoo's own port does not matter to a probe, and in an app's container $PORT (zoo's default listen)
  // is the app's port, which zoo would otherwise report as a clash.
  // Loaded only here: a probe of an address (a health check every few seconds) starts without the config's parsers.
  const { loadConfig } = await import("./config/load.ts");
  const config = await loadConfig({ configPath: options.configPath, listen: 0 });
  const app = config.apps.find((candidate) => candidate.name === name);
  if (!app) {
    const names = config.apps.map((candidate) => candidate.name).join(", ") || "none";
    throw new ProbeUsageError(`probe: no app "${name}" in ${config.file} (apps: ${names})`);
  }
  const probe = withTimeout(app.health, options.timeoutMs);
  // An app zoo fronts by url: its probe against its address.
  if (app.url) return () => runProbe(probe, { host: app.url!.host, port: app.url!.port, cwd: app.cwd, env: app.env });
  if ((probe.kind === "tcp" || probe.kind === "http") && app.port === undefined) {
    throw new ProbeUsageError(
      `probe: app "${name}" has no fixed port in ${config.file}, so there is nothing to probe from outside zoo; ` +
        `give it a "port", or probe an address: zoo probe tcp://HOST:PORT`,
    );
  }
  return () => runProbe(probe, { host: "127.0.0.1", port: app.port, cwd: app.cwd, env: appEnv(app) });
}

function withTimeout(probe: Probe, timeoutMs: number | undefined): Probe {
  return probe.kind === "none" || timeoutMs === undefined ? probe : { ...probe, timeout: timeoutMs };
}

function appEnv(app: AppConfig): Record<string, string> {
  return app.port === undefined ? app.env : { ...app.env, PORT: String(app.port) };
}
