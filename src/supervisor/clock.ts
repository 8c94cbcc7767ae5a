// Time as the supervisor sees it: now() and timers. The real clock is the default; tests inject a fake one
// and move it forward, so that health, idle and backoff timing are checked in virtual time, without sleeping.

/** Cancels a timer (nothing happens if it has fired already). */
export type Cancel = () => void;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` after `ms`. With `keepAlive: false` the timer alone does not keep zoo's process running. */
  setTimeout(fn: () => void, ms: number, options?: { keepAlive?: boolean }): Cancel;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms, { keepAlive = true } = {}) {
    const timer = setTimeout(fn, ms);
    if (!keepAlive) timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Resolves true after `ms`, or false as soon as `signal` aborts (at once if it already has). */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      cancel();
      resolve(false);
    };
    const cancel = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Waits for `promise`, but no longer than `ms` (without keeping zoo alive for the rest). */
export async function within(clock: Clock, promise: Promise<unknown>, ms: number): Promise<void> {
  let cancel: Cancel | undefined;
  await Promise.race([promise, new Promise((resolve) => (cancel = clock.setTimeout(() => resolve(undefined), ms)))]);
  cancel?.();
}
