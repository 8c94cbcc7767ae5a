// What the proxy asks of whoever runs the apps (the supervisor, wired in main.ts): one ready instance of an app.
// The proxy never learns an app's port or state any other way.

/** One ready instance of an app, reserved for one request or connection until release() (idempotent). */
export interface InstanceLease {
  readonly host: string;
  readonly port: number;
  release(): void;
}

export interface InstancePool {
  /** A ready instance of the app now, or undefined when none is. */
  acquire(app: string): InstanceLease | undefined;
  /**
   * Waits up to timeoutMs for a ready instance, waking a sleeping app; undefined on timeout, abort, or when the app
   * stopped or failed. `cause` names who asks, for the log: "GET /node/x".
   */
  waitFor(app: string, timeoutMs: number, signal: AbortSignal, cause: string): Promise<InstanceLease | undefined>;
  /** Why no instance of the app will come without an operator's word ("stopped on request"), if that is so. */
  unavailable?(app: string): string | undefined;
}
