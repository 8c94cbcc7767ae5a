// One request to an app on undici's dispatcher: hands the request over and relays the answer, with backpressure both
// ways. What the answer means when it fails is decided by the client (client.ts → forward.ts), not here.
import type { IncomingHttpHeaders } from "node:http";
import { PassThrough } from "node:stream";
import type { Dispatcher } from "undici";
import { countRequestBytes, type HttpExchange } from "./exchange.ts";
import { responseHeaders } from "./headers.ts";

export interface AppRequestEvents {
  /** No answer came (or none zoo can relay): answer, retry or drop, as for any client. */
  failed(exchange: HttpExchange, error: Error & { code?: string }): void;
}

const CONNECTION = "connection";

/** undici's (legacy) dispatch handler, the interface its core calls directly: the raw head, chunks as they arrive. */
export class AppRequest implements Dispatcher.DispatchHandler {
  readonly #exchange: HttpExchange;
  readonly #events: AppRequestEvents;
  #abort: ((error?: Error) => void) | undefined = undefined;
  /** An abort asked for before undici had written the request (still connecting). */
  #abortPending: Error | undefined = undefined;
  #streaming = false;
  #done = false;

  constructor(exchange: HttpExchange, events: AppRequestEvents) {
    this.#exchange = exchange;
    this.#events = events;
  }

  /** undici's options for this request: the path and headers forward.ts rewrote, the body streamed if there is one. */
  options(origin: string): Dispatcher.DispatchOptions {
    const exchange = this.#exchange;
    const req = exchange.req;
    let body: PassThrough | null = null;
    if (exchange.hasBody) {
      // Not the request itself: undici destroys the body it was given (and detaches it from its socket), which would
      // end the client's connection after an early answer. zoo's own pipe can be undone instead (exchange.finish).
      body = new PassThrough();
      req.pipe(body);
      countRequestBytes(exchange);
    }
    const headers = req.httpVersionMajor === 2 ? withoutPseudoHeaders(req.headers) : req.headers;
    return { origin, path: req.url ?? "/", method: exchange.method as Dispatcher.HttpMethod, headers, body, headersTimeout: 0, bodyTimeout: 0 };
  }

  /** Aborts the request (zoo's timeout, the client gone, an early answer); its failure goes to onError. */
  destroy(): void {
    if (this.#done) return;
    const reason = Object.assign(new Error("aborted by zoo"), { code: "ECONNRESET" });
    if (this.#abort) return this.#abort(reason);
    // Still connecting: answer now, and end the request once undici writes it.
    this.#abortPending = reason;
    this.onError(reason);
  }

  onConnect(abort: (error?: Error) => void): void {
    this.#abort = abort;
    if (this.#abortPending) abort(this.#abortPending);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    const exchange = this.#exchange;
    if (statusCode < 200) {
      // An interim answer (103 Early Hints…) is not relayed, as Node's client does not either; below 100 is no status.
      if (statusCode >= 100) return true;
      return this.#invalidHead();
    }
    if (exchange.timer) clearTimeout(exchange.timer);
    exchange.timer = undefined;
    const res = exchange.res;
    if (res.headersSent || res.destroyed) {
      this.#done = true;
      this.#abort?.();
      return false;
    }
    const raw = new Array<string>(rawHeaders.length);
    let connection: string | undefined;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = (raw[i] = rawHeaders[i].toString("latin1"));
      const value = (raw[i + 1] = rawHeaders[i + 1].toString("latin1"));
      if (name.length === CONNECTION.length && name.toLowerCase() === CONNECTION) connection = connection === undefined ? value : `${connection}, ${value}`;
    }
    exchange.markHeaders();
    try {
      const headers = responseHeaders(raw, connection, exchange.requestId);
      // HTTP/2 has no reason phrase (Node warns when given one).
      if (exchange.req.httpVersionMajor === 2) res.writeHead(statusCode, headers);
      else res.writeHead(statusCode, statusText, headers);
    } catch {
      // A head Node will not repeat (an odd status line or header): the app's fault, answered as one.
      return this.#invalidHead();
    }
    if (statusCode === 204 || statusCode === 304 || exchange.method === "HEAD") {
      // No body follows, whatever the head says: the response is whole (undici may still fail on stray bytes after it).
      this.#done = true;
      res.end();
      return true;
    }
    this.#streaming = true;
    res.on("drain", resume);
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.#exchange.res.write(chunk);
  }

  onComplete(): void {
    if (this.#done) return;
    this.#done = true;
    this.#exchange.res.end();
  }

  onError(error: Error & { code?: string }): void {
    // undici may report the connection's end after a complete response (stray bytes after a 204, say): that
    // response stands.
    if (this.#done) return;
    this.#done = true;
    const exchange = this.#exchange;
    if (exchange.timer) clearTimeout(exchange.timer);
    exchange.timer = undefined;
    if (this.#streaming) {
      // The upstream ended before its body did: abort the client's response so it cannot hang or pass as complete.
      if (!exchange.clientGone) exchange.upstreamError ??= "reset";
      exchange.res.destroy();
      return;
    }
    this.#events.failed(exchange, error);
  }

  #invalidHead(): false {
    this.#done = true;
    this.#abort?.();
    const exchange = this.#exchange;
    exchange.upstreamError = "other";
    exchange.answer(502, `${exchange.route?.label ?? "upstream"}: invalid response head`);
    return false;
  }
}

/** An HTTP/2 request's headers as an HTTP/1.1 app gets them: without `:method`, `:path` and the other pseudo-headers. */
function withoutPseudoHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) if (name[0] !== ":") out[name] = headers[name];
  return out;
}
