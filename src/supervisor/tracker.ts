// Finding the descendants of every running app in /proc, so that a process orphaned later (its parent exited)
// is still known as the app's and is stopped with it.
import type { Member } from "./member.ts";
import { readProcessTable } from "./proctree.ts";
import { isRunning } from "./state.ts";

/** While nothing changes, the walk backs off up to this many times its interval. */
const TRACK_BACKOFF = 16;

export class DescendantTracker {
  readonly #intervalMs: number;
  readonly #apps: () => Iterable<Member>;
  #timer: NodeJS.Timeout | undefined;
  #trackedApps = 0;

  constructor(intervalMs: number, apps: () => Iterable<Member>) {
    this.#intervalMs = intervalMs;
    this.#apps = apps;
  }

  start(): void {
    this.#schedule(this.#intervalMs);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Walks /proc now; true when some app's set of processes (or the set of running apps) changed since the last walk. */
  trackNow(): boolean {
    const running = [...this.#apps()].filter((app) => isRunning(app.state));
    let changed = running.length !== this.#trackedApps;
    this.#trackedApps = running.length;
    if (running.length === 0) return changed;
    const table = readProcessTable();
    if (table === undefined) return false; // out of file descriptors: this round is skipped
    for (const app of running) changed = app.trackDescendants(table) || changed;
    return changed;
  }

  /**
   * Every interval while processes come and go; doubling, up to TRACK_BACKOFF times that, while nothing changes:
   * a walk of /proc costs an open per process on the machine, and a daemon that escapes the tree later is still
   * found by its run tag when the app stops.
   */
  #schedule(delay: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      const changed = this.trackNow();
      this.#schedule(changed ? this.#intervalMs : Math.min(delay * 2, this.#intervalMs * TRACK_BACKOFF));
    }, delay).unref();
  }
}
