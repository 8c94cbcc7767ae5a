// Running out of file descriptors (EMFILE: zoo's own limit; ENFILE: the system's) is a moment, not a fault: a
// client holding many connections can cause it. Whatever failed for it (a walk of /proc, a probe, an accept) is
// skipped and tried again on its next round; nothing is concluded from it, and zoo keeps serving what it can.
import type { Server } from "node:net";
import type { Logger } from "./log.ts";

export function isOutOfDescriptors(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "EMFILE" || code === "ENFILE";
}

/** How often the same kind of trouble is logged at most; what happened in between is counted in the next line. */
const NOTICE_INTERVAL_MS = 10_000;

/** One warning per `what` per NOTICE_INTERVAL_MS, with the number of times it happened since the last one. */
export class RateLimitedNotice {
  readonly #log: Pick<Logger, "zoo">;
  readonly #last = new Map<string, { at: number; skipped: number }>();

  constructor(log: Pick<Logger, "zoo">) {
    this.#log = log;
  }

  warn(what: string, message: string, now = Date.now()): void {
    const last = this.#last.get(what);
    if (last && now - last.at < NOTICE_INTERVAL_MS) {
      last.skipped += 1;
      return;
    }
    const more = last?.skipped ? ` (${last.skipped} more since the last such line)` : "";
    this.#last.set(what, { at: now, skipped: 0 });
    this.#log.zoo("warn", message + more);
  }
}

/**
 * A listening server's errors after it is up are failed accepts (EMFILE when zoo is out of descriptors and libuv
 * could not shed the connection itself): Node emits them on the server, where nobody listening makes them an
 * uncaught exception. They are logged, rate-limited, and the server goes on accepting.
 */
export function keepAccepting(server: Server, name: string, log?: Pick<Logger, "zoo">): void {
  const notice = log && new RateLimitedNotice(log);
  server.on("error", (error: NodeJS.ErrnoException) => {
    if (!server.listening) return; // a failed listen() is the caller's to report
    const why = isOutOfDescriptors(error) ? ": zoo is out of file descriptors (raise its limit, ulimit -n)" : "";
    notice?.warn("accept", `${name}: cannot accept a connection (${error.code ?? error.message})${why}; still serving the open ones`);
  });
}
