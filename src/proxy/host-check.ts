// The host a request names, checked before routing. A request names one host, well formed (RFC 9110 §7.2), and on
// HTTP/2 its `host` agrees with :authority (RFC 9113 §8.3.1): else 400, as nginx and Go answer. On TLS, the host
// must be one the connection's certificate covers: a browser reuses a connection for any name its certificate covers,
// and a request for another name (SNI a.test, Host b.test) is answered 421 Misdirected Request (RFC 9110 §15.5.20),
// never served by that name's route over a connection set up for a different site.
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { normalizeTarget } from "./paths.ts";
import { requestHost } from "./routes.ts";

export interface HostRefusal {
  status: 400 | 421;
  detail: string;
}

/** A reg-name, IPv4 or IP-literal, then an optional port (RFC 3986 §3.2.2); empty is allowed (RFC 9112 §3.2). */
const VALID_HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]*)(?::[0-9]{0,5})?$/;

/** Why zoo refuses the request's host, or undefined. HTTP/2: before `host` is filled in from :authority. */
export function hostRefusal(req: IncomingMessage): HostRefusal | undefined {
  const headers = req.headers;
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 4 && raw[i].toLowerCase() === "host") hosts++;
  if (hosts > 1) return { status: 400, detail: "more than one Host header" };
  const host = headers.host;
  if (host === undefined) return undefined;
  if (!VALID_HOST.test(host)) return { status: 400, detail: "the Host header is not a host[:port]" };
  if (req.httpVersionMajor === 2) {
    const authority = headers[":authority"];
    if (typeof authority === "string" && authority.toLowerCase() !== host.toLowerCase()) return { status: 400, detail: "the host header differs from :authority" };
  }
  return undefined;
}

/** The DNS names of the certificate each TLS connection (an HTTP/1.1 socket, an HTTP/2 session) was set up with. */
const certificateNames = new WeakMap<object, string[]>();

/** 421 when the request is for a host the TLS connection's certificate does not cover; undefined on plain HTTP. */
export function misdirected(req: IncomingMessage): HostRefusal | undefined {
  const connection: object = req.httpVersionMajor === 2 ? (req as unknown as { stream: { session: object } }).stream.session : req.socket;
  if (req.httpVersionMajor !== 2 && !(req.socket as TLSSocket).encrypted) return undefined;
  const url = req.url ?? "/";
  const authority = url.charCodeAt(0) === 47 /* / */ ? req.headers.host : (normalizeTarget(url)?.authority ?? req.headers.host);
  if (authority === undefined) return undefined;
  const host = requestHost(authority);
  let names = certificateNames.get(connection);
  if (names === undefined) {
    const socket = (req.httpVersionMajor === 2 ? (connection as { socket: TLSSocket }).socket : req.socket) as TLSSocket;
    names = dnsNamesOf(socket.getCertificate());
    certificateNames.set(connection, names);
  }
  if (covers(names, host)) return undefined;
  return { status: 421, detail: "this connection's certificate does not cover the requested host: open a new connection for it" };
}

function dnsNamesOf(certificate: { subjectaltname?: string } | null | object): string[] {
  const san = (certificate as { subjectaltname?: string } | null)?.subjectaltname ?? "";
  return san
    .split(/,\s*/)
    .filter((entry) => entry.startsWith("DNS:"))
    .map((entry) => entry.slice(4).toLowerCase().replace(/\.$/, ""));
}

/** An exact name, or a wildcard for its first label only (RFC 6125 §6.4.3), as certificates are chosen by SNI. */
function covers(names: string[], host: string): boolean {
  if (host === "") return false;
  if (names.includes(host)) return true;
  const dot = host.indexOf(".");
  return dot > 0 && names.includes("*" + host.slice(dot));
}
