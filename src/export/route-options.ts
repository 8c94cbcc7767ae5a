// A route's options (compress, basicAuth, headers, maxBodySize) in an export: as the front zoo's config states them,
// and what Gateway API can state of them (header rules, as RequestHeaderModifier / ResponseHeaderModifier filters).
import type { HeaderEdits, Route } from "../config/types.ts";
import { DEFAULT_COMPRESS_MIN_LENGTH, DEFAULT_COMPRESS_TYPES } from "../config/types.ts";

/** The route's options as the front zoo's config writes them; empty when it has none. */
export function rawRouteOptions(route: Route, inImage: (hostPath: string) => string): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const { compress, basicAuth, headers, maxBodySize } = route;
  if (compress) {
    const isDefault = compress.types.join() === DEFAULT_COMPRESS_TYPES.join() && compress.minLength === DEFAULT_COMPRESS_MIN_LENGTH;
    raw.compress = isDefault ? true : { types: compress.types, minLength: compress.minLength };
  }
  if (basicAuth) {
    // An htpasswd file is in the image, as static directories are: the front zoo reads the same file.
    const users = basicAuth.htpasswd ? { htpasswd: inImage(basicAuth.htpasswd) } : { users: basicAuth.users };
    raw.basicAuth = { realm: basicAuth.realm, ...users, ...(basicAuth.passAuthorization && { passAuthorization: true }) };
  }
  if (headers) raw.headers = headers;
  if (maxBodySize !== undefined) raw.maxBodySize = maxBodySize;
  return raw;
}

/** Why Gateway API cannot serve this route itself (the front zoo then serves it); undefined when it can. */
export function frontOnlyOptions(route: Route): string | undefined {
  const missing = [
    ...(route.basicAuth ? ["basic auth"] : []),
    ...(route.maxBodySize !== undefined ? ["maxBodySize"] : []),
    ...(route.compress ? ["compress"] : []),
  ];
  if (missing.length === 0) return undefined;
  return `${missing.join(", ")} (Gateway API has no portable filter for ${missing.length === 1 ? "it" : "them"})`;
}

/** RequestHeaderModifier and ResponseHeaderModifier filters for the route's header rules; `extraSet` joins the request's set. */
export function headerFilters(route: Route, extraSet: Array<{ name: string; value: string }> = []): Array<Record<string, unknown>> {
  const filters: Array<Record<string, unknown>> = [];
  const request = modifier(route.headers?.request, extraSet);
  if (request) filters.push({ type: "RequestHeaderModifier", requestHeaderModifier: request });
  const response = modifier(route.headers?.response, []);
  if (response) filters.push({ type: "ResponseHeaderModifier", responseHeaderModifier: response });
  return filters;
}

function modifier(edits: HeaderEdits | undefined, extraSet: Array<{ name: string; value: string }>): Record<string, unknown> | undefined {
  const set = [...extraSet, ...Object.entries(edits?.set ?? {}).map(([name, value]) => ({ name, value }))];
  const add = Object.entries(edits?.add ?? {}).map(([name, value]) => ({ name, value }));
  const remove = edits?.remove ?? [];
  if (set.length + add.length + remove.length === 0) return undefined;
  return { ...(set.length > 0 && { set }), ...(add.length > 0 && { add }), ...(remove.length > 0 && { remove }) };
}
