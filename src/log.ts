// zoo's one output path: its own lines, every app's lines, and the access log, as text or JSON.
import { styleText } from "node:util";
import type { Writable } from "node:stream";

export type Level = "info" | "warn" | "error";
export type Stream = "stdout" | "stderr";

export interface AccessEntry {
  method: string;
  path: string;
  route: string;
  status: number;
  bytes: number;
  durationMs: number;
  /** The exchange's X-Request-Id, to join an app's log line with zoo's. */
  requestId?: string;
}

export interface Logger {
  /** zoo's own line: `zoo    | message`. `app` names the app the line is about, if any. */
  zoo(level: Level, message: string, fields?: Record<string, unknown>): void;
  /** One complete line an app wrote (without its newline). */
  app(name: string, stream: Stream, line: string): void;
  access(entry: AccessEntry): void;
}

export interface LoggerOptions {
  format?: "text" | "json";
  /** App names, so that prefixes line up. */
  names?: string[];
  /** Colour prefixes; default: stdout is a TTY and NO_COLOR is unset. */
  color?: boolean;
  stdout?: Writable;
  stderr?: Writable;
}

const COLORS = ["cyan", "magenta", "green", "yellow", "blue", "red"] as const;

export function createLogger(options: LoggerOptions = {}): Logger {
  const {
    format = "text",
    names = [],
    stdout = process.stdout,
    stderr = process.stderr,
    color = Boolean((stdout as NodeJS.WriteStream).isTTY) && !process.env.NO_COLOR,
  } = options;
  const width = Math.max(3, ...names.map((n) => n.length));
  const colorOf = new Map(names.map((n, i) => [n, COLORS[i % COLORS.length]]));

  // Every line carries one: build each name's prefix once.
  const prefixes = new Map<string, string>();
  const prefix = (name: string) => {
    let made = prefixes.get(name);
    if (made === undefined) {
      const padded = name.padEnd(width);
      made = color ? styleText(name === "zoo" ? "bold" : (colorOf.get(name) ?? "white"), padded, { validateStream: false }) + " | " : `${padded} | `;
      prefixes.set(name, made);
    }
    return made;
  };
  const jsonLine = (record: Record<string, unknown>) => JSON.stringify({ time: new Date().toISOString(), ...record }) + "\n";
  const json = (out: Writable, record: Record<string, unknown>) => out.write(jsonLine(record));
  // Access lines are gathered and written once per turn of the event loop: one write per request costs a proxy
  // under load ~11% of its throughput when stdout is a pipe (writes to pipes are synchronous). Any other line
  // writes them first, so the output keeps its order.
  let pendingAccess = "";
  const flushAccess = () => {
    if (pendingAccess === "") return;
    const lines = pendingAccess;
    pendingAccess = "";
    stdout.write(lines);
  };
  const queueAccess = (line: string) => {
    if (pendingAccess === "") setImmediate(flushAccess);
    pendingAccess += line;
  };

  return {
    zoo(level, message, fields) {
      flushAccess();
      const out = level === "info" ? stdout : stderr;
      if (format === "json") return json(out, { app: "zoo", level, msg: message, ...fields });
      out.write(prefix("zoo") + message + "\n");
    },
    app(name, stream, line) {
      flushAccess();
      const out = stream === "stdout" ? stdout : stderr;
      if (format === "json") return json(out, { app: name, stream, line });
      out.write(prefix(name) + line + "\n");
    },
    access(entry) {
      if (format === "json") return queueAccess(jsonLine({ app: "zoo", type: "access", ...entry }));
      const { method, path, route, status, bytes, durationMs, requestId } = entry;
      const id = requestId === undefined ? "" : ` id=${requestId}`;
      queueAccess(prefix("zoo") + `${method} ${path} → ${route} ${status} ${bytes}B ${durationMs.toFixed(1)}ms${id}\n`);
    },
  };
}

/** A logger that drops everything: for tests that do not look at output. */
export const silentLogger: Logger = { zoo() {}, app() {}, access() {} };
