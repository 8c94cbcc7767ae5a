// A route's optional features (compression, basic auth, header rules, a body size limit), compiled once when the
// route table is built. A route that uses none has no `features` at all, so its requests pay one property check.
import type { Route } from "../config/types.ts";
import { BasicAuthGuard } from "./basic-auth.ts";
import { refuseDeclaredBody } from "./body-limit.ts";
import { compileCompress, compressResponse, type CompiledCompress } from "./compress.ts";
import type { Exchange, HttpExchange } from "./exchange.ts";
import { compileEdits, editRequestHeaders, editResponseHead, type CompiledEdits } from "./header-rules.ts";
import { onResponseHead } from "./response-head.ts";

export interface RouteFeatures {
  auth?: BasicAuthGuard;
  compress?: CompiledCompress;
  requestHeaders?: CompiledEdits;
  responseHeaders?: CompiledEdits;
  maxBodySize?: number;
}

export function compileFeatures(route: Route): RouteFeatures | undefined {
  if (route.kind === "redirect") return undefined;
  const features: RouteFeatures = {};
  if (route.basicAuth) features.auth = new BasicAuthGuard(route.basicAuth);
  if (route.compress) features.compress = compileCompress(route.compress);
  if (route.headers?.request) features.requestHeaders = compileEdits(route.headers.request);
  if (route.headers?.response) features.responseHeaders = compileEdits(route.headers.response);
  if (route.maxBodySize !== undefined) features.maxBodySize = route.maxBodySize;
  return Object.keys(features).length === 0 ? undefined : features;
}

/**
 * Runs the features that come before the request goes on (basic auth, the declared body size), sets up those on the
 * response (header rules, compression), then calls `proceed`; or answers the request itself (401, 413) and does not.
 */
export function applyFeatures(exchange: Exchange, label: string, features: RouteFeatures, proceed: () => void): void {
  if (features.auth) return features.auth.check(exchange, () => afterAuth(exchange, label, features, proceed));
  afterAuth(exchange, label, features, proceed);
}

function afterAuth(exchange: Exchange, label: string, features: RouteFeatures, proceed: () => void): void {
  if (!exchange.websocket) {
    shapeResponse(exchange, features);
    if (features.maxBodySize !== undefined && refuseDeclaredBody(exchange, features.maxBodySize, label)) return;
  }
  proceed();
}

function shapeResponse({ req, res }: HttpExchange, { compress, responseHeaders }: RouteFeatures): void {
  const edit = responseHeaders === undefined ? undefined : (head: Parameters<typeof editResponseHead>[0]) => editResponseHead(head, responseHeaders);
  if (compress !== undefined && req.method !== "HEAD") compressResponse(res, req.headers["accept-encoding"] as string | undefined, compress, edit);
  else if (edit !== undefined) onResponseHead(res, (_status, head) => edit(head));
}

/** The route's request header rules, after zoo's own have been applied (forward.ts). */
export function applyRequestRules(exchange: Exchange, features: RouteFeatures | undefined): void {
  if (features?.requestHeaders) editRequestHeaders(exchange.req.headers, features.requestHeaders);
}
