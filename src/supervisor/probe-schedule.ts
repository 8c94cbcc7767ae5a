// When an app's probe runs and what its results add up to: fast polls while the run starts (until the first pass,
// or startTimeout), then one probe every `interval`, and `failures` consecutive failures end the run. It times and
// counts only; what a result means for the app's state is the app's call (through the hooks), so the app stays
// the one writer of its state.
import type { Probe } from "../config/types.ts";
import { sleep, type Clock } from "./clock.ts";
import { startupPollInterval, type Prober, type ProbeResult, type ProbeTarget } from "./probe.ts";
import { formatMs } from "./restart.ts";

export interface ProbeScheduleHooks {
  /** Whether the run is still in `phase`; once it is not (it ended, or moved on), the schedule stops. */
  stillIn(phase: "starting" | "serving"): boolean;
  /** Every result, for the status. */
  result(result: ProbeResult): void;
  /** The first pass while starting. */
  ready(): void;
  /** A pass once serving. */
  passed(): void;
  /** A failed probe once serving, the `failures`-th in a row, still below the probe's limit. */
  failing(result: ProbeResult, failures: number): void;
  /** Not ready within startTimeout, or the limit of failures in a row reached: the run must end. */
  dead(reason: string): Promise<void>;
}

export interface ProbeScheduleOptions {
  probe: Probe;
  target: ProbeTarget;
  /** When the run was spawned: startTimeout counts from here. */
  startedAt: number;
  /** Aborted when the run ends: the schedule stops, and a running exec probe is killed. */
  signal: AbortSignal;
  clock: Clock;
  prober: Prober;
  /** How often to probe while starting; default startupPollInterval(probe). */
  startupPollMs?: number;
}

/** Runs the schedule until the run ends, leaves the phase, or is declared dead. */
export async function runProbeSchedule(options: ProbeScheduleOptions, hooks: ProbeScheduleHooks): Promise<void> {
  const { probe, target, startedAt, signal, clock, prober } = options;
  const startTimeout = probe.kind === "none" ? Infinity : probe.startTimeout;
  for (;;) {
    const result = await prober.run(probe, target, signal);
    if (!hooks.stillIn("starting")) return;
    hooks.result(result);
    // A probe zoo could not make (out of file descriptors) is no failure, and no reason to give up on the run.
    if (result.skipped) {
      if (!(await sleep(clock, options.startupPollMs ?? startupPollInterval(probe), signal))) return;
      continue;
    }
    if (result.ok) {
      hooks.ready();
      break;
    }
    const left = startedAt + startTimeout - clock.now();
    if (left <= 0) return hooks.dead(`not ready after ${formatMs(startTimeout)} (${result.detail})`);
    if (!(await sleep(clock, Math.min(options.startupPollMs ?? startupPollInterval(probe), left), signal))) return;
  }
  if (probe.kind === "none") return;
  let failures = 0;
  for (;;) {
    if (!(await sleep(clock, probe.interval, signal))) return;
    const result = await prober.run(probe, target, signal);
    if (!hooks.stillIn("serving")) return;
    hooks.result(result);
    if (result.skipped) continue;
    if (result.ok) {
      failures = 0;
      hooks.passed();
      continue;
    }
    failures += 1;
    if (failures >= probe.failures) return hooks.dead(`${failures} failed probes (${result.detail})`);
    hooks.failing(result, failures);
  }
}
