// What one client may hold of zoo, on both listeners: a connection slot (maxConnections, shared by the plain and the
// HTTPS listener), time to send a request head (headerTimeout), time idle between requests (keepAliveTimeout; for
// HTTP/2, time with no open stream). Node's own timers do the rest: a head begun but not finished in headerTimeout
// (headersTimeout, answered 408), the keep-alive wait after an HTTP/1 response (keepAliveTimeout).
import type { ServerHttp2Session, ServerHttp2Stream } from "node:http2";
import type { Socket } from "node:net";
import { LIMIT_DEFAULTS, type Limits } from "../config/types.ts";
import type { Logger } from "../log.ts";

const REFUSAL_LOG_MS = 10_000;
const kAwaitingHead = Symbol("zoo.awaitingHead");
type Watched = Socket & { [kAwaitingHead]?: boolean };
const kWatch = Symbol("zoo.sessionWatch");
/** An HTTP/2 session's open streams, and whether it has had one (its timer is then keepAliveTimeout). */
interface SessionWatch {
  open: number;
  started: boolean;
}
type Watching<T> = T & { [kWatch]?: SessionWatch };

function onStreamClose(this: Watching<ServerHttp2Stream>): void {
  this[kWatch]!.open--;
}

/** The node:http server settings that carry these limits (also set on the HTTPS listener for its HTTP/1.1 side). */
export function serverTimeouts(limits: Limits) {
  return {
    // No whole-request limit: a large upload on a slow link is a normal request for a proxy (bodyTimeout bounds a
    // body that stops).
    requestTimeout: 0,
    headersTimeout: limits.headerTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
    // How often Node looks for heads that are late (its default, 30 s, would let one live 90 s with a 60 s limit).
    connectionsCheckingInterval: Math.max(100, Math.min(5000, Math.floor(limits.headerTimeout / 4))),
  };
}

export class ClientLimits {
  readonly limits: Limits;
  readonly #log: Logger;
  readonly #onRefused: (() => void) | undefined;
  #open = 0;
  /** Connections refused since the last log line (the first of a burst is logged, then a count every 10 s). */
  #refusedSinceLog = 0;

  constructor(limits: Limits | undefined, log: Logger, onRefused?: () => void) {
    this.limits = limits ?? LIMIT_DEFAULTS;
    this.#log = log;
    this.#onRefused = onRefused;
  }

  /** The node:http server options for these limits (both listeners). */
  get serverTimeouts(): ReturnType<typeof serverTimeouts> {
    return serverTimeouts(this.limits);
  }

  get http2MaxStreams(): number {
    return this.limits.http2MaxStreams;
  }

  /** Client connections open now, on both listeners. */
  get open(): number {
    return this.#open;
  }

  /** A new TCP connection on either listener: counted, or closed at once when maxConnections are open (false). */
  readonly admit = (socket: Socket): boolean => {
    if (this.#open >= this.limits.maxConnections) {
      socket.destroy();
      this.#refused();
      return false;
    }
    this.#open++;
    socket.once("close", this.#closed);
    return true;
  };

  /** A plain connection: counted, and closed when it sends no request head in time. */
  readonly onPlainConnection = (socket: Socket): void => {
    if (this.admit(socket)) this.awaitHead(socket);
  };

  /**
   * An HTTP/1 connection that has sent no request yet: closed after headerTimeout of silence. Node's headersTimeout
   * only counts from a request's first byte, so a connection that sends nothing would otherwise stay forever.
   */
  awaitHead(socket: Socket): void {
    (socket as Watched)[kAwaitingHead] = true;
    socket.setTimeout(this.limits.headerTimeout);
  }

  /** A request head arrived on an HTTP/1 connection: from here Node's keep-alive and header timers apply. */
  headReceived(socket: Socket): void {
    if ((socket as Watched)[kAwaitingHead] !== true) return;
    (socket as Watched)[kAwaitingHead] = false;
    socket.setTimeout(0);
  }

  /**
   * An HTTP/2 connection: closed (GOAWAY) when it opens no stream within headerTimeout, and after keepAliveTimeout
   * with no stream open. Node's session timer counts from the last frame either way; streams still open when it
   * fires keep the connection (their frames start the timer again).
   */
  watchSession(session: ServerHttp2Session): void {
    const watch: SessionWatch = { open: 0, started: false };
    (session as Watching<ServerHttp2Session>)[kWatch] = watch;
    session.setTimeout(this.limits.headerTimeout, () => {
      if (watch.open === 0 && !session.closed && !session.destroyed) session.close();
    });
    session.on("stream", this.#onStream);
  }

  readonly #onStream = (stream: ServerHttp2Stream): void => {
    const session = stream.session as Watching<ServerHttp2Session>;
    const watch = session[kWatch]!;
    watch.open++;
    if (!watch.started) {
      watch.started = true;
      session.setTimeout(this.limits.keepAliveTimeout);
    }
    (stream as Watching<ServerHttp2Stream>)[kWatch] = watch;
    stream.once("close", onStreamClose);
  };

  readonly #closed = (): void => {
    this.#open--;
  };

  #refused(): void {
    this.#onRefused?.();
    if (this.#refusedSinceLog++ > 0) return;
    this.#log.zoo("warn", `client connection refused: ${this.#open} open (limits.maxConnections ${this.limits.maxConnections})`);
    setTimeout(() => {
      if (this.#refusedSinceLog > 1) this.#log.zoo("warn", `${this.#refusedSinceLog - 1} more client connections refused in ${REFUSAL_LOG_MS / 1000}s (limits.maxConnections)`);
      this.#refusedSinceLog = 0;
    }, REFUSAL_LOG_MS).unref();
  }
}
