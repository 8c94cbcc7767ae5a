// A fatal TLS alert for a handshake that zoo refuses before the server has said anything. Node's TLS has no API to
// send one (an SNICallback error ends the connection without a byte), so the alert record goes out as plaintext on
// the TCP socket under the TLSSocket: before the ServerHello, records are unencrypted in every TLS version, and the
// alert is exactly what OpenSSL writes in that place (`openssl s_server -servername_fatal` answers an unknown SNI
// name with these 7 bytes, record version 0x0303 for TLS 1.2 and 1.3 ClientHellos alike).
import { Socket } from "node:net";

/** RFC 6066 §3: the server does not recognize the name the client sent. */
export const UNRECOGNIZED_NAME = 112;

/** One alert record: content type alert (21), legacy version 3.3, length 2, level fatal (2), the description. */
export function alertRecord(description: number): Buffer {
  return Buffer.from([21, 0x03, 0x03, 0x00, 0x02, 2, description]);
}

/**
 * Writes a fatal alert on the TCP socket under a server-side TLSSocket whose handshake is paused in the SNI callback.
 * OpenSSL asks for the certificate while it processes the first ClientHello, before any flight of its own (even a
 * HelloRetryRequest comes later), so the alert is the first byte the server sends. The TLSSocket keeps that socket
 * as `_parent` (Node internals, there since the SNI callback exists; without it nothing is written and the refusal
 * stays a bare close). libuv tries the write at once, and 7 bytes into the empty send buffer of a socket that has
 * sent nothing leave then: the close the caller's callback makes comes after them, as a FIN.
 * Returns whether the alert was written.
 */
export function writeAlertUnder(tlsSocket: unknown, description: number): boolean {
  const raw = (tlsSocket as { _parent?: unknown } | undefined)?._parent;
  if (!(raw instanceof Socket) || raw.destroyed || !raw.writable) return false;
  raw.write(alertRecord(description));
  return true;
}
