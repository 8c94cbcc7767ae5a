// The request as the upstream sees it, whichever transport carries it: its path (prefix stripped or not, query as
// sent) and its headers (hop-by-hop removed, X-Forwarded-*, X-Request-Id). A transport that frames the body itself
// (undici) drops Transfer-Encoding on its own (undici-transport.ts).
import type { IncomingMessage } from "node:http";
import { removeRequestHopByHop, setForwardedHeaders } from "./headers.ts";
import { collapseLeadingSlashes, type Target } from "./paths.ts";
import type { AppRoute, OriginRoute } from "./prepared.ts";

export interface Forwarding {
  route: AppRoute | OriginRoute;
  /** The path after the route's prefix (what a stripping route forwards). */
  rest: string;
  target: Target;
  websocket: boolean;
  trustProxy: boolean;
  requestId: string;
}

/** Rewrites the request in place as the upstream sees it: its path (prefix stripped or not, query as sent) and headers. */
export function rewriteForUpstream(req: IncomingMessage, { route, rest, target, websocket, trustProxy, requestId }: Forwarding): void {
  // "/node//evil" stripped would hand the app "//evil", which many apps read as a protocol-relative URL.
  req.url = (route.stripPrefix ? collapseLeadingSlashes(rest) : target.path) + target.query;
  if (target.authority !== undefined) req.headers.host = target.authority;
  removeRequestHopByHop(req.headers, websocket);
  setForwardedHeaders(req, trustProxy, route.stripPrefix ? route.prefix : undefined);
  req.headers["x-request-id"] = requestId;
}

/**
 * The request comes with a body (read from its head, before zoo removes any framing header). An HTTP/2 request has
 * one unless its HEADERS frame ended the stream: it need not say Content-Length.
 */
export function hasRequestBody(req: IncomingMessage): boolean {
  if (req.httpVersionMajor === 2) return !(req as unknown as { stream: { endAfterHeaders: boolean } }).stream.endAfterHeaders;
  return req.headers["transfer-encoding"] !== undefined || (req.headers["content-length"] ?? "0") !== "0";
}
