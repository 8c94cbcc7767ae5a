// Plain requests to apps on undici: one pool of keep-alive connections per app address, no pipelining, about half
// the CPU of Node's client per request (README "Upstream clients"). undici is imported here and nowhere else.
import type { Agent } from "undici";
import type { Logger } from "../log.ts";
import type { HttpExchange } from "./exchange.ts";
import type { AppDestination } from "./destination.ts";
import type { Transport, UpstreamFailed } from "./transport.ts";
import { UndiciRequest } from "./undici-request.ts";

/** `ZOO_APP_CLIENT=http-proxy-3` sends app requests through Node's client instead (the A/B switch of bench/app-client.ts). */
export const UNDICI_FOR_APPS = process.env.ZOO_APP_CLIENT !== "http-proxy-3";

let UndiciAgent: typeof Agent | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads undici's Agent, once. Loaded on the first request to an app, not at start: a zoo whose apps sleep or get no
 * traffic need not carry it (about 18 MB of RSS once it has carried requests, most of it undici's WebAssembly HTTP
 * parser). Its own module, not the package's entry point, which loads fetch, WebSocket and the rest as well (7 MB
 * more). Requests that come before it has loaded wait for it. A dynamic import (not createRequire(import.meta.url))
 * so that the single executable's bundle carries it.
 */
export function loadAppClient(): Promise<void> {
  if (!UNDICI_FOR_APPS) return Promise.resolve();
  loading ??= import("undici/lib/dispatcher/agent.js").then((module) => void (UndiciAgent = module.default));
  return loading;
}

export class UndiciTransport implements Transport {
  readonly #failed: UpstreamFailed;
  readonly #log: Logger;
  readonly #poolIdleMs: number;
  #dispatcher: Agent | undefined = undefined;
  #didNotLoad = false;

  constructor(options: { failed: UpstreamFailed; log: Logger; poolIdleMs: number }) {
    this.#failed = options.failed;
    this.#log = options.log;
    this.#poolIdleMs = options.poolIdleMs;
  }

  /** undici carries plain requests to apps: unless ZOO_APP_CLIENT says otherwise, or it did not load. */
  get usable(): boolean {
    return UNDICI_FOR_APPS && !this.#didNotLoad;
  }

  /**
   * True once undici has loaded (load() starts it). Its own timeouts are off: zoo's upstreamTimeout is the one limit
   * on a response head, and a quiet body (a long poll, an event stream) is no error.
   */
  ready(): boolean {
    if (this.#dispatcher !== undefined) return true;
    if (UndiciAgent === undefined) return false;
    // keepAliveMaxTimeout too: otherwise an app's `Keep-Alive: timeout=N` hint keeps idle connections (and fds) up to 10 min.
    this.#dispatcher = new UndiciAgent({ keepAliveTimeout: this.#poolIdleMs, keepAliveMaxTimeout: this.#poolIdleMs, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
    return true;
  }

  /** Resolves once ready() is true, or once undici did not load (never expected: Node's client then carries all). */
  load(): Promise<void> {
    return loadAppClient().catch((error: Error) => {
      if (this.#didNotLoad) return;
      this.#didNotLoad = true;
      this.#log.zoo("warn", `undici did not load (${error.message}): http-proxy-3 carries every request`);
    });
  }

  /** Only for a plain request to an app, once ready() said so. */
  send(exchange: HttpExchange, destination: AppDestination): void {
    const request = new UndiciRequest(exchange, this.#failed);
    exchange.attachUpstreamRequest(request);
    this.#dispatcher!.dispatch(request.options(destination.origin), request);
  }

  close(): void {
    void this.#dispatcher?.destroy().catch(() => {});
  }
}
