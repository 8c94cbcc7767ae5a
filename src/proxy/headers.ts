// Header rules for one hop (RFC 9110 §7.6.1): hop-by-hop headers never cross zoo, X-Forwarded-* describe
// the client as zoo saw it.
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";

const ALWAYS_HOP_BY_HOP = ["keep-alive", "proxy-connection", "te", "upgrade", "trailer", "transfer-encoding"];

/**
 * Removes hop-by-hop request headers in place. `TE: trailers` is kept (it asks for trailers end to end);
 * a WebSocket upgrade keeps `Connection: upgrade` and `Upgrade`. Transfer-Encoding stays: Node's client frames the
 * upstream body from it (undici frames a body itself and refuses the header: its transport drops it).
 */
export function removeRequestHopByHop(headers: IncomingHttpHeaders, websocket: boolean): void {
  const connection = headers.connection;
  if (connection !== undefined) {
    for (const name of connection.split(",")) {
      const token = name.trim().toLowerCase();
      if (token === "upgrade" && websocket) continue;
      // Host is no hop-by-hop header whatever a client says: the app always sees the client's Host.
      if (token === "host") continue;
      if (token !== "" && token !== "transfer-encoding" && headers[token] !== undefined) delete headers[token];
    }
    if (websocket) headers.connection = "upgrade";
    else delete headers.connection;
  }
  if (headers["keep-alive"] !== undefined) delete headers["keep-alive"];
  if (headers["proxy-connection"] !== undefined) delete headers["proxy-connection"];
  if (headers.te !== undefined) {
    if (/(^|,)\s*trailers\s*(;|,|$)/i.test(String(headers.te))) headers.te = "trailers";
    else delete headers.te;
  }
  if (!websocket && headers.upgrade !== undefined) delete headers.upgrade;
  // zoo already answered `Expect: 100-continue` for its hop (Node sends the 100 itself).
  if (headers.expect !== undefined) delete headers.expect;
  // zoo relays no request trailers, so it must not announce them (Node's client drops them, undici sends none).
  if (headers.trailer !== undefined) delete headers.trailer;
}

/**
 * Response headers without hop-by-hop ones, as a flat [name, value, …] list that keeps the upstream's
 * spelling and repeated headers (Set-Cookie). Node adds its own Connection and framing. The exchange's
 * X-Request-Id replaces any the upstream sent, so the client sees the ID zoo logged.
 */
export function responseHeaders(rawHeaders: string[], connection: string | string[] | undefined, requestId: string): string[] {
  // Most responses say just "keep-alive" or "close": no other header is named, nothing to parse.
  const named =
    connection === undefined || connection === "keep-alive" || connection === "close"
      ? undefined
      : new Set(String(connection).toLowerCase().split(/\s*,\s*/));
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (name === "connection" || ALWAYS_HOP_BY_HOP.includes(name) || named?.has(name) || name === "x-request-id") {
      // Trailer is end to end, but zoo does not relay trailers, so it must not announce them.
      continue;
    }
    out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  out.push("X-Request-Id", requestId);
  return out;
}

/** Sets X-Forwarded-For/-Proto/-Host (and -Prefix when a prefix was stripped). */
export function setForwardedHeaders(req: IncomingMessage, trustProxy: boolean, strippedPrefix: string | undefined): void {
  const headers = req.headers;
  const client = req.socket.remoteAddress ?? "";
  const proto = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  const sentFor = headers["x-forwarded-for"];
  if (trustProxy) {
    headers["x-forwarded-for"] = sentFor ? `${sentFor}, ${client}` : client;
    headers["x-forwarded-proto"] ??= proto;
    if (headers.host !== undefined) headers["x-forwarded-host"] ??= headers.host;
    if (strippedPrefix !== undefined) headers["x-forwarded-prefix"] = String(headers["x-forwarded-prefix"] ?? "").replace(/\/$/, "") + strippedPrefix;
  } else {
    headers["x-forwarded-for"] = client;
    headers["x-forwarded-proto"] = proto;
    if (headers.host !== undefined) headers["x-forwarded-host"] = headers.host;
    else delete headers["x-forwarded-host"]; // HTTP/1.0 may come without a Host: nothing to forward
    if (strippedPrefix !== undefined) headers["x-forwarded-prefix"] = strippedPrefix;
    else if (headers["x-forwarded-prefix"] !== undefined) delete headers["x-forwarded-prefix"];
    if (headers.forwarded !== undefined) delete headers.forwarded;
  }
}

/**
 * An HTTP/2 request gets the `Host` an HTTP/1.1 request would carry, from `:authority`, so routing and
 * X-Forwarded-Host read one header. The pseudo-headers stay: Node's request object reads its method and URL from
 * them; http-proxy-3 leaves them (and connection-specific headers, which HTTP/2 forbids anyway) out of the request
 * it sends upstream.
 */
export function hostFromAuthority(headers: IncomingHttpHeaders): void {
  const authority = headers[":authority"];
  if (headers.host === undefined && typeof authority === "string") headers.host = authority;
}
