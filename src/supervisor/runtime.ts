// What a supervised app runs on (time, processes, probes, chance) and reports to (log, state changes, fatal
// failures, zoo's own bugs). The real ones by default; tests inject fakes to check timing in virtual time.
import type { Logger } from "../log.ts";
import type { InternalErrorHandler } from "./background.ts";
import { realClock, type Clock } from "./clock.ts";
import { realProber, type Prober } from "./probe.ts";
import { realSpawner, type Spawner } from "./spawn.ts";
import type { StateChange } from "./status.ts";

/** Time, processes, probes, and chance (backoff jitter). */
export interface AppDeps {
  clock: Clock;
  spawner: Spawner;
  prober: Prober;
  random: () => number;
}

export const realDeps: AppDeps = { clock: realClock, spawner: realSpawner, prober: realProber, random: Math.random };

export interface AppHooks {
  log: Logger;
  onChange(change: StateChange): void;
  /** The app failed for good and is essential: zoo should stop everything and exit with this code. */
  onFatal?(app: string, exitCode: number): void;
  /** The app's idle timer ran out: whether it sleeps is decided here (an app with replicas sleeps as one); without it, it sleeps. */
  onIdle?(): void;
  /** A bug in zoo on a background path (see background.ts). */
  onInternalError: InternalErrorHandler;
}
