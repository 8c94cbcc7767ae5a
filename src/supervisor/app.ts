// One supervised app: it owns its state, its process tree, its probe loop and its restart timer.
// Every state change goes through #moveTo, which logs one line and emits one event.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { AppConfig } from "../config/types.ts";
import type { Logger } from "../log.ts";
import { LineSplitter } from "./lines.ts";
import { freePort } from "./ports.ts";
import { isPortInUse, runProbe, startupPollInterval } from "./probe.ts";
import { ProcessTree, RUN_TAG_VARIABLE } from "./proctree.ts";
import { decideRestart, emptyHistory, formatMs, type Ending, type RestartHistory } from "./restart.ts";
import { spawnProcess, SpawnError, type Exit, type RunningProcess } from "./spawn.ts";
import { canTransition, isRunning, type AppState } from "./state.ts";

export interface AppStatus {
  name: string;
  state: AppState;
  pid?: number;
  port?: number;
  /** Restarts since zoo started (waking from sleep is not one). */
  restarts: number;
  /** Times the app was woken from sleep (a lazy app's first start included). */
  wakes: number;
  /** When a request or connection to the app last began or ended, ms since the epoch. */
  lastActivity?: number;
  /** Requests and connections open now (a download, a WebSocket): the app does not sleep while any is. */
  active: number;
  /** When the current (or last) run was spawned, ms since the epoch. */
  startedAt?: number;
  /** When the current run became ready. */
  readyAt?: number;
  lastExit?: { code: number | null; signal: string | null; at: number };
  /** The last probe's result, e.g. "tcp 9000: connection refused". */
  health?: string;
  /** Why the app is in its state, e.g. "exited with code 1; restarting in 200ms". */
  reason?: string;
  essential: boolean;
}

export interface StateChange {
  app: string;
  from: AppState;
  to: AppState;
  reason?: string;
  at: number;
  status: AppStatus;
}

export interface AppHooks {
  log: Logger;
  onChange(change: StateChange): void;
  /** The app failed for good and is essential: zoo should stop everything and exit with this code. */
  onFatal?(app: string, exitCode: number): void;
}

/** One run of the app's process, from spawn to the end of its whole tree. */
interface Run {
  process: RunningProcess;
  tree: ProcessTree;
  /** Aborted when the run ends: stops its probe loop. */
  ended: AbortController;
  /** Both output streams closed (every writer, including descendants, is gone). */
  outputDone: Promise<void>;
  /** Set when zoo ends the run because its probe failed. */
  unhealthy?: string;
  /** Set when zoo ends the run because it was idle: its exit is not a crash, the app goes to sleep. */
  idle?: boolean;
  exit?: Exit;
}

/** Output still arriving after an exit is logged before the exit line, waiting at most this long. */
const OUTPUT_GRACE_MS = 50;
/** After SIGKILL, how long to wait for the kernel to clean up before giving up. */
const KILL_WAIT_MS = 5000;
const TREE_POLL_MS = 20;

export class SupervisedApp {
  readonly config: AppConfig;
  readonly #hooks: AppHooks;
  #state: AppState = "idle";
  #status: Omit<AppStatus, "name" | "state" | "essential" | "port" | "active"> = { restarts: 0, wakes: 0 };
  #history: RestartHistory = emptyHistory();
  #run: Run | undefined;
  #launching: Promise<void> | undefined;
  #backoffTimer: NodeJS.Timeout | undefined;
  /** Killing what a crashed run left behind; the next launch waits for it. */
  #leftovers: Promise<void> = Promise.resolve();
  /** Set by stop()/kill(): no more restarts, no more wakes. */
  #stopRequested = false;
  #completed = false;
  /** Requests/connections in flight (track()) plus awake dependents (keepAwake()). */
  #active = 0;
  #openRequests = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  /** The app's port: its fixed `port`, or one zoo picked (assignPort) and keeps for every run. */
  #port: number | undefined;

