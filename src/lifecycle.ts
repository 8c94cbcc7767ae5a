// How a running zoo ends: the shutdown sequence, the signals that start it (or reach the apps), and the one policy
// for zoo's own bugs. main.ts wires the parts; this decides the order and the exit code.
import { FORWARDED_WITHIN_MS, watchParent, type Launch } from "./launcher.ts";
import type { Logger } from "./log.ts";

/** EX_SOFTWARE (sysexits.h): zoo ended because of a bug in itself. */
export const EXIT_INTERNAL_ERROR = 70;

/** What the shutdown stops, in this order. */
export interface StoppingParts {
  /** Stops taking new work (ACME, the file watch) and drains the proxy's open requests. */
  drain(): Promise<void>;
  apps: { stop(): Promise<void>; killAll(): Promise<void>; signal(signal: NodeJS.Signals): void };
  /** Closes what is left once the apps are down: the control socket, metrics. */
  close(): Promise<void>;
  /** SIGHUP. */
  reload(cause: string): void;
}

export class Lifecycle {
  readonly #log: Logger;
  readonly #parts: StoppingParts;
  readonly #exited: Promise<number>;
  #resolveExit!: (code: number) => void;
  #stopping: Promise<void> | undefined;
  #internalError = false;
  #killedBySignal: number | undefined;
  readonly #handlers: [NodeJS.Signals, (signal: NodeJS.Signals) => void][];
  /** How zoo was started: under npm, a stop signal may come twice, and npm's end may come with none (launcher.ts). */
  readonly #launch: Launch;
  #stopSignalAt = 0;

  constructor(log: Logger, parts: StoppingParts, launch: Launch = { parentIsNpm: false, startedByNpm: false }) {
    this.#log = log;
    this.#parts = parts;
    this.#launch = launch;
    this.#exited = new Promise<number>((resolve) => (this.#resolveExit = resolve));
    this.#handlers = [
      ["SIGTERM", this.#onStopSignal],
      ["SIGINT", this.#onStopSignal],
      ["SIGUSR1", this.#onForwardSignal],
      ["SIGUSR2", this.#onForwardSignal],
      ["SIGHUP", this.#onHangup],
    ];
  }

  /** zoo's own bugs (a background path that failed, anything thrown with nobody to catch it): stop cleanly, exit 70. */
  readonly onInternalError = (): void => {
    this.#internalError = true;
    void this.shutdown(EXIT_INTERNAL_ERROR);
  };

  /** Logs an error nobody caught, with its stack, as a bug in zoo; then the internal-error policy. */
  readonly onUncaught = (error: unknown, origin: string): void => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.#log.zoo("error", `internal error (a bug in zoo), ${origin}: ${detail}`);
    this.onInternalError();
  };

  readonly #onUnhandledRejection = (reason: unknown) => this.onUncaught(reason, "unhandledRejection");

  /** Starts listening for signals and uncaught errors; run() resolves with the exit code and stops listening. */
  async run(): Promise<number> {
    for (const [signal, handler] of this.#handlers) process.on(signal, handler);
    process.on("uncaughtException", this.onUncaught);
    process.on("unhandledRejection", this.#onUnhandledRejection);
    // npm's shell does not pass a SIGTERM to npm on: zoo learns of it when that shell is gone.
    const unwatch = this.#launch.startedByNpm ? watchParent(this.#onParentGone) : undefined;
    const code = await this.#exited;
    unwatch?.();
    for (const [signal, handler] of this.#handlers) process.off(signal, handler);
    process.off("uncaughtException", this.onUncaught);
    process.off("unhandledRejection", this.#onUnhandledRejection);
    return code;
  }

  /** Drains, stops every app, closes the rest; once, whoever asks first (a signal, a fatal app, a failed start). */
  shutdown(code: number): Promise<void> {
    this.#stopping ??= (async () => {
      this.#log.zoo("info", "stopping: draining requests, then stopping apps");
      await this.#parts.drain();
      await this.#parts.apps.stop().catch(async (error) => {
        this.#log.zoo("error", `internal error (a bug in zoo) while stopping the apps: ${error.stack}; killing them`);
        this.#internalError = true;
        await this.#parts.apps.killAll();
      });
      await this.#parts.close();
      // A bug found on the way out still ends zoo with 70.
      const exitCode = this.#killedBySignal ?? (this.#internalError ? EXIT_INTERNAL_ERROR : code);
      this.#log.zoo("info", `stopped, exit code ${exitCode}`);
      this.#resolveExit(exitCode);
    })();
    return this.#stopping;
  }

  readonly #onStopSignal = (signal: NodeJS.Signals) => {
    // Under `npm start` (exec), a Ctrl-C comes from the terminal and again from npm: one request, not two.
    if (this.#stopping && this.#launch.parentIsNpm && performance.now() - this.#stopSignalAt < FORWARDED_WITHIN_MS) return;
    this.#stopSignalAt = performance.now();
    if (!this.#stopping) {
      this.#log.zoo("info", `${signal} received`);
      void this.shutdown(0);
      return;
    }
    this.#log.zoo("warn", `${signal} again: killing everything now`);
    // The stop under way may finish first (the kill ends its apps too): either way zoo exits with the signal's code.
    this.#killedBySignal ??= signal === "SIGINT" ? 130 : 143;
    const code = this.#killedBySignal;
    void this.#parts.apps.killAll().then(() => this.#resolveExit(code));
  };

  readonly #onParentGone = () => {
    if (this.#stopping) return;
    this.#log.zoo("info", "the npm process that started zoo is gone (npx or npm was stopped): stopping");
    void this.shutdown(0);
  };

  readonly #onForwardSignal = (signal: NodeJS.Signals) => {
    this.#log.zoo("info", `${signal} received: forwarding to the apps`);
    this.#parts.apps.signal(signal);
  };

  readonly #onHangup = () => {
    this.#log.zoo("info", "SIGHUP received: reloading the config");
    this.#parts.reload("SIGHUP");
  };
}
