// The HTTPS listener: node:http2 with allowHTTP1, so ALPN offers h2 and http/1.1 on one port, certificates chosen
// by SNI. Strict SNI: a name no certificate covers, or a handshake without a name, gets no certificate at all.
// A name no certificate covers is refused with a fatal unrecognized_name alert (RFC 6066 §3), as HAProxy's
// strict-sni does it; Node has no API for that alert, so alert.ts writes it under the TLS layer.
// A ClientHello without SNI gets OpenSSL's own fatal handshake_failure (no certificate to offer), not
// unrecognized_name: that alert says "I do not know the name you sent", and no name was sent (RFC 8446 §9.2 would
// have a server that requires SNI send missing_extension instead). Node never calls the SNI callback without a
// name, so either alert there would take a ClientHello parser in front of every connection, for clients (scanners,
// https://IP) that learn no more from it. HAProxy's strict-sni sends unrecognized_name there too; zoo does not.
import type * as http2 from "node:http2";
import type { ServerHttp2Session } from "node:http2";
import { http2Module } from "../builtins.ts";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { SecureContext, TLSSocket } from "node:tls";
import { keepAccepting } from "../descriptors.ts";
import type { Logger } from "../log.ts";
import { UNRECOGNIZED_NAME, writeAlertUnder } from "./alert.ts";

/** What one client may hold, shared with the plain listener (the proxy's ClientLimits, proxy/limits.ts). */
export interface ConnectionLimits {
  /** Counts a new connection, or closes it at once when too many are open (false). */
  admit(socket: Socket): boolean;
  /** Closes a connection that sends no complete request head in time. */
  awaitHead(socket: Socket): void;
  /** Idle timeout and stream accounting of an HTTP/2 session. */
  watchSession(session: ServerHttp2Session): void;
  /** The node:http server timeouts (headers, keep-alive) the limits ask for. */
  readonly serverTimeouts: object;
  readonly http2MaxStreams: number;
}

export interface TlsListenerOptions {
  /** The context for an SNI name, or undefined to refuse the handshake. */
  contextFor: (servername: string) => SecureContext | undefined;
  /** A handshake not done within this many milliseconds is dropped. */
  handshakeTimeout: number;
  /** OpenSSL cipher list and oldest version; default Node's. Set on the server: an SNI context keeps them. */
  ciphers?: string;
  minVersion?: "TLSv1.2" | "TLSv1.3";
  /** Strict-Transport-Security value for every response on this listener; undefined: none. */
  hsts?: string;
  onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** HTTP/1.1 upgrades (WebSockets) on the TLS port. */
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  log: Logger;
  /** Shared with the plain listener: the connection count, the header and idle timeouts, HTTP/2 streams. */
  limits: ConnectionLimits;
}

const REFUSAL_LOG_MS = 10_000;

class UnknownServerName extends Error {
  readonly code = "ZOO_TLS_UNKNOWN_NAME";
  constructor(servername: string) {
    super(`no certificate covers ${JSON.stringify(servername)}`);
  }
}

export class TlsListener {
  readonly #options: TlsListenerOptions;
  readonly #server: http2.Http2SecureServer;
  /** Open TLS connections (HTTP/1.1 and HTTP/2) and HTTP/2 sessions, for closing. */
  readonly #sockets = new Set<TLSSocket>();
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  #refusals = 0;
  port = 0;

  constructor(options: TlsListenerOptions) {
    this.#options = options;
    const { limits } = options;
    this.#server = http2Module().createSecureServer(
      {
        allowHTTP1: true,
        // No default certificate: a ClientHello without SNI finds none and the handshake fails (strict SNI).
        // Node calls this with the TLSSocket as `this`; a name no certificate covers gets an unrecognized_name alert
        // on the wire, then the error ends the connection (and reaches tlsClientError, which logs it).
        SNICallback(this: unknown, servername: string, callback: (error: Error | null, context?: SecureContext) => void) {
          const context = options.contextFor(servername);
          if (context) return callback(null, context);
          writeAlertUnder(this, UNRECOGNIZED_NAME);
          callback(new UnknownServerName(servername));
        },
        handshakeTimeout: options.handshakeTimeout,
        ...(options.ciphers !== undefined && { ciphers: options.ciphers }),
        ...(options.minVersion !== undefined && { minVersion: options.minVersion }),
        // Small responses go out at once (Nagle with delayed ACKs costs ~40 ms a request), as node:http does.
        noDelay: true,
        // Streams beyond it are refused (REFUSED_STREAM) instead of becoming more requests to the apps.
        settings: { maxConcurrentStreams: limits.http2MaxStreams },
        // HTTP/1.1 over TLS: the plain listener's limits (Node reads them here; its HTTP/2 types do not list them).
        ...limits.serverTimeouts,
      },
      withHsts(options.onRequest, options.hsts) as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
    );
    this.#server.on("upgrade", options.onUpgrade);
    this.#server.on("tlsClientError", this.#onTlsError);
    this.#server.on("connection", (socket: Socket) => {
      socket.on("error", noop);
      limits.admit(socket);
    });
    keepAccepting(this.#server, "HTTPS listener", options.log);
    this.#server.on("secureConnection", (socket: TLSSocket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
      if (socket.alpnProtocol !== "h2") limits.awaitHead(socket);
    });
    this.#server.on("session", (session: http2.ServerHttp2Session) => {
      this.#sessions.add(session);
      session.once("close", () => this.#sessions.delete(session));
      limits.watchSession(session);
    });
    // A broken frame or a client's reset ends that session or stream only.
    this.#server.on("sessionError", noop);
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen({ host, port }, () => {
        this.#server.off("error", reject);
        this.port = (this.#server.address() as { port: number }).port;
        resolve(this.port);
      });
    });
  }

  /** Stops accepting; HTTP/2 sessions get a GOAWAY and finish their streams. Resolves once every connection is gone. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
    });
    for (const session of this.#sessions) session.close();
    return closed;
  }

  /** What is still open after the drain. */
  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  /** A refused handshake is logged: the first in each 10 s, then how many more there were (a flood stays short). */
  readonly #onTlsError = (error: Error & { code?: string }, socket: TLSSocket): void => {
    socket.destroy();
    // A client that goes away mid-handshake (or right after it, before the server's side is done) is no refusal.
    if (error.code === "ECONNRESET" || error.code === "EPIPE") return;
    if (this.#refusals++ > 0) return;
    const servername = (socket as TLSSocket & { servername?: string | false }).servername || undefined;
    const why =
      error.code === "ZOO_TLS_UNKNOWN_NAME"
        ? error.message
        : error.code === "ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM" || error.code === "ERR_SSL_NO_SHARED_CIPHER"
          ? "no SNI name (zoo serves no certificate without one)"
          : (error.code ?? error.message);
    this.#options.log.zoo("warn", `TLS handshake refused${servername ? ` for ${servername}` : ""}: ${why}`);
    setTimeout(() => {
      if (this.#refusals > 1) this.#options.log.zoo("warn", `${this.#refusals - 1} more TLS handshakes refused in ${REFUSAL_LOG_MS / 1000}s`);
      this.#refusals = 0;
    }, REFUSAL_LOG_MS).unref();
  };
}

function noop() {}

/** Sets Strict-Transport-Security first, so that every answer has it, and an app's own value replaces zoo's. */
function withHsts(onRequest: TlsListenerOptions["onRequest"], hsts: string | undefined): TlsListenerOptions["onRequest"] {
  if (hsts === undefined) return onRequest;
  return (req, res) => {
    res.setHeader("strict-transport-security", hsts);
    onRequest(req, res);
  };
}
