// What probe results do to an app: probe-schedule.ts times the probes; this turns each result into a state change,
// for a run zoo started (restarted when its probe gives up) and for an address zoo only fronts (`url`: never
// restarted, probed however long it takes). The app's #moveTo stays the one writer of its state: it is the sink.
import type { AppConfig } from "../config/types.ts";
import type { AppDeps } from "./runtime.ts";
import { runProbeSchedule, type ProbeScheduleHooks } from "./probe-schedule.ts";
import type { AppState } from "./state.ts";

/** How often an app zoo fronts by `url` is probed until it first answers. */
const ADDRESS_POLL_MS = 250;

/** What the probe results may change in the app. */
export interface HealthSink {
  state(): AppState;
  moveTo(to: AppState, reason: string): void;
  health(detail: string): void;
  /** zoo could not run a probe (out of file descriptors): not counted, only said. */
  skipped?(detail: string): void;
  /** The first probe passed: the app is ready. */
  ready(): void;
}

export interface Watched {
  /** Whether this watch is still the app's current one. */
  current(): boolean;
  startedAt: number;
  signal: AbortSignal;
}

/** A run of the app on its port: startup polls, then liveness; `dead` ends the run when the probe gives up. */
export function watchRun(config: AppConfig, deps: AppDeps, target: { port: number | undefined; env: Record<string, string> }, watched: Watched, sink: HealthSink, dead: ProbeScheduleHooks["dead"]): Promise<void> {
  const probe = config.health;
  const limit = probe.kind === "none" ? 0 : probe.failures;
  return runProbeSchedule(
    {
      probe,
      target: { host: "127.0.0.1", port: target.port, cwd: config.cwd, env: target.env },
      startedAt: watched.startedAt,
      signal: watched.signal,
      clock: deps.clock,
      prober: deps.prober,
    },
    hooks(watched, sink, (detail, failures) => `${detail} (${failures} of ${limit})`, dead),
  );
}

/** An address zoo fronts: starting until the first pass, then ready ⇄ unhealthy, until the signal; never restarted. */
export function watchAddress(config: AppConfig, deps: AppDeps, url: { host: string; port: number }, watched: Watched, sink: HealthSink): Promise<void> {
  const probe = config.health;
  return runProbeSchedule(
    {
      // Nothing to restart: keep probing however long it takes and however often it fails.
      probe: probe.kind === "none" ? probe : { ...probe, startTimeout: Infinity, failures: Infinity },
      target: { host: url.host, port: url.port, cwd: config.cwd, env: config.env },
      startedAt: watched.startedAt,
      signal: watched.signal,
      clock: deps.clock,
      prober: deps.prober,
      startupPollMs: ADDRESS_POLL_MS,
    },
    hooks(watched, sink, (detail) => `${detail}; not routed to until its probe passes again`, async () => {}),
  );
}

function hooks(watched: Watched, sink: HealthSink, failing: (detail: string, failures: number) => string, dead: ProbeScheduleHooks["dead"]): ProbeScheduleHooks {
  return {
    stillIn: (phase) => watched.current() && (phase === "starting" ? sink.state() === "starting" : sink.state() === "ready" || sink.state() === "unhealthy"),
    result: (result) => {
      sink.health(result.detail);
      if (result.skipped) sink.skipped?.(result.detail);
    },
    ready: () => sink.ready(),
    passed: () => {
      if (sink.state() === "unhealthy") sink.moveTo("ready", "again");
    },
    failing: (result, failures) => {
      if (sink.state() === "ready") sink.moveTo("unhealthy", failing(result.detail, failures));
    },
    dead,
  };
}
