// Replacing a running app by a new one of the same name — zoo restart, a reload that changed the app — the way a
// Kubernetes rolling update does it: the new instance starts on its own port, traffic moves to it once its probe
// passes, the old one drains (up to drainTimeout) and stops. An app with a fixed port cannot run twice: it is
// drained and stopped first, and requests are held while the new one starts.
import type { Clock } from "./clock.ts";
import type { Member } from "./member.ts";
import type { StateChange } from "./status.ts";

export interface Outcome {
  ok: boolean;
  message: string;
}

/** How long a member out of rotation may finish its open requests before it is stopped. */
export interface Drain {
  clock: Clock;
  drainTimeout: number;
}

export interface HandoverIo extends Drain {
  /** Makes `next` the app that requests, status and dependents see, in the place of `old`. */
  swap(old: Member, next: Member): void;
  /** Brings `next` up as at start (dependencies held and awaited, then launched). */
  bringUp(next: Member): Promise<void>;
  /** Calls fn with every state change of `next` until the returned function is called. */
  watch(next: Member, fn: (change: StateChange) => void): () => void;
}

/** Replaces `old` by `next`; resolves once traffic is on `next` and `old` is gone, or `next` has failed. */
export async function handOver(old: Member, next: Member, io: HandoverIo): Promise<Outcome> {
  if (old.port !== undefined && old.port === next.config.port) return stopThenStart(old, next, io);
  await next.assignPort();
  const verdict = firstVerdict(next, io);
  await io.bringUp(next);
  const outcome = await verdict;
  if (!outcome.ok) {
    await next.stop("graceful", "replacement never became ready");
    return { ok: false, message: `the new instance never became ready (${outcome.message}); the old one keeps serving` };
  }
  io.swap(old, next);
  await drainThenStop(old, "replaced", io);
  return { ok: true, message: `new instance on port ${next.port} took over (${outcome.message}); the old one drained and stopped` };
}

/** A fixed port: drain and stop the old instance, then start the new one; requests are held meanwhile. */
async function stopThenStart(old: Member, next: Member, io: HandoverIo): Promise<Outcome> {
  io.swap(old, next);
  await drainThenStop(old, "replaced", io);
  await next.assignPort();
  const verdict = firstVerdict(next, io);
  await io.bringUp(next);
  const outcome = await verdict;
  const fixed = `stopped and started: port ${next.port} is fixed`;
  return outcome.ok ? { ok: true, message: `${fixed}; ${outcome.message}` } : { ok: false, message: `${fixed}; not ready: ${outcome.message}` };
}

/**
 * Waits for a member's open requests and WebSockets to end (at most drainTimeout), then stops it: a replaced
 * instance, a replica scaled away, an app removed from the config.
 */
export async function drainThenStop(member: Member, why: string, { clock, drainTimeout }: Drain): Promise<void> {
  let cancel = () => {};
  const timeUp = new Promise<void>((resolve) => (cancel = clock.setTimeout(resolve, drainTimeout)));
  await Promise.race([member.activity.drained(), timeUp]);
  cancel();
  await member.stop("graceful", why);
}

/** Ready: ok. Anything else it moves to first (its probe gave up, it exited, it failed): not ok, and why. */
export function firstVerdict(app: Member, io: Pick<HandoverIo, "watch">): Promise<Outcome> {
  return new Promise((resolve) => {
    const stop = io.watch(app, (change) => {
      if (change.to === "starting" || change.to === "idle") return;
      stop();
      if (change.to === "ready") resolve({ ok: true, message: `ready ${change.reason ?? ""}`.trim() });
      else resolve({ ok: false, message: change.reason ?? change.to });
    });
  });
}
