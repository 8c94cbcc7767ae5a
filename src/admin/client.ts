// `zoo status` and `zoo health`: ask a running zoo over its control socket.
import { existsSync } from "node:fs";
import { http } from "../builtins.ts";
import { readControlAddress } from "../config/control-address.ts";
import { ConfigError } from "../errors.ts";
import { runningZooOf } from "./pointer.ts";
import { findControlSocket } from "./server.ts";
import { untrustedSocket } from "./socket-dir.ts";
import { statusJson } from "./json.ts";
import type { ControlStatus } from "./status.ts";

export interface ClientOptions {
  configPath?: string;
  listen?: string;
  /** Where to print; defaults to process.stdout / process.stderr. */
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
  /** `--json`: the documented JSON shape (src/admin/json.ts) instead of the table. */
  json?: boolean;
}

export async function status(options: ClientOptions = {}): Promise<number> {
  const { out = process.stdout } = options;
  const reply = await ask(options, "/status");
  if (typeof reply === "number") return reply;
  const parsed = JSON.parse(reply.body) as ControlStatus;
  out.write(options.json ? JSON.stringify(statusJson(parsed), null, 2) + "\n" : formatStatus(parsed, Date.now()));
  return 0;
}

export async function health(options: ClientOptions = {}): Promise<number> {
  const { out = process.stdout } = options;
  const reply = await ask(options, "/health");
  if (typeof reply === "number") return reply;
  const verdict = JSON.parse(reply.body) as { healthy: boolean; reasons: string[] };
  out.write(verdict.healthy ? "healthy\n" : `unhealthy: ${verdict.reasons.join("; ")}\n`);
  return verdict.healthy ? 0 : 1;
}

/**
 * The control socket of the zoo running the config, or an exit code after printing why there is none to talk to: 2
 * when there is no config file, 1 when the socket is another user's (it may be an impostor's). The file is not
 * judged (config/control-address.ts): a running zoo is reached whatever the file says now.
 */
export async function controlSocketOf(options: ClientOptions): Promise<string | number> {
  const socket = await locateControlSocket(options);
  const untrusted = typeof socket === "string" ? untrustedSocket(socket) : undefined;
  if (untrusted === undefined) return socket;
  (options.err ?? process.stderr).write(untrusted + "\n");
  return 1;
}

async function locateControlSocket(options: ClientOptions): Promise<string | number> {
  try {
    const { file, port, control, certain } = await readControlAddress({ configPath: options.configPath, listen: options.listen });
    const socket = findControlSocket(control, port);
    // `--listen` names the zoo to reach; otherwise the zoo running the file says where it is (the file may have moved
    // `listen` or `control` since it started, or cannot say now).
    if (options.listen !== undefined && (certain || existsSync(socket))) return socket;
    return runningZooOf(file) ?? socket;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The named file is gone (moved away while being edited): the zoo started from it still answers.
    const running = runningZooOf(error.file);
    if (running) return running;
    (options.err ?? process.stderr).write(error.message.endsWith("\n") ? error.message : error.message + "\n");
    return 2;
  }
}

/** Aborted by Ctrl-C or SIGTERM: how a follow or a watch ends (exit 0, as it was asked to). */
export function untilInterrupted(): AbortSignal {
  const controller = new AbortController();
  const stop = () => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.off(signal, stop);
    controller.abort();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, stop);
  return controller.signal;
}

export function notRunning(socketPath: string, error: unknown): string {
  return `zoo is not running here: no answer on its control socket ${socketPath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})\n`;
}

/** The reply body, or an exit code after printing why there is none. */
async function ask(options: ClientOptions, path: string): Promise<{ body: string } | number> {
  const { err = process.stderr } = options;
  const socketPath = await controlSocketOf(options);
  if (typeof socketPath === "number") return socketPath;
  try {
    return { body: await get(socketPath, path) };
  } catch (error) {
    err.write(notRunning(socketPath, error));
    return 1;
  }
}

export function get(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, timeout: 3000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve(body));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end();
  });
}

/** A status read earlier, for CPU% over the time in between (`zoo status --watch`). */
export interface EarlierStatus {
  status: ControlStatus;
  at: number;
}

