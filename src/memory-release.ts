// Gives memory back: once zoo is up, and whenever it goes quiet after a burst of work (traffic, a reload). V8 keeps
// its young generation at the largest size it grew to and glibc keeps freed malloc memory that live allocations sit
// above; a memory-reducing GC shrinks the first, malloc_trim(0) returns the second (src/malloc-trim.ts).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { trimMalloc } from "./malloc-trim.ts";
import { flagsOnceUp } from "./memory-settings.ts";

/** How often zoo looks at its own CPU time. */
export const QUIET_CHECK_MS = 10_000;
/**
 * The share of one check's window of CPU time below which zoo counts as quiet (timers, health checks, `zoo status`
 * and a Prometheus scrape take a few ms each), and at or above which it counts as busy.
 */
const QUIET_CPU_SHARE = 0.02;
/** CPU time since the last release that makes another worth it: a full GC costs a few ms per MB of heap. */
const WORK_CPU_US = 100_000;
/** Light traffic that never makes a busy window: a release at most this often, once it has added up to WORK_CPU_US. */
const LIGHT_WORK_RELEASE_MS = 5 * 60_000;
/**
 * CPU time since the last trim that makes a quiet window trim malloc without a GC: a few requests are enough for V8 to
 * optimize undici's WebAssembly HTTP parser on its worker threads, whose compiler zones leave ~10 MB of freed malloc
 * memory in a second arena. A trim costs well under a millisecond.
 */
const TRIM_CPU_US = 20_000;

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

type Gc = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

/** The heap as small as V8 can make it (every page it can give up, the young generation back to 1 MB), then malloc's. */
export function releaseMemory(): void {
  // V8's gc() with the last-resort flavor is its memory-reducing collection; it exists only in a context made while
  // --expose-gc is set, and zoo's own global stays without it.
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as Gc;
  setFlagsFromString("--no-expose-gc");
  gc({ type: "major", execution: "sync", flavor: "last-resort" });
  trimMalloc();
}

/** zoo is up: V8's usual tiering again (the boot flags, memory-settings.ts), and back what starting took. */
export function settleAfterBoot(): void {
  for (const flag of flagsOnceUp()) setFlagsFromString(flag);
  releaseMemory();
}

/**
 * Releases memory when zoo goes quiet after work: a check every `every` ms reads zoo's CPU time; the first quiet
 * window after a busy one (a burst of traffic, a reload) releases, if there was enough work since the last release;
 * light traffic that is never busy releases at most every `lightWorkMs`. Enough work: `workCpuUs` of CPU time. A quiet
 * window that does not release trims malloc alone (`trim`) once there was `trimCpuUs` of work since the last trim.
 * Returns a stop function.
 */
export function releaseWhenQuiet(
  release: () => void = releaseMemory,
  { every = QUIET_CHECK_MS, lightWorkMs = LIGHT_WORK_RELEASE_MS, workCpuUs = WORK_CPU_US, trim = trimMalloc as () => unknown, trimCpuUs = TRIM_CPU_US } = {},
): () => void {
  let lastRelease = { cpu: cpuMicros(), at: Date.now() };
  let lastCheck = lastRelease.cpu;
  let lastTrim = lastRelease.cpu;
  let busySinceRelease = false;
  const timer = setInterval(() => {
    const now = cpuMicros();
    const quiet = now - lastCheck < every * 1000 * QUIET_CPU_SHARE;
    lastCheck = now;
    if (!quiet) {
      busySinceRelease = true;
      return;
    }
    const due = busySinceRelease || Date.now() - lastRelease.at >= lightWorkMs;
    if (due && now - lastRelease.cpu >= workCpuUs) {
      release();
      lastRelease = { cpu: cpuMicros(), at: Date.now() };
      lastCheck = lastTrim = lastRelease.cpu;
      busySinceRelease = false;
    } else if (now - lastTrim >= trimCpuUs) {
      trim();
      lastCheck = lastTrim = cpuMicros();
    }
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}
