// One instance of an app: one run of its process, from spawn to the end of its whole process tree, on one port.
// It owns the process, its output, and ending it (gracefully or at once); the app decides what its ending means.
import type { AppConfig } from "../config/types.ts";
import { isOutOfDescriptors } from "../descriptors.ts";
import type { Logger } from "../log.ts";
import { sleep, within, type Clock } from "./clock.ts";
import type { AppDeps } from "./runtime.ts";
import { LineSplitter } from "./lines.ts";
import { formatMs, type Ending } from "./restart.ts";
import { SpawnError, type AppProcess, type Exit } from "./spawn.ts";
import { describeExit } from "./status.ts";

/** Output still arriving after an exit is logged before the exit line, waiting at most this long. */
export const OUTPUT_GRACE_MS = 50;
/** After SIGKILL, how long to wait for the kernel to clean up before giving up. */
const KILL_WAIT_MS = 5000;
/** A spawn that fails because zoo is out of file descriptors is tried again this often, this many times. */
export const SPAWN_RETRY_MS = 500;
const SPAWN_RETRIES = 20;
const TREE_POLL_MS = 20;

/** One ready instance of an app, reserved until release(); the proxy's UpstreamPool has the same shape. */
export interface Upstream {
  host: string;
  port: number;
  release(): void;
}

/** How to end an instance: its stopSignal then SIGKILL after stopTimeout, or SIGKILL at once. */
export type Termination = { how: "graceful"; stopSignal: NodeJS.Signals; stopTimeout: number } | { how: "immediate" };

/**
 * Starts an instance of the app on `port` with `env` (after checking that a fixed port is free). A string instead
 * of an instance says why the app cannot run: "command not found: …".
 */
export async function startInstance(
  config: AppConfig,
  options: { port: number | undefined; env: Record<string, string>; deps: AppDeps; log: Logger; stillWanted?: () => boolean },
): Promise<Instance | string> {
  const { port, env, deps, log, stillWanted = () => true } = options;
  if (config.port !== undefined && (await deps.prober.isPortInUse(config.port))) {
    return `port ${config.port} is already in use by another process`;
  }
  let process: AppProcess;
  for (let attempt = 1; ; attempt++) {
    try {
      process = await deps.spawner.spawn({ command: config.command, cwd: config.cwd, env });
      break;
    } catch (error) {
      const reason = error instanceof SpawnError ? error.message : `cannot start: ${(error as Error).message}`;
      // Out of file descriptors is zoo's moment, not the app's fault: wait for descriptors rather than fail the app.
      if (!isOutOfDescriptors(error) || attempt >= SPAWN_RETRIES || !stillWanted()) return reason;
      if (attempt === 1) log.zoo("warn", `${config.name}: ${reason}; trying again every ${formatMs(SPAWN_RETRY_MS)}`, { app: config.name });
      await sleep(deps.clock, SPAWN_RETRY_MS);
    }
  }
  return new Instance(process, { name: config.name, port, clock: deps.clock, log });
}

export class Instance {
  readonly name: string;
  readonly process: AppProcess;
  readonly port: number | undefined;
  readonly startedAt: number;
  /** Both output streams closed (every writer, including descendants, is gone). */
  readonly outputDone: Promise<void>;
  /** Set when zoo ends the run because its probe failed. */
  unhealthy: string | undefined;
  /** Set when zoo ends the run because it was idle: its exit is not a crash, the app goes to sleep. */
  idle = false;
  #exit: Exit | undefined;
  readonly #ended = new AbortController();
  readonly #clock: Clock;
  readonly #log: Logger;

  constructor(process: AppProcess, options: { name: string; port: number | undefined; clock: Clock; log: Logger }) {
    this.name = options.name;
    this.process = process;
    this.port = options.port;
    this.#clock = options.clock;
    this.#log = options.log;
    this.startedAt = options.clock.now();
    this.outputDone = Promise.all([this.#pipeLines(process.stdout, "stdout"), this.#pipeLines(process.stderr, "stderr")]).then(() => {});
  }

  get pid(): number {
    return this.process.pid;
  }

  /** How the root process exited; undefined while it runs. */
  get exit(): Exit | undefined {
    return this.#exit;
  }

  /** Aborted when the root process exits: stops the probe schedule. */
  get ended(): AbortSignal {
    return this.#ended.signal;
  }

  /** Records the root process's exit. */
  exited(exit: Exit): void {
    this.#exit = exit;
    this.#ended.abort();
  }

  /** How the run ended, for the restart decision: it exited, or zoo ended it because its probe failed. */
  ending(exit: Exit): Ending {
    const { code, signal } = exit;
    if (this.unhealthy) return { cause: "unhealthy", code, signal, description: this.unhealthy };
    return { cause: "exited", code, signal, description: describeExit(exit) };
  }

  /** Forwards a signal to the root's process group. */
  forward(signal: NodeJS.Signals): void {
    if (!this.#exit) this.process.processes.signalGroup(signal);
  }

  /** Ends every process of the run; resolves when none is left (or, after SIGKILL, when waiting is pointless). */
  async end(ending: Termination): Promise<void> {
    const { processes } = this.process;
    if (ending.how === "immediate") {
      processes.signal("SIGKILL");
      await this.#waitGone(KILL_WAIT_MS);
      if (!this.#exit) await within(this.#clock, this.process.exited, KILL_WAIT_MS);
      return;
    }
    const { stopSignal, stopTimeout } = ending;
    if (!processes.isAlive()) return;
    processes.signal(stopSignal);
    if (await this.#waitGone(stopTimeout)) return;
    this.#log.zoo("warn", `${this.name}: still running ${formatMs(stopTimeout)} after ${stopSignal}; sending SIGKILL`, { app: this.name });
    processes.signal("SIGKILL");
    if (!(await this.#waitGone(KILL_WAIT_MS))) {
      this.#log.zoo("error", `${this.name}: processes ${processes.alive().join(", ")} survived SIGKILL`, { app: this.name });
    }
  }

  /** Waits until no process of the run is left (and its output is read), up to timeoutMs. */
  async #waitGone(timeoutMs: number): Promise<boolean> {
    const deadline = this.#clock.now() + timeoutMs;
    // The root's exit is an event; the rest of the tree is polled.
    await within(this.#clock, this.process.exited, timeoutMs);
    while (this.process.processes.isAlive()) {
      if (this.#clock.now() >= deadline) return false;
      await sleep(this.#clock, TREE_POLL_MS);
    }
    await within(this.#clock, this.outputDone, OUTPUT_GRACE_MS * 4);
    return true;
  }

  #pipeLines(stream: NodeJS.ReadableStream, name: "stdout" | "stderr"): Promise<void> {
    const splitter = new LineSplitter((line) => this.#log.app(this.name, name, line));
    return new Promise((resolve) => {
      stream.on("data", (chunk: Buffer | string) => splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
      const end = () => {
        splitter.end();
        resolve();
      };
      stream.once("end", end);
      stream.once("close", end);
      stream.once("error", end);
    });
  }
}
