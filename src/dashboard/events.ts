// GET /api/events: server-sent events for the open pages. On connect, everything a page draws (status, the traffic
// history, the followed app's last lines); then a tick each second, the status at once on a state change, and the
// followed app's new lines in batches. Bounded: a few clients, a per-client cap on queued lines and on unsent bytes.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { LogBook, LogLine } from "../logs/book.ts";
import type { Traffic } from "./traffic.ts";

/** Pages open at once; one more gets 503. */
export const MAX_EVENT_CLIENTS = 8;
/** Lines a page is sent when it starts following an app. */
export const LOG_TAIL = 200;
/** Lines queued for one page between two flushes; more are counted as skipped. */
const MAX_QUEUED_LINES = 500;
/** Bytes the kernel and Node may hold for a page that does not read: past this, the page is dropped. */
const MAX_UNSENT_BYTES = 1024 * 1024;
const TICK_MS = 1000;
const LOG_FLUSH_MS = 150;

export interface EventSources {
  /** The status and zoo's own figures, as GET /api/status answers. */
  snapshot(): object;
  traffic: Traffic;
  book: LogBook;
  /** Why this app's logs cannot be followed, or undefined. */
  logsRefusal(app: string): string | undefined;
}

interface Client {
  res: ServerResponse;
  queued: LogLine[];
  skipped: number;
  flush: NodeJS.Timeout | undefined;
  unfollow: () => void;
}

export class EventHub {
  readonly #clients = new Set<Client>();
  readonly #sources: EventSources;
  #ticker: NodeJS.Timeout | undefined;
  #statusSoon: NodeJS.Timeout | undefined;

  constructor(sources: EventSources) {
    this.#sources = sources;
  }

  get clients(): number {
    return this.#clients.size;
  }

  open(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const app = url.searchParams.get("logs") || undefined;
    const refusal = app === undefined ? undefined : this.#sources.logsRefusal(app);
    if (refusal) return json(res, 400, { error: refusal });
    if (this.#clients.size >= MAX_EVENT_CLIENTS) {
      return json(res, 503, { error: `too many dashboard pages open (at most ${MAX_EVENT_CLIENTS}): close one` });
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" });
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
    const client: Client = { res, queued: [], skipped: 0, flush: undefined, unfollow: () => {} };
    this.#clients.add(client);
    const { traffic, book } = this.#sources;
    this.#send(client, "hello", { ...this.#sources.snapshot(), traffic: traffic.history(), logs: app === undefined ? null : { app, lines: book.tail([app], LOG_TAIL) } });
    if (app !== undefined) client.unfollow = book.follow([app], (line) => this.#queue(client, line));
    res.once("close", () => this.#drop(client));
    this.#ticker ??= setInterval(() => this.#tick(), TICK_MS).unref();
  }

  /** A state changed: every page gets the status now, not at the next tick (many changes at once: one message). */
  statusChanged(): void {
    if (this.#clients.size === 0 || this.#statusSoon) return;
    this.#statusSoon = setTimeout(() => {
      this.#statusSoon = undefined;
      this.#broadcast("status", this.#sources.snapshot());
    }, 20).unref();
  }

  close(): void {
    for (const client of this.#clients) client.res.destroy();
  }

  #tick(): void {
    // The last few seconds: a page keeps the ones newer than its last point, so a late tick loses none.
    const traffic = this.#sources.traffic.history(3);
    this.#broadcast("tick", { ...this.#sources.snapshot(), traffic });
  }

  #broadcast(event: string, data: object): void {
    const text = frame(event, data);
    for (const client of this.#clients) this.#write(client, text);
  }

  #send(client: Client, event: string, data: object): void {
    this.#write(client, frame(event, data));
  }

  #write(client: Client, text: string): void {
    if (client.res.writableLength > MAX_UNSENT_BYTES) return void client.res.destroy();
    client.res.write(text);
  }

  #queue(client: Client, line: LogLine): void {
    if (client.queued.length >= MAX_QUEUED_LINES) client.skipped += 1;
    else client.queued.push(line);
    client.flush ??= setTimeout(() => {
      client.flush = undefined;
      this.#send(client, "logs", { lines: client.queued, skipped: client.skipped });
      client.queued = [];
      client.skipped = 0;
    }, LOG_FLUSH_MS).unref();
  }

  #drop(client: Client): void {
    client.unfollow();
    clearTimeout(client.flush);
    this.#clients.delete(client);
    if (this.#clients.size === 0) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }
}

function frame(event: string, data: object): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers }).end(JSON.stringify(body));
}
