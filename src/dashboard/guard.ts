// Who may use the dashboard's API: the token when one is set, never a cross-site request (no CSRF from a page in
// the operator's browser), and, without a token, only a loopback Host (no DNS rebinding of 127.0.0.1 to a site).
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isLoopback } from "../config/listen.ts";

export interface Refused {
  status: number;
  error: string;
  headers?: Record<string, string>;
}

/** Sec-Fetch-Site values a browser sends for the page's own requests (and for one typed in the address bar). */
const OWN_SITE = new Set(["same-origin", "none"]);

/** An https Origin of the same host is the page served through a TLS-terminating proxy in front of the dashboard. */
export function guard(req: IncomingMessage, url: URL, token: string | undefined): Refused | undefined {
  const host = req.headers.host ?? "";
  if (token === undefined && !isLoopback(hostName(host))) {
    return { status: 403, error: `the dashboard has no token, so it answers only to a loopback Host (127.0.0.1, localhost), not "${host}"` };
  }
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && !OWN_SITE.has(site)) return { status: 403, error: `cross-site request refused (Sec-Fetch-Site: ${site})` };
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) return { status: 403, error: `cross-site request refused (Origin: ${origin})` };
  if (req.method === "POST" && !/^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? "")) {
    return { status: 415, error: "expected Content-Type: application/json" };
  }
  if (token !== undefined && !tokenMatches(presented(req, url), token)) {
    return {
      status: 401,
      error: "this dashboard needs its token: send Authorization: Bearer TOKEN",
      headers: { "www-authenticate": 'Bearer realm="zoo"' },
    };
  }
  return undefined;
}

/** The header's bearer token; a GET may carry it as ?token= instead (an EventSource cannot send headers). */
function presented(req: IncomingMessage, url: URL): string | undefined {
  const header = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim();
  if (header !== undefined) return header;
  return req.method === "GET" ? (url.searchParams.get("token") ?? undefined) : undefined;
}

/** Compared as hashes of equal length in constant time: the answer's timing says nothing about the token. */
function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** "127.0.0.1:9465" → "127.0.0.1", "[::1]:9465" → "::1". */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(host);
  return bracketed ? bracketed[1] : host.replace(/:\d+$/, "");
}
