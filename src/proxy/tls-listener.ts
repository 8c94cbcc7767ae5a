// The HTTPS listener: node:http2 with allowHTTP1, so ALPN offers h2 and http/1.1 on one port, certificates chosen
// by SNI. Strict SNI: a name no certificate covers, or a handshake without a name, gets no certificate at all.
import http2 from "node:http2";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { SecureContext, TLSSocket } from "node:tls";

export interface TlsListenerOptions {
  /** The context for an SNI name, or undefined to refuse the handshake. */
  contextFor: (servername: string) => SecureContext | undefined;
  /** A handshake not done within this many milliseconds is dropped. */
  handshakeTimeout: number;
  onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** HTTP/1.1 upgrades (WebSockets) on the TLS port. */
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** A failed handshake: refused name, garbage, timeout. For a log line; the socket is already gone. */
  onTlsError: (error: Error & { code?: string }, servername: string | undefined) => void;
  /** How long an HTTP/2 session or HTTP/1.1 connection may sit idle. */
  idleTimeout?: number;
}

export class UnknownServerName extends Error {
  readonly code = "ZOO_TLS_UNKNOWN_NAME";
  constructor(servername: string) {
    super(`no certificate covers ${JSON.stringify(servername)}`);
  }
}

export function createTlsListener(options: TlsListenerOptions): http2.Http2SecureServer {
  const server = http2.createSecureServer(
    {
      allowHTTP1: true,
      // No default certificate: a ClientHello without SNI finds none and the handshake fails (strict SNI).
      SNICallback(servername, callback) {
        const context = options.contextFor(servername);
        if (context) callback(null, context);
        else callback(new UnknownServerName(servername));
      },
      handshakeTimeout: options.handshakeTimeout,
      // Small responses go out at once (Nagle with delayed ACKs costs ~40 ms a request), as node:http does.
      noDelay: true,
      // Headers and body of HTTP/1.1 requests: the same limits as the plain listener.
      ...({ requestTimeout: 0, headersTimeout: 60_000 } as object),
    },
    options.onRequest as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  server.on("upgrade", options.onUpgrade);
  server.on("tlsClientError", (error: Error & { code?: string }, socket: TLSSocket) => {
    options.onTlsError(error, (socket as TLSSocket & { servername?: string | false }).servername || undefined);
    socket.destroy();
  });
  // A stream or session error (a client's RST_STREAM, a broken frame) must never take zoo down.
  server.on("sessionError", () => {});
  if (options.idleTimeout) server.setTimeout(options.idleTimeout);
  return server;
}
