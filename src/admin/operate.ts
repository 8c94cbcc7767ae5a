// `zoo restart|stop|start APP…`, `zoo logs` and `zoo reload`: the client side, over a running zoo's control socket.
import { http } from "../builtins.ts";
import { controlSocketOf, notRunning, untilInterrupted, type ClientOptions } from "./client.ts";
import { isRefusal, type ActionOutcome, type AppAction, type Refusal, type ReloadReply } from "./routes.ts";
import type { LogLine } from "../logs/book.ts";
import { logRecord, prefixLines, type LogRecord } from "../log.ts";

/** What a command prints on stdout and stderr, and its exit code: the CLI writes it, the dashboard shows it. */
export interface Printed {
  out: string;
  err: string;
  code: number;
}

/** Exit codes: 0 every app done, 1 one failed (or zoo is not running), 2 refused (unknown app, no app named). */
export async function appCommand(action: AppAction, apps: string[], options: ClientOptions = {}): Promise<number> {
  const query = apps.map((app) => `app=${encodeURIComponent(app)}`).join("&");
  const reply = await post<ActionOutcome[] | Refusal>(options, `/apps/${action}?${query}`);
  return typeof reply === "number" ? reply : print(actionPrinted(action, reply), options);
}

export function actionPrinted(action: AppAction, reply: ActionOutcome[] | Refusal): Printed {
  if (isRefusal(reply)) return { out: "", err: `zoo ${action}: ${reply.refused}\n`, code: 2 };
  const lines = (ok: boolean) => reply.filter((outcome) => outcome.ok === ok).map((outcome) => `${outcome.app}: ${outcome.message}\n`).join("");
  return { out: lines(true), err: lines(false), code: reply.every((outcome) => outcome.ok) ? 0 : 1 };
}

/** zoo scale APP N. Exit codes: 0 done, 1 a replica failed to start (or zoo is not running), 2 refused (unknown app). */
export async function scale(app: string, replicas: number, options: ClientOptions = {}): Promise<number> {
  const reply = await post<ActionOutcome | Refusal>(options, `/apps/scale?app=${encodeURIComponent(app)}&n=${replicas}`);
  return typeof reply === "number" ? reply : print(scalePrinted(reply), options);
}

export function scalePrinted(reply: ActionOutcome | Refusal): Printed {
  if (isRefusal(reply)) return { out: "", err: `zoo scale: ${reply.refused}\n`, code: 2 };
  const line = `${reply.app}: ${reply.message}\n`;
  return reply.ok ? { out: line, err: "", code: 0 } : { out: "", err: line, code: 1 };
}

/** Exit codes: 0 applied (or planned, with dryRun), 1 a step failed, 2 the new config is invalid or needs a restart of zoo. */
export async function reload(dryRun: boolean, options: ClientOptions = {}): Promise<number> {
  const reply = await post<ReloadReply | Refusal>(options, `/reload${dryRun ? "?dryRun=1" : ""}`);
  return typeof reply === "number" ? reply : print(reloadPrinted(reply, dryRun), options);
}

export function reloadPrinted(reply: ReloadReply | Refusal, dryRun: boolean): Printed {
  if (isRefusal(reply)) return { out: "", err: `zoo reload: ${reply.refused}\n`, code: 2 };
  const errors = reply.errors ? (reply.errors.endsWith("\n") ? reply.errors : reply.errors + "\n") : "";
  const notReloaded = reply.errors !== undefined || reply.needsRestart;
  const heading = notReloaded ? "not reloaded" : !reply.ok ? "reloaded, with failures" : dryRun ? "would do" : "reloaded";
  const plan = `${heading}:\n${reply.plan.map((line) => `  ${line}\n`).join("") || "  nothing changed\n"}`;
  if (reply.ok) return { out: plan, err: errors, code: 0 };
  return { out: "", err: errors + plan, code: notReloaded ? 2 : 1 };
}

function print(printed: Printed, { out = process.stdout, err = process.stderr }: ClientOptions): number {
  if (printed.err) err.write(printed.err);
  if (printed.out) out.write(printed.out);
  return printed.code;
}

export interface LogsOptions extends ClientOptions {
  apps: string[];
  follow: boolean;
  lines: number;
  json: boolean;
  /** Ends a follow (default: SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

/** Prints the last lines of the apps; with follow, every later one until interrupted. */
export async function logs(options: LogsOptions): Promise<number> {
  const { out = process.stdout, err = process.stderr } = options;
  const signal = options.follow ? (options.signal ?? untilInterrupted()) : undefined;
  const socketPath = await controlSocketOf(options);
  if (typeof socketPath === "number") return socketPath;
  const query = [...options.apps.map((app) => `app=${encodeURIComponent(app)}`), `n=${options.lines}`, ...(options.follow ? ["follow=1"] : [])];
  let width = Math.max(3, ...options.apps.map((app) => app.length));
  const print = (entry: LogLine) => {
    // A replica that starts while following may have a longer name: from then on, pad to it.
    width = Math.max(width, (entry.instance ?? entry.app).length);
    out.write(options.json ? JSON.stringify(jsonRecord(entry)) + "\n" : formatLine(entry, width));
  };
  return new Promise((resolve) => {
    const req = http.request({ socketPath, path: `/logs?${query.join("&")}` }, (res) => {
      const names = String(res.headers["x-zoo-log-names"] ?? "").split(",");
      width = Math.max(width, ...names.map((name) => name.length));
      if (res.statusCode !== 200) {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk) => (body += chunk));
        res.on("end", () => {
          err.write(`zoo logs: ${(JSON.parse(body) as Refusal).refused}\n`);
          resolve(2);
        });
        return;
      }
      let pending = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const lines = (pending + chunk).split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) if (line) print(JSON.parse(line) as LogLine);
      });
      res.on("end", () => resolve(0));
      res.on("error", () => resolve(0));
    });
    req.on("error", (error) => {
      if (signal?.aborted) return resolve(0);
      err.write(notRunning(socketPath, error));
      resolve(1);
    });
    req.end();
    signal?.addEventListener("abort", () => (req.destroy(), resolve(0)), { once: true });
  });
}

/** `node.1 | listening` for an app's line, `node   | zoo: ready in 120ms` for zoo's own line about it. */
function formatLine(entry: LogLine, width: number): string {
  const prefix = `${(entry.instance ?? entry.app).padEnd(width)} | `;
  return prefixLines(entry.stream === "zoo" ? `${prefix}zoo: ` : prefix, entry.line);
}

/** The record zoo's own JSON output writes (src/log.ts), so that both read the same. */
function jsonRecord({ at, app, instance, stream, level, line }: LogLine): LogRecord {
  return logRecord(at, instance ?? app, () => app, { stream, ...(level !== undefined && { level }), msg: line });
}

async function post<T>(options: ClientOptions, path: string): Promise<T | number> {
  const { err = process.stderr } = options;
  const socketPath = await controlSocketOf(options);
  if (typeof socketPath === "number") return socketPath;
  try {
    return await new Promise<T>((resolve, reject) => {
      const req = http.request({ socketPath, path, method: "POST" }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => {
          try {
            resolve(JSON.parse(body) as T);
          } catch (error) {
            reject(error);
          }
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  } catch (error) {
    err.write(notRunning(socketPath, error));
    return 1;
  }
}
