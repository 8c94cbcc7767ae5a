// What one exchange (an HTTP request or a WebSocket) was, once it is over: the access log and the metrics read this.

/** Why the upstream failed: refused (nothing listening), reset (it dropped the connection), timeout (no answer in time). */
export type UpstreamErrorKind = "refused" | "reset" | "timeout" | "other";

export interface ExchangeRecord {
  method: string;
  /** The request target as the client sent it. */
  path: string;
  /** The matched route's prefix, or "-" when none matched. */
  route: string;
  /** The app the route leads to, for app routes. */
  app?: string;
  /** The status sent to the client, 101 for a WebSocket session, 499 when the client left before its answer. */
  status: number;
  /** Request body bytes read from the client (for a WebSocket: bytes after the upgrade request's head). */
  bytesIn: number;
  /** Bytes written to the client, head included. */
  bytesOut: number;
  /** From the request's head to the end of the exchange. */
  durationMs: number;
  /** From the request's head to the response's head being written; absent when none was. */
  headersMs?: number;
  /** Set when an upstream failure decided the answer or cut the response. */
  upstreamError?: UpstreamErrorKind;
  /** Time the request was held waiting for a ready instance of its app. */
  heldMs?: number;
  /** The X-Request-Id sent to the app and back to the client. */
  requestId: string;
  websocket: boolean;
}

/** Told of every exchange exactly once at its start (once its route is known) and once at its end. */
export interface ExchangeObserver {
  start(info: { route: string; app?: string }): void;
  end(record: ExchangeRecord): void;
  /** A client connection was closed at once: limits.maxConnections were open. */
  connectionRefused?(): void;
}
