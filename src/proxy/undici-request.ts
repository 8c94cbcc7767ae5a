// One request to an app on undici's dispatcher: hands the request over and streams the answer through the relay
// (relay.ts), with backpressure both ways. A request that gets no answer goes to the transport's `failed`.
import type { IncomingHttpHeaders } from "node:http";
import { PassThrough } from "node:stream";
import type { Dispatcher } from "undici";
import { countRequestBytes, type HttpExchange } from "./exchange.ts";
import { cutResponse, hasNoBody, refuseUpstreamAnswer, relayHead } from "./relay.ts";
import type { UpstreamFailed } from "./transport.ts";

const CONNECTION = "connection";

/** undici's (legacy) dispatch handler, the interface its core calls directly: the raw head, chunks as they arrive. */
export class UndiciRequest implements Dispatcher.DispatchHandler {
  readonly #exchange: HttpExchange;
  readonly #failed: UpstreamFailed;
  #abort: ((error?: Error) => void) | undefined = undefined;
  /** An abort asked for before undici had written the request (still connecting). */
  #abortPending: Error | undefined = undefined;
  #streaming = false;
  #done = false;

  constructor(exchange: HttpExchange, failed: UpstreamFailed) {
    this.#exchange = exchange;
    this.#failed = failed;
  }

  /** undici's options for this request: the path and headers as rewritten, the body streamed if there is one. */
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
      // undici frames a streamed body itself (chunked, or exactly Content-Length bytes) and refuses this header.
      if (req.headers["transfer-encoding"] !== undefined) delete req.headers["transfer-encoding"];
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
      this.#stop();
      refuseUpstreamAnswer(exchange, "invalid response head");
      return false;
    }
    const raw = new Array<string>(rawHeaders.length);
    let connection: string | undefined;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = (raw[i] = rawHeaders[i].toString("latin1"));
      const value = (raw[i + 1] = rawHeaders[i + 1].toString("latin1"));
      if (name.length === CONNECTION.length && name.toLowerCase() === CONNECTION) connection = connection === undefined ? value : `${connection}, ${value}`;
    }
    if (!relayHead(exchange, statusCode, statusText, raw, connection)) {
      this.#stop();
      return false;
    }
    if (hasNoBody(statusCode, exchange.method)) {
      // The response is whole, whatever the head says (undici may still fail on stray bytes after it).
      this.#done = true;
      exchange.res.end();
      return true;
    }
    this.#streaming = true;
    exchange.res.on("drain", resume);
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
    if (this.#streaming) return cutResponse(this.#exchange, "reset");
    this.#failed(this.#exchange, error);
  }

  /** Nothing more of this answer is wanted (the relay answered or the client is gone): end the request to the app. */
  #stop(): void {
    this.#done = true;
    this.#abort?.();
  }
}

/** An HTTP/2 request's headers as an HTTP/1.1 app gets them: without `:method`, `:path` and the other pseudo-headers. */
function withoutPseudoHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) if (name[0] !== ":") out[name] = headers[name];
  return out;
}