/**
 * The table. CPU is the current run's CPU time; when watching, it is CPU% since the earlier reading instead
 * (100% = one core busy; "-" on the first frame).
 */
export function formatStatus(status: ControlStatus, now: number, watching?: { earlier?: EarlierStatus }): string {
  // Scale-to-zero columns only when some app can sleep: the table stays narrow otherwise.
  const sleepy = status.apps.some((app) => app.lazy || app.idleTimeout !== undefined);
  const cpuHeader = watching ? "CPU%" : "CPU TIME";
  const header = ["APP", "STATE", "PID", "PORT", "RESTARTS", cpuHeader, "MEMORY", "UPTIME", "LAST EXIT", "HEALTH", ...(sleepy ? ["WAKES", "LAST REQUEST"] : [])];
  const rows = status.apps.map((app) => [
    app.name + (app.essential ? "*" : ""),
    app.state + (app.reason && app.state !== "ready" ? ` (${app.reason})` : ""),
    app.pid?.toString() ?? "-",
    app.port?.toString() ?? "-",
    String(app.restarts),
    watching ? cpuPercent(app, watching.earlier, now) : app.pid && app.cpuSeconds !== undefined ? `${app.cpuSeconds.toFixed(2)}s` : "-",
    app.pid && app.memoryBytes !== undefined ? formatBytes(app.memoryBytes) : "-",
    app.startedAt && app.pid ? formatDuration(now - app.startedAt) : "-",
    app.lastExit ? (app.lastExit.signal ?? `code ${app.lastExit.code}`) : "-",
    app.health ?? "-",
    ...(sleepy ? [String(app.wakes ?? 0), lastRequest(app, now)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd() + "\n";
  const where = `${status.listen.host}:${status.listen.port}`;
  return `proxy: ${status.listening ? `listening on ${where}` : `not listening (${where})`}\n` +
    (status.zoo ? zooLine(status.zoo, watching?.earlier, now) : "") +
    line(header) + rows.map(line).join("") + (status.apps.some((a) => a.essential) ? "* essential\n" : "");
}

/** "now (2 open)" while requests or connections are open, else how long ago the last one began or ended. */
function lastRequest(app: AppView, now: number): string {
  if (app.active) return `now (${app.active} open)`;
  return app.lastActivity ? `${formatDuration(now - app.lastActivity)} ago` : "-";
}

type AppView = ControlStatus["apps"][number];

/** zoo's own process, above its apps, in the apps' units: "zoo: pid 7, memory 52.1 MiB (heap 9.8 MiB), CPU 1.20s". */
function zooLine(zoo: NonNullable<ControlStatus["zoo"]>, earlier: EarlierStatus | undefined, now: number): string {
  const before = earlier?.status.zoo;
  const seconds = earlier ? (now - earlier.at) / 1000 : 0;
  const cpu = !earlier ? `CPU time ${zoo.cpuSeconds.toFixed(2)}s`
    : before && before.pid === zoo.pid && seconds > 0 ? `CPU ${(((zoo.cpuSeconds - before.cpuSeconds) / seconds) * 100).toFixed(1)}%`
    : "CPU -";
  return `zoo: pid ${zoo.pid}, memory ${formatBytes(zoo.memoryBytes)} (JS heap ${formatBytes(zoo.heapUsedBytes)} used of ${formatBytes(zoo.heapTotalBytes)}), ${cpu}\n`;
}

function cpuPercent(app: AppView, earlier: EarlierStatus | undefined, now: number): string {
  if (!earlier) return "-";
  const before = earlier.status.apps.find((a) => a.name === app.name);
  const seconds = (now - earlier.at) / 1000;
  if (!app.pid || app.cpuSeconds === undefined || before?.cpuSeconds === undefined || before.startedAt !== app.startedAt || seconds <= 0) return "-";
  return `${(((app.cpuSeconds - before.cpuSeconds) / seconds) * 100).toFixed(1)}%`;
}

function formatBytes(bytes: number): string {
  const mib = bytes / 1024 ** 2;
  return mib >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${mib.toFixed(1)} MiB`;
}

function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
