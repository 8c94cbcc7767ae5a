// The restart decision, in one pure function: given how an app ended and what happened before,
// restart it (after how long), leave it stopped, or mark it failed. No timers, no clock: `now` and
// `random` are arguments, so tests run it in virtual time.
import type { AppConfig } from "../config/types.ts";

export type RestartPolicy = Pick<AppConfig, "restart" | "backoff" | "crashLoop" | "essential">;

/** How one run of the app ended. */
export interface Ending {
  /** "exited": the process ended by itself; "unhealthy": zoo ended it because its probe failed. */
  cause: "exited" | "unhealthy";
  code: number | null;
  signal: string | null;
  /** Human text for the cause, e.g. "exited with code 1" or "not ready after 60s". */
  description: string;
}

export interface RestartHistory {
  /** Consecutive restarts since the backoff was last reset: the exponent of the delay. */
  attempt: number;
  /** When each recent restart was decided (ms), for crash-loop detection. */
  restarts: number[];
  /** When the run that just ended became ready, if it did. */
  readyAt?: number;
}

export const emptyHistory = (): RestartHistory => ({ attempt: 0, restarts: [] });

export type Decision =
  | { action: "restart"; delayMs: number; reason: string; history: RestartHistory }
  | { action: "stop" | "fail"; reason: string; history: RestartHistory };

/** ±20% jitter so that apps which crash together do not restart in lockstep. */
const JITTER = 0.2;

/** The delay before restart number `attempt` (0-based): initial·2^attempt ± jitter, never above max. */
export function backoffDelay(backoff: RestartPolicy["backoff"], attempt: number, random: () => number = Math.random): number {
  const base = Math.min(backoff.max, backoff.initial * 2 ** Math.min(attempt, 30));
  const jittered = base * (1 + JITTER * (2 * random() - 1));
  return Math.round(Math.min(backoff.max, Math.max(0, jittered)));
}

export function decideRestart(
  policy: RestartPolicy,
  ending: Ending,
  history: RestartHistory,
  now: number,
  random: () => number = Math.random,
): Decision {
  // An app that stayed ready long enough starts over: small delay, empty crash count.
  const stayedReady = history.readyAt !== undefined && now - history.readyAt >= policy.backoff.resetAfter;
  const base = stayedReady ? emptyHistory() : { attempt: history.attempt, restarts: history.restarts };
  const succeeded = ending.cause === "exited" && ending.code === 0;

  // 126/127 are the shell's "not executable" / "command not found": before the app was ever ready, no restart helps.
  if (ending.cause === "exited" && (ending.code === 126 || ending.code === 127) && history.readyAt === undefined) {
    const reason = `${ending.description}: the command cannot run (126/127 mean "not executable" / "not found"), not restarting`;
    return { action: "fail", reason, history: base };
  }

  const restartWanted = policy.restart === "always" || (policy.restart === "on-failure" && !succeeded);
  if (!restartWanted) {
    const reason = `${ending.description}, restart: ${policy.restart}`;
    // An essential app that ends for good ends zoo, so it counts as failed even after a clean exit.
    const action = succeeded && !policy.essential ? "stop" : "fail";
    return { action, reason, history: base };
  }

  const windowStart = now - policy.crashLoop.window;
  const recent = base.restarts.filter((at) => at > windowStart);
  if (recent.length >= policy.crashLoop.restarts) {
    const reason = `${ending.description}; crash loop: ${recent.length} restarts within ${formatMs(policy.crashLoop.window)}`;
    return { action: "fail", reason, history: { attempt: base.attempt, restarts: recent } };
  }

  const delayMs = backoffDelay(policy.backoff, base.attempt, random);
  return {
    action: "restart",
    delayMs,
    reason: `${ending.description}; restarting in ${formatMs(delayMs)}`,
    history: { attempt: base.attempt + 1, restarts: [...recent, now] },
  };
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  return `${+(ms / 60_000).toFixed(1)}m`;
}
