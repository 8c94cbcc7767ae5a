// Fakes for testing the supervisor's timing in virtual time: a clock that moves only when told, processes that
// exit only when told (or signalled), and a prober whose answer the test sets. Nothing here sleeps.
import { PassThrough } from "node:stream";
import type { TestContext } from "node:test";
import type { Probe } from "../../src/config/types.ts";
import type { Cancel, Clock } from "../../src/supervisor/clock.ts";
import { Supervisor, type SupervisorEvent } from "../../src/supervisor/index.ts";
import type { Prober, ProbeResult } from "../../src/supervisor/probe.ts";
import type { AppProcess, Exit, RunProcesses, Spawner } from "../../src/supervisor/spawn.ts";
import type { AppConfig } from "../../src/config/types.ts";
import { recordingLogger } from "./helpers.ts";

/** Lets promise chains and stream events that are already under way run to their next wait on the clock. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  #now = 1_000_000;
  #nextId = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Cancel {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return () => this.#timers.delete(id);
  }

  /** Moves time forward by `ms`, firing due timers in order; what each one starts runs before the next fires. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    for (;;) {
      await settle();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= until && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = next[1].at;
      next[1].fn();
    }
    this.#now = until;
    await settle();
  }
}

/** A process that runs until the test ends it (exit()) or a signal does (SIGKILL always; others unless ignored). */
export class FakeProcess implements AppProcess {
  readonly pid: number;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly exited: Promise<Exit>;
  readonly signals: NodeJS.Signals[] = [];
  /** Signals other than SIGKILL are noted but do not end it. */
  ignoreSignals = false;
  #alive = true;
  #resolveExit!: (exit: Exit) => void;
  readonly processes: RunProcesses;

  constructor(pid: number) {
    this.pid = pid;
    this.exited = new Promise((resolve) => (this.#resolveExit = resolve));
    const pids = () => (this.#alive ? [pid] : []);
    const receive = (signal: NodeJS.Signals) => {
      this.signals.push(signal);
      if (signal === "SIGKILL" || !this.ignoreSignals) this.exit(null, signal);
    };
    this.processes = { refresh: () => false, known: pids, alive: pids, isAlive: () => this.#alive, signal: receive, signalGroup: receive };
  }

  get alive(): boolean {
    return this.#alive;
  }

  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.stdout.end();
    this.stderr.end();
    this.#resolveExit({ code, signal });
  }
}

export class FakeSpawner implements Spawner {
  readonly spawned: FakeProcess[] = [];

  async spawn(): Promise<AppProcess> {
    const process = new FakeProcess(10_000 + this.spawned.length);
    this.spawned.push(process);
    return process;
  }

  get last(): FakeProcess {
    return this.spawned.at(-1)!;
  }
}

export class FakeProber implements Prober {
  /** The answer of every probe from now on (a probe of kind "none" always passes). */
  healthy = false;
  /** When each probe ran (virtual ms). */
  readonly times: number[] = [];
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  async run(probe: Probe): Promise<ProbeResult> {
    if (probe.kind === "none") return { ok: true, detail: "no probe" };
    this.times.push(this.#clock.now());
    return this.healthy ? { ok: true, detail: "fake: up" } : { ok: false, detail: "fake: down" };
  }

  async isPortInUse(): Promise<boolean> {
    return false;
  }
}

/** A supervisor on fakes (no jitter: random() is 0.5), killed when the test ends. */
export function virtualSupervisor(t: TestContext, apps: AppConfig[], prober?: (clock: Clock) => Prober) {
  const clock = new FakeClock();
  const spawner = new FakeSpawner();
  const fakeProber = new FakeProber(clock);
  const log = recordingLogger();
  const internalErrors: [Error, string][] = [];
  const supervisor = new Supervisor(apps, {
    log,
    clock,
    spawner,
    prober: prober?.(clock) ?? fakeProber,
    random: () => 0.5,
    onInternalError: (error, what) => internalErrors.push([error, what]),
  });
  const events: SupervisorEvent[] = [];
  supervisor.subscribe((event) => events.push(event));
  t.after(() => supervisor.killAll());
  /** The virtual ms since the test began at which `app` entered `state`, each time it did. */
  const t0 = clock.now();
  const times = (app: string, state: string) => events.filter((e) => e.app === app && e.to === state).map((e) => e.at - t0);
  return { supervisor, clock, spawner, prober: fakeProber, log, events, times, internalErrors };
}
