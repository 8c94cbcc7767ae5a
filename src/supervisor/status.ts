// What an app reports: its status record, the event of a state change, and the wording of both in the log
// (one place for "exited with code 1", "node: ready in 182ms", and the level of each state's line).
import type { Exit } from "./spawn.ts";
import type { AppState } from "./state.ts";

export interface AppStatus {
  name: string;
  state: AppState;
  pid?: number;
  port?: number;
  /** Restarts since zoo started (waking from sleep is not one). */
  restarts: number;
  /** Times the app was woken from sleep (a lazy app's first start included). */
  wakes: number;
  /** When a request or connection to the app last began or ended, ms since the epoch. */
  lastActivity?: number;
  /** Requests and connections open now (a download, a WebSocket): the app does not sleep while any is. */
  active: number;
  /** When the current (or last) run was spawned, ms since the epoch. */
  startedAt?: number;
  /** When the current run became ready. */
  readyAt?: number;
  lastExit?: { code: number | null; signal: string | null; at: number };
  /** The last probe's result, e.g. "tcp 9000: connection refused". */
  health?: string;
  /** Why the app is in its state, e.g. "exited with code 1; restarting in 200ms". */
  reason?: string;
  essential: boolean;
}

export interface StateChange {
  app: string;
  from: AppState;
  to: AppState;
  reason?: string;
  at: number;
  status: AppStatus;
}

/** How a process ended, in words: "exited with code 1", "killed by SIGTERM". */
export function describeExit(exit: Exit): string {
  return exit.code !== null ? `exited with code ${exit.code}` : `killed by ${exit.signal}`;
}

export function levelOf(state: AppState): "info" | "warn" | "error" {
  if (state === "failed") return "error";
  if (state === "unhealthy" || state === "backoff") return "warn";
  return "info";
}

/** The log line of a state change: `node: ready in 182ms`, `node: failed: command not found: …`. */
export function stateLine(name: string, state: AppState, reason: string | undefined): string {
  switch (state) {
    case "ready":
      return `${name}: ready${reason ? ` ${reason}` : ""}`;
    case "failed":
    case "unhealthy":
      return `${name}: ${state}${reason ? `: ${reason}` : ""}`;
    case "backoff":
      return `${name}: ${reason ?? "restarting"}`;
    default:
      return `${name}: ${state}${reason ? ` (${reason})` : ""}`;
  }
}