  constructor(config: AppConfig, hooks: AppHooks) {
    this.config = config;
    this.#hooks = hooks;
    this.#port = config.port;
  }

  get port(): number | undefined {
    return this.#port;
  }

  /** Picks a free port for an app without a fixed one; the config itself is never changed. */
  async assignPort(): Promise<number> {
    this.#port ??= await freePort();
    return this.#port;
  }

  get name(): string {
    return this.config.name;
  }
  get state(): AppState {
    return this.#state;
  }
  /** Ready, and its process has not just exited (its state changes a moment later, after its last output). */
  get ready(): boolean {
    return this.#state === "ready" && !this.#run?.exit;
  }
  /** Whether the app has exited with code 0 at least once (the `completed` dependency condition). */
  get completed(): boolean {
    return this.#completed;
  }
  /** Whether the app has been spawned at least once (the `started` dependency condition). */
  get everStarted(): boolean {
    return this.#status.startedAt !== undefined;
  }

  status(): AppStatus {
    return {
      name: this.name,
      state: this.#state,
      ...this.#status,
      active: this.#openRequests,
      ...(this.#port !== undefined && { port: this.#port }),
      essential: this.config.essential,
    };
  }

  /** Re-reads the process tree, so descendants are known even after their parent exits. */
  trackDescendants(table: Parameters<ProcessTree["refresh"]>[0]): void {
    this.#run?.tree.refresh(table);
  }

  /** Puts a lazy app to sleep: not running until wake(). */
  sleep(reason = "lazy: starts on the first request"): void {
    this.#moveTo("sleeping", reason);
  }

  /** Starts a sleeping app; calls while it is already being started share that start. */
  wake(): Promise<void> {
    if (this.#state !== "sleeping" || this.#launching || this.#stopRequested) return this.#launching ?? Promise.resolve();
    this.#history = emptyHistory();
    this.#status.wakes += 1;
    return this.launch();
  }

  /**
   * A request or connection to the app began; call the returned function when it has truly ended
   * (the response closed, the socket closed). With an idleTimeout, the app is put to sleep after
   * that long without any.
   */
  track(): () => void {
    this.#openRequests += 1;
    this.#status.lastActivity = Date.now();
    const release = this.keepAwake();
    return () => {
      if (!release()) return;
      this.#openRequests -= 1;
      this.#status.lastActivity = Date.now();
    };
  }

  /** Keeps the app from sleeping until the returned function is called (e.g. while a dependent runs). */
  keepAwake(): () => boolean {
    this.#active += 1;
    this.#cancelIdle();
    let released = false;
    return () => {
      if (released) return false;
      released = true;
      this.#active -= 1;
      this.#armIdle();
      return true;
    };
  }

  #armIdle(): void {
    const { idleTimeout } = this.config;
    if (idleTimeout === undefined || this.#active > 0 || this.#state !== "ready") return;
    this.#cancelIdle();
    this.#idleTimer = setTimeout(() => void this.#sleepWhenIdle(), idleTimeout);
    this.#idleTimer.unref();
  }

  #cancelIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  async #sleepWhenIdle(): Promise<void> {
    this.#idleTimer = undefined;
    const run = this.#run;
    if (!run || run.exit || this.#active > 0 || (this.#state !== "ready" && this.#state !== "unhealthy")) return;
    run.idle = true;
    const idleFor = `idle for ${formatMs(this.config.idleTimeout!)}`;
    this.#moveTo("stopping", idleFor, `${this.name}: ${idleFor}, stopping`);
    await this.#terminate(run);
    this.#finishStop(run);
  }

  /** Spawns the app (after checking its cwd and port). Resolves once it runs or has failed. */
  launch(): Promise<void> {
    this.#launching ??= this.#launch().finally(() => (this.#launching = undefined));
    return this.#launching;
  }

  /** Marks the app failed without running it (e.g. a dependency failed). */
  fail(reason: string): void {
    this.#fail(reason, null);
  }

  /** Forwards a signal to the app's process group. */
  signal(signal: NodeJS.Signals): void {
    const run = this.#run;
    if (!run || run.exit) return;
    try {
      process.kill(-run.process.pid, signal);
    } catch {
      // Already gone.
    }
  }

  /** Graceful stop: stopSignal to the tree, SIGKILL after stopTimeout. Resolves when no process is left. */
  async stop(): Promise<void> {
    this.#stopRequested = true;
    this.#cancelBackoff();
    this.#cancelIdle();
    await this.#launching;
    const run = this.#run;
    if (run && isRunning(this.#state)) {
      if (!run.exit && this.#state !== "stopping") this.#moveTo("stopping", `sending ${this.config.stopSignal}`);
      await this.#terminate(run);
      this.#finishStop(run);
    } else if (this.#state === "idle" || this.#state === "backoff" || this.#state === "sleeping") {
      this.#moveTo("stopped", "stopped by zoo");
    }
    await this.#leftovers;
  }

  /** Immediate stop: SIGKILL to the whole tree. Resolves when no process is left. */
  async kill(): Promise<void> {
    this.#stopRequested = true;
    this.#cancelBackoff();
    this.#cancelIdle();
    // What a crashed run left behind, first: a pending launch may be waiting for it to die.
    this.#run?.tree.signal("SIGKILL");
    await this.#launching;
    const run = this.#run;
    run?.tree.signal("SIGKILL"); // also a run that launch just spawned
    if (run && isRunning(this.#state)) {
      await this.#waitTreeGone(run, KILL_WAIT_MS);
      if (!run.exit) await within(run.process.exited, KILL_WAIT_MS);
      this.#finishStop(run);
    } else if (this.#state === "idle" || this.#state === "backoff" || this.#state === "sleeping") {
      this.#moveTo("stopped", "killed by zoo");
    }
    await this.#leftovers;
  }

  // ---- one run ----

  async #launch(): Promise<void> {
    await this.#leftovers;
    if (this.#stopRequested) return;
    const { port } = this.config;
    await this.assignPort();
    if (port !== undefined && (await isPortInUse(port))) {
      return this.#fail(`port ${port} is already in use by another process`, null);
    }
    let child: RunningProcess;
    // Marks every process of this run, so that daemons which escape the tree are still found.
    const tag = randomUUID();
    try {
      child = await spawnProcess({
        command: this.config.command,
        cwd: this.config.cwd,
        env: { ...this.#env(), [RUN_TAG_VARIABLE]: tag },
      });
    } catch (error) {
      return this.#fail(error instanceof SpawnError ? error.message : `cannot start: ${(error as Error).message}`, null);
    }
    const run: Run = {
      process: child,
      tree: new ProcessTree(child.pid, tag),
      ended: new AbortController(),
      outputDone: Promise.all([this.#pipeLines(child.stdout, "stdout"), this.#pipeLines(child.stderr, "stderr")]).then(() => {}),
    };
    this.#run = run;
    const restart = this.#status.restarts > 0 ? `, restart ${this.#status.restarts}` : "";
    this.#status = { ...this.#status, pid: child.pid, startedAt: Date.now(), readyAt: undefined, health: undefined };
    this.#moveTo("starting", `pid ${child.pid}${restart}`);
    void child.exited.then((exit) => this.#onExit(run, exit));
    void this.#watchHealth(run);
  }

  /** The app's own environment over zoo's: its `env`, and PORT when it has a port. Exec probes get it too. */
  #env(): Record<string, string> {
    const port = this.#port;
    return port === undefined ? this.config.env : { ...this.config.env, PORT: String(port) };
  }

  #pipeLines(stream: NodeJS.ReadableStream, name: "stdout" | "stderr"): Promise<void> {
    const splitter = new LineSplitter((line) => this.#hooks.log.app(this.name, name, line));
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

  async #watchHealth(run: Run): Promise<void> {
    const probe = this.config.health;
    const target = { host: "127.0.0.1", port: this.#port, cwd: this.config.cwd, env: this.#env() };
    const current = () => this.#run === run && !run.ended.signal.aborted;
    const state = (): AppState => this.#state; // read fresh after each await (no narrowing)
    try {
      // Startup: poll fast until the first pass, or give up after startTimeout.
      const startedAt = this.#status.startedAt!;
      const startTimeout = probe.kind === "none" ? Infinity : probe.startTimeout;
      for (;;) {
        const result = await runProbe(probe, target, run.ended.signal);
        if (!current() || state() !== "starting") return;
        this.#status.health = result.detail;
        if (result.ok) {
          this.#status.readyAt = Date.now();
          this.#moveTo("ready", `in ${this.#status.readyAt - startedAt}ms`);
          this.#armIdle();
          break;
        }
        const left = startedAt + startTimeout - Date.now();
        if (left <= 0) return this.#restartUnhealthy(run, `not ready after ${formatMs(startTimeout)} (${result.detail})`);
        await sleep(Math.min(startupPollInterval(probe), left), undefined, { signal: run.ended.signal });
      }
      if (probe.kind === "none") return;
      // Liveness: every `interval`; `failures` consecutive failures restart the app.
      let failures = 0;
      for (;;) {
        await sleep(probe.interval, undefined, { signal: run.ended.signal });
        const result = await runProbe(probe, target, run.ended.signal);
        if (!current() || (state() !== "ready" && state() !== "unhealthy")) return;
        this.#status.health = result.detail;
        if (result.ok) {
          failures = 0;
          if (state() === "unhealthy") this.#moveTo("ready", "again");
          continue;
        }
        failures += 1;
        if (failures >= probe.failures) return this.#restartUnhealthy(run, `${failures} failed probes (${result.detail})`);
        if (state() === "ready") this.#moveTo("unhealthy", `${result.detail} (${failures} of ${probe.failures})`);
      }
    } catch (error) {
      if ((error as Error).name !== "AbortError") throw error;
    }
  }

  /** Ends a run whose probe failed; its exit then goes through the restart decision. */
  async #restartUnhealthy(run: Run, reason: string): Promise<void> {
    run.unhealthy = reason;
    this.#moveTo("stopping", reason);
    this.#leftovers = this.#terminate(run);
    await this.#leftovers;
  }

  async #onExit(run: Run, exit: Exit): Promise<void> {
    run.exit = exit;
    run.ended.abort();
    const at = Date.now();
    this.#status.lastExit = { code: exit.code, signal: exit.signal, at };
    this.#status.pid = undefined;
    if (exit.code === 0) this.#completed = true;
    // Let the app's last lines come out before the line that says it ended.
    await within(run.outputDone, OUTPUT_GRACE_MS);
    if (this.#stopRequested || run.idle || this.#run !== run) return; // stop()/kill()/sleep finish this run

    const description = exit.code !== null ? `exited with code ${exit.code}` : `killed by ${exit.signal}`;
    const ending: Ending = run.unhealthy
      ? { cause: "unhealthy", code: exit.code, signal: exit.signal, description: run.unhealthy }
      : { cause: "exited", code: exit.code, signal: exit.signal, description };
    // Whatever the run left behind (children in its group, setsid'd grandchildren) goes too.
    if (!run.unhealthy) this.#leftovers = this.#terminate(run);

    const decision = decideRestart(this.config, ending, { ...this.#history, readyAt: this.#status.readyAt }, at);
    this.#history = decision.history;
    if (decision.action === "restart") {
      this.#status.restarts += 1;
      this.#moveTo("backoff", decision.reason);
      this.#backoffTimer = setTimeout(() => {
        this.#backoffTimer = undefined;
        void this.launch();
      }, decision.delayMs);
    } else if (decision.action === "stop") {
      this.#moveTo("stopped", decision.reason);
    } else {
      this.#fail(decision.reason, exit.code);
    }
  }

  #finishStop(run: Run): void {
    if (this.#run !== run || this.#state === "stopped") return;
    const exit = run.exit;
    const how = !exit ? "gone" : exit.code !== null ? `exited with code ${exit.code}` : `killed by ${exit.signal}`;
    if (run.idle && !this.#stopRequested) this.#moveTo("sleeping", `idle for ${formatMs(this.config.idleTimeout!)}; the next request wakes it`);
    else this.#moveTo("stopped", how);
  }

  /** stopSignal to the whole tree, SIGKILL after stopTimeout; resolves when every process is gone. */
  async #terminate(run: Run): Promise<void> {
    const { stopSignal, stopTimeout } = this.config;
    if (!run.tree.isAlive()) return;
    run.tree.signal(stopSignal);
    if (await this.#waitTreeGone(run, stopTimeout)) return;
    this.#hooks.log.zoo("warn", `${this.name}: still running ${formatMs(stopTimeout)} after ${stopSignal}; sending SIGKILL`, { app: this.name });
    run.tree.signal("SIGKILL");
    if (!(await this.#waitTreeGone(run, KILL_WAIT_MS))) {
      this.#hooks.log.zoo("error", `${this.name}: processes ${run.tree.alive().join(", ")} survived SIGKILL`, { app: this.name });
    }
  }

  /** Waits until no process of the run's tree is left (and its output is read), up to timeoutMs. */
  async #waitTreeGone(run: Run, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    // The root's exit is an event; the rest of the tree is polled.
    await within(run.process.exited, timeoutMs);
    while (run.tree.isAlive()) {
      if (Date.now() >= deadline) return false;
      await sleep(TREE_POLL_MS);
    }
    await within(run.outputDone, OUTPUT_GRACE_MS * 4);
    return true;
  }

  #fail(reason: string, exitCode: number | null): void {
    this.#moveTo("failed", reason);
    if (this.config.essential) this.#hooks.onFatal?.(this.name, exitCode ? exitCode : 1);
  }

  #cancelBackoff(): void {
    if (this.#backoffTimer) clearTimeout(this.#backoffTimer);
    this.#backoffTimer = undefined;
  }

  /** `line` replaces the usual log line (describe()) when the default wording reads badly. */
  #moveTo(to: AppState, reason?: string, line = describe(this.name, to, reason)): void {
    const from = this.#state;
    if (from === to) return;
    if (!canTransition(from, to)) {
      // A bug in zoo, not in the app: say so loudly, but keep supervising.
      this.#hooks.log.zoo("error", `${this.name}: internal error: illegal state change ${from} → ${to}`, { app: this.name });
    }
    this.#state = to;
    this.#status.reason = reason;
    if (!isRunning(to)) this.#status.pid = undefined;
    this.#hooks.log.zoo(levelOf(to), line, { app: this.name, state: to, ...(reason && { reason }) });
    this.#hooks.onChange({ app: this.name, from, to, reason, at: Date.now(), status: this.status() });
  }
}

/** Waits for `promise`, but no longer than `ms` (without keeping zoo alive for the rest). */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function levelOf(state: AppState): "info" | "warn" | "error" {
  if (state === "failed") return "error";
  if (state === "unhealthy" || state === "backoff") return "warn";
  return "info";
}

/** The log line of a state change: `node: ready in 182ms`, `node: failed: command not found: …`. */
function describe(name: string, state: AppState, reason: string | undefined): string {
  switch (state) {
    case "ready":
      return `${name}: ready${reason ? ` ${reason}` : ""}`;
    case "failed":
    case "unhealthy":
      return `${name}: ${state}${reason ? `: ${reason}` : ""}`;
    case "backoff":
      return `${name}: ${reason ?? "restarting"}`;
    default:
      return `${name}: ${state}${reason ? ` (${reason})` : ""}`;
  }
}
