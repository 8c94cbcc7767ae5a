// The last lines of each app, kept in memory for `zoo logs`: what the app printed and zoo's own lines about it.
import type { Level, Logger, Stream } from "../log.ts";

export interface LogLine {
  /** ms since the epoch */
  at: number;
  /** The app's name (for a replica, the app's, not the instance's). */
  app: string;
  /** The instance that printed it ("node.1"), when it is not the app's only one. */
  instance?: string;
  /** "zoo" for zoo's own lines about the app. */
  stream: Stream | "zoo";
  level?: Level;
  line: string;
}

export interface LogBookLimits {
  /** Lines kept per app. Default 1,000. */
  lines: number;
  /** Bytes kept per app (the text of the lines). Default 1 MiB. */
  bytes: number;
}

export const DEFAULT_LOG_LIMITS: LogBookLimits = { lines: 1000, bytes: 1024 * 1024 };

/** A bounded ring per app: the oldest lines go first once either limit is reached. */
class Ring {
  readonly #lines: (LogLine | undefined)[];
  #start = 0;
  #count = 0;
  #bytes = 0;
  readonly #maxBytes: number;

  constructor(limits: LogBookLimits) {
    this.#lines = new Array(limits.lines);
    this.#maxBytes = limits.bytes;
  }

  push(entry: LogLine): void {
    const capacity = this.#lines.length;
    if (this.#count === capacity) this.#dropOldest();
    this.#lines[(this.#start + this.#count) % capacity] = entry;
    this.#count += 1;
    this.#bytes += entry.line.length;
    while (this.#bytes > this.#maxBytes && this.#count > 1) this.#dropOldest();
  }

  /** The last n lines, oldest first. */
  last(n: number): LogLine[] {
    const take = Math.min(n, this.#count);
    const out: LogLine[] = [];
    for (let i = this.#count - take; i < this.#count; i++) out.push(this.#lines[(this.#start + i) % this.#lines.length]!);
    return out;
  }

  #dropOldest(): void {
    const oldest = this.#lines[this.#start];
    this.#lines[this.#start] = undefined;
    this.#start = (this.#start + 1) % this.#lines.length;
    this.#count -= 1;
    this.#bytes -= oldest?.line.length ?? 0;
  }
}

export class LogBook {
  readonly #rings = new Map<string, Ring>();
  /** Every name a line was printed under ("node", "node.1") → its app. */
  readonly #names = new Map<string, string>();
  readonly #followers = new Set<(entry: LogLine) => void>();
  readonly #limits: LogBookLimits;

  constructor(limits: Partial<LogBookLimits> = {}) {
    this.#limits = { ...DEFAULT_LOG_LIMITS, ...limits };
  }

  record(entry: LogLine): void {
    let ring = this.#rings.get(entry.app);
    if (!ring) this.#rings.set(entry.app, (ring = new Ring(this.#limits)));
    ring.push(entry);
    this.#names.set(entry.instance ?? entry.app, entry.app);
    for (const follower of this.#followers) follower(entry);
  }

  /** The last n lines of the named apps (every app when none is named) together, in time order. */
  tail(apps: readonly string[], n: number): LogLine[] {
    const names = apps.length > 0 ? apps : [...this.#rings.keys()];
    const lines = names.flatMap((name) => this.#rings.get(name)?.last(n) ?? []);
    // A stable sort keeps each app's own order among lines of the same millisecond.
    lines.sort((a, b) => a.at - b.at);
    return n === 0 ? [] : lines.slice(-n);
  }

  /** The names lines of the named apps (every app when none is named) are printed under: apps and replicas. */
  names(apps: readonly string[]): string[] {
    const wanted = new Set(apps);
    return [...this.#names].filter(([, app]) => wanted.size === 0 || wanted.has(app)).map(([name]) => name);
  }

  /** Calls fn with every later line of the named apps (every app when none is named) until unsubscribed. */
  follow(apps: readonly string[], fn: (entry: LogLine) => void): () => void {
    const wanted = new Set(apps);
    const follower = (entry: LogLine) => {
      if (wanted.size === 0 || wanted.has(entry.app)) fn(entry);
    };
    this.#followers.add(follower);
    return () => this.#followers.delete(follower);
  }
}

/**
 * A logger that writes through `inner` and keeps each app's lines, and zoo's lines about an app (those with an
 * `app` field), in `book`. `appOf` maps an instance name ("node.1") to its app ("node").
 */
export function recordingLogger(inner: Logger, book: LogBook, appOf: (name: string) => string = (name) => name): Logger {
  return {
    zoo(level, message, fields) {
      inner.zoo(level, message, fields);
      const about = fields?.app;
      if (typeof about === "string") book.record({ at: Date.now(), app: appOf(about), stream: "zoo", level, line: message });
    },
    app(name, stream, line) {
      inner.app(name, stream, line);
      const app = appOf(name);
      book.record({ at: Date.now(), app, ...(app !== name && { instance: name }), stream, line });
    },
    access: (entry) => inner.access(entry),
  };
}
