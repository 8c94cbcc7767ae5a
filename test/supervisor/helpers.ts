// Shared pieces for the supervisor tests: app configs with defaults, a logger that records, and
// awaiting conditions (events, /proc) with deadlines instead of sleeping.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import type { AppConfig, Probe } from "../../src/config/types.ts";
import type { Logger } from "../../src/log.ts";
import { freePort } from "../../src/supervisor/ports.ts";
import { Supervisor, type AppState, type SupervisorEvent } from "../../src/supervisor/index.ts";

export const FIXTURES = resolve(import.meta.dirname, "../../fixtures/supervisor");
export const NODE = process.execPath;

export const tcp = (over: Partial<Extract<Probe, { kind: "tcp" }>> = {}): Probe => ({
  kind: "tcp",
  timeout: 500,
  interval: 5000,
  startTimeout: 5000,
  failures: 3,
  ...over,
});

export async function app(name: string, over: Partial<AppConfig> & { script?: string } = {}): Promise<AppConfig> {
  const { script, ...rest } = over;
  return {
    name,
    command: script ? [NODE, join(FIXTURES, script)] : [NODE, join(FIXTURES, "server.js")],
    cwd: FIXTURES,
    env: {},
    port: "port" in over ? over.port : await freePort(),
    replicas: 1,
    health: tcp(),
    restart: "always",
    backoff: { initial: 20, max: 200, resetAfter: 30_000 },
    crashLoop: { restarts: 10, window: 60_000 },
    essential: false,
    dependsOn: {},
    stopSignal: "SIGTERM",
    stopTimeout: 2000,
    lazy: false,
    idleTimeout: undefined,
    ...rest,
  };
}

export interface Recorded {
  zoo: { level: string; message: string }[];
  lines: { name: string; stream: string; line: string }[];
}

export function recordingLogger(): Logger & { records: Recorded } {
  const records: Recorded = { zoo: [], lines: [] };
  return {
    records,
    zoo(level, message) {
      records.zoo.push({ level, message });
    },
    app(name, stream, line) {
      records.lines.push({ name, stream, line });
    },
    access() {},
  };
}

/** A supervisor whose processes are killed when the test ends, whatever happened. */
export function supervise(t: TestContext, apps: AppConfig[], onFatal?: (app: string, code: number) => void, trackIntervalMs = 100) {
  const log = recordingLogger();
  const supervisor = new Supervisor(apps, { log, onFatal, trackIntervalMs });
  const events: SupervisorEvent[] = [];
  supervisor.subscribe((event) => events.push(event));
  t.after(() => supervisor.killAll());
  return { supervisor, log, events };
}

/** Whether requests may go to the app now: one of its replicas is ready (what acquire() would find). */
export function isReady(supervisor: Supervisor, app: string): boolean {
  return supervisor.snapshot().some((row) => supervisor.appOf(row.name) === app && row.state === "ready");
}

/** A request held open on a ready instance of the app, as the proxy holds one: call the result when it ends. */
export function openRequest(supervisor: Supervisor, app: string): () => void {
  const lease = supervisor.acquire(app);
  if (!lease) throw new Error(`${app} has no ready instance to hold a request on`);
  return lease.release;
}

/** Polls `condition` until it is truthy; throws with `what` after the deadline. */
export async function waitFor<T>(condition: () => T | Promise<T>, what: string, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves when `app` enters `state` (or is already in it), with the reason it gave. */
export function waitState(supervisor: Supervisor, name: string, state: AppState, timeoutMs = 5000): Promise<{ reason?: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      const now = supervisor.snapshot().find((s) => s.name === name);
      reject(new Error(`timed out after ${timeoutMs}ms waiting for ${name} to be ${state} (it is ${now?.state}: ${now?.reason})`));
    }, timeoutMs);
    const sub = supervisor.subscribe((event) => {
      if (event.app === name && event.to === state) {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(event);
      }
    });
    const now = sub.snapshot.find((s) => s.name === name);
    if (now?.state === state) {
      clearTimeout(timer);
      sub.unsubscribe();
      resolve({ reason: now.reason });
    }
  });
}

/** The states an app went through, in order. */
export const statesOf = (events: SupervisorEvent[], name: string) => events.filter((e) => e.app === name).map((e) => e.to);

/** Whether a process is alive (a zombie counts as dead). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "zoo-sup-"));
  // Never throws: an app still writing into the directory (its after hook may run first) must not keep the
  // later hooks, which kill the test's processes, from running.
  t.after(() => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {}
  });
  return dir;
}

export { existsSync };
