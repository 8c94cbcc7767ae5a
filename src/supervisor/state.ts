// The states one supervised app moves through, and which moves are allowed.
//
//   idle ──► starting ──► ready ⇄ unhealthy
//     │         │           │        │
//     │         └───────────┴────────┴──► stopping ──► backoff ──► starting …
//     │                     (exit)             │       stopped
//     │                                        │       failed
//     │                                        └─────► sleeping    (idle for idleTimeout)
//     └──► sleeping ──► starting …                                  (lazy: not running until the first request)
//
// idle, sleeping and backoff may also end in stopped (zoo stops) or failed (a dependency failed); stopped may
// start again. failed is final.
//
// - idle:      not launched yet (waiting for start() or for its dependencies)
// - sleeping:  not running until asked for (lazy, or idle for idleTimeout); the first waitReady() starts it
// - starting:  spawned; its probe has not passed yet
// - ready:     its probe passed; the proxy routes to it
// - unhealthy: a liveness probe failed (not routed); enough failures restart it
// - stopping:  zoo sent the stop signal and waits for the process tree to end
// - backoff:   it ended and will be started again after a delay
// - stopped:   it ended and will not be restarted (by request, or restart policy)
// - failed:    it ended for good because something is wrong (the reason says what)

export const APP_STATES = [
  "idle",
  "sleeping",
  "starting",
  "ready",
  "unhealthy",
  "stopping",
  "backoff",
  "stopped",
  "failed",
] as const;

export type AppState = (typeof APP_STATES)[number];

const ENDINGS = ["backoff", "stopped", "failed"] as const;

const ALLOWED: Record<AppState, readonly AppState[]> = {
  idle: ["starting", "sleeping", "stopped", "failed"],
  sleeping: ["starting", "stopped", "failed"],
  starting: ["ready", "stopping", ...ENDINGS],
  ready: ["unhealthy", "stopping", ...ENDINGS],
  unhealthy: ["ready", "stopping", ...ENDINGS],
  stopping: [...ENDINGS, "sleeping"],
  backoff: ["starting", "stopped", "failed"],
  stopped: ["starting", "sleeping"],
  failed: [],
};

/** Whether an app may move from one state to another. */
export function canTransition(from: AppState, to: AppState): boolean {
  return ALLOWED[from].includes(to);
}

/** The state `to`, or a thrown Error when the move is not allowed (a bug in zoo, not in the app). */
export function transition(from: AppState, to: AppState): AppState {
  if (!canTransition(from, to)) throw new Error(`illegal app state transition: ${from} → ${to}`);
  return to;
}

/** States in which the app has a live process. */
export function isRunning(state: AppState): boolean {
  return state === "starting" || state === "ready" || state === "unhealthy" || state === "stopping";
}
