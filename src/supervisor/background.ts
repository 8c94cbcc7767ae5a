// Work the supervisor starts without awaiting it (a process's exit handler, a probe loop, a restart after
// backoff, a wake). A rejection there is a bug in zoo: it is never dropped and never ends zoo on its own, it is
// reported to one handler (main.ts: log the stack, stop every app, exit 70).

/** Called with a bug found on a background path; `what` names the path, e.g. "web: health checks". */
export type InternalErrorHandler = (error: Error, what: string) => void;

/** Runs `work` in the background; a rejection goes to `onError`. */
export function background(work: Promise<unknown>, what: string, onError: InternalErrorHandler): void {
  work.catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error)), what));
}
