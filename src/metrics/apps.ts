// App metrics, read when Prometheus scrapes: the supervisor's snapshot and each app's process tree in /proc. One
// series per replica: labelled with the app's name (`node`) and the replica's index (`0`, `1`, …; `0` for an app
// with one replica).
import { constants } from "node:os";
import { Counter, Gauge, type Registry } from "prom-client";
import { CpuCounter, readUsage, type Usage } from "./proc.ts";

/** What metrics need of one app's status (a structural subset of the supervisor's AppStatus). */
export interface AppSample {
  /** The replica's own name: "node.1", or "node" when the app has one replica (what processes() is asked for). */
  name: string;
  /** The app's name ("node"); the name itself when absent. */
  app?: string;
  /** The replica's index ("0", "1", …); "0" when absent. */
  replica?: string;
  state: string;
  restarts: number;
  wakes: number;
  startedAt?: number;
  readyAt?: number;
  lastExit?: { code: number | null; signal: string | null };
}

export interface AppSource {
  /** Every app's status now. */
  apps(): AppSample[];
  /** Every live process of the app's tree. */
  processes(app: string): number[];
  /** Every state an app can be in: zoo_app_state has one series per state, 1 for the current one. */
  states: readonly string[];
}

interface Sample {
  app: AppSample;
  /** The app and replica labels. */
  labels: [app: string, replica: string];
  usage: Usage;
}

export class AppMetrics {
  readonly #source: AppSource;
  readonly #cpu = new Map<string, CpuCounter>();
  #current: Sample[] | undefined;

  constructor(registry: Registry, source: AppSource) {
    this.#source = source;
    const registers = [registry];
    const labelNames = ["app", "replica"] as const;
    // Every metric reads the same sample (see #sample) and is reset first, so that a series without a value
    // (an app that never exited has no exit code) is absent rather than stale.
    const samples = () => this.#sample();
    const gauge = (name: string, help: string, value: (s: Sample) => number | undefined) => {
      const metric: Gauge<"app" | "replica"> = new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          metric.reset();
          for (const s of samples()) {
            const v = value(s);
            if (v !== undefined) metric.labels(...s.labels).set(v);
          }
        },
      });
    };
    const counter = (name: string, help: string, value: (s: Sample) => number) => {
      const metric: Counter<"app" | "replica"> = new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          metric.reset();
          for (const s of samples()) metric.labels(...s.labels).inc(value(s));
        },
      });
    };
    const states = this.#source.states;
    const state: Gauge<"app" | "replica" | "state"> = new Gauge({
      name: "zoo_app_state",
      help: `The app's state, one series per state, 1 for the current one: ${states.join(", ")}.`,
      labelNames: ["app", "replica", "state"],
      registers,
      collect() {
        state.reset();
        for (const s of samples()) for (const name of states) state.labels(...s.labels, name).set(s.app.state === name ? 1 : 0);
      },
    });

    gauge("zoo_app_up", "1 when the app is ready (zoo routes to it), else 0.", (s) => (s.app.state === "ready" ? 1 : 0));
    counter("zoo_app_restarts_total", "Times zoo restarted the app after it ended (waking from sleep is not one).", (s) => s.app.restarts);
    counter("zoo_app_wakes_total", "Times the app was started by a request while asleep (lazy or idle apps).", (s) => s.app.wakes);
    gauge("zoo_app_last_exit_code", "Exit code of the app's last run; 128 + the signal number when a signal ended it.", (s) => exitCode(s.app.lastExit));
    gauge("zoo_app_ready_seconds", "Time the app's current run took from spawn to ready.", (s) => readySeconds(s.app));
    counter("zoo_app_cpu_seconds_total", "User and system CPU time of the app's whole process tree, over zoo's lifetime.", (s) =>
      this.#cpuCounter(s.app.name).read(s.app.startedAt, s.usage.cpuSeconds),
    );
    gauge("zoo_app_resident_memory_bytes", "Resident memory of the app's whole process tree (sum over its processes).", (s) => s.usage.residentBytes);
    gauge("zoo_app_processes", "Live processes in the app's tree.", (s) => s.usage.processes);
  }

  #cpuCounter(app: string): CpuCounter {
    let counter = this.#cpu.get(app);
    if (!counter) this.#cpu.set(app, (counter = new CpuCounter()));
    return counter;
  }

  /**
   * One reading of the supervisor and /proc per scrape: every metric's collect runs in the same turn of the event
   * loop (prom-client calls them one after another), so the reading is dropped at the next microtask.
   */
  #sample(): Sample[] {
    if (this.#current) return this.#current;
    this.#current = this.#source.apps().map((app) => ({
      app,
      labels: [app.app ?? app.name, app.replica ?? "0"],
      usage: readUsage(this.#source.processes(app.name)),
    }));
    queueMicrotask(() => (this.#current = undefined));
    return this.#current;
  }
}

function exitCode(exit: AppSample["lastExit"]): number | undefined {
  if (!exit) return undefined;
  if (exit.code !== null) return exit.code;
  const number = exit.signal ? constants.signals[exit.signal as keyof typeof constants.signals] : undefined;
  return number === undefined ? undefined : 128 + number;
}

function readySeconds(app: AppSample): number | undefined {
  if (app.startedAt === undefined || app.readyAt === undefined || app.readyAt < app.startedAt) return undefined;
  return (app.readyAt - app.startedAt) / 1000;
}
