// What keeps an app awake, and putting it to sleep after `idleTimeout` without any of it. Two kinds of use count:
// open requests (HTTP exchanges and connections the proxy has open with the app, reported in its status) and
// holds from dependents (an awake app keeps its dependencies awake; not requests, so not reported).
import type { Cancel, Clock } from "./clock.ts";

export interface ActivityOptions {
  /** Sleep after this long without use; undefined: never. */
  idleTimeout: number | undefined;
  clock: Clock;
  /** Whether the app is in a state that may go to sleep (ready); checked when the idle timer is armed. */
  mayIdle(): boolean;
  /** The idle timeout passed with no use: put the app to sleep (or, with replicas, see whether they all may). */
  onIdle(): void;
}

export class Activity {
  readonly #options: ActivityOptions;
  #openRequests = 0;
  #dependentHolds = 0;
  #lastActivity: number | undefined;
  #cancelIdleTimer: Cancel | undefined;
  /** The idle timer ran out and nothing has used the app since (an app with replicas sleeps when all of them have). */
  #expired = false;
  /** Who waits for the open requests to end (drained()). */
  readonly #drainWaiters = new Set<() => void>();

  constructor(options: ActivityOptions) {
    this.#options = options;
  }

  /** Requests and connections open now. */
  get openRequests(): number {
    return this.#openRequests;
  }

  /** When a request last began or ended (ms since the epoch). */
  get lastActivity(): number | undefined {
    return this.#lastActivity;
  }

  /** Whether anything keeps the app awake now. */
  get inUse(): boolean {
    return this.#openRequests + this.#dependentHolds > 0;
  }

  /**
   * A request or connection began; call the returned function when it has truly ended (the response closed,
   * the socket closed). Calling it again does nothing.
   */
  openRequest(): () => void {
    this.#openRequests += 1;
    this.#lastActivity = this.#options.clock.now();
    return this.#use(() => {
      this.#openRequests -= 1;
      this.#lastActivity = this.#options.clock.now();
      if (this.#openRequests === 0) for (const wake of [...this.#drainWaiters]) wake();
    });
  }

  /** Resolves once no request or connection is open (at once when none is). */
  drained(): Promise<void> {
    if (this.#openRequests === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#drainWaiters.delete(wake);
        resolve();
      };
      this.#drainWaiters.add(wake);
    });
  }

  /** A dependent is awake (or on its way up): the app does not sleep until the returned function is called. */
  holdForDependent(): () => void {
    this.#dependentHolds += 1;
    return this.#use(() => (this.#dependentHolds -= 1));
  }

  /** Whether the idle timer ran out and nothing has used the app since. */
  get expired(): boolean {
    return this.#expired;
  }

  /** Starts the idle timer if the app has an idleTimeout, nothing uses it, and it may sleep. */
  armIdle(): void {
    const { idleTimeout, clock, mayIdle, onIdle } = this.#options;
    if (idleTimeout === undefined || this.inUse || !mayIdle()) return;
    this.cancelIdle();
    this.#cancelIdleTimer = clock.setTimeout(
      () => {
        this.#cancelIdleTimer = undefined;
        this.#expired = true;
        onIdle();
      },
      idleTimeout,
      { keepAlive: false },
    );
  }

  cancelIdle(): void {
    this.#expired = false;
    this.#cancelIdleTimer?.();
    this.#cancelIdleTimer = undefined;
  }

  #use(end: () => void): () => void {
    this.cancelIdle();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      end();
      this.armIdle();
    };
  }
}
