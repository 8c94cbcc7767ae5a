// The route table: a pure match of (host, path) to a route.
// Hosts: an exact host first, then a wildcard `*.example.com` (one first label), then routes for any host.
// Paths: the longest prefix on whole segments — `/node` matches `/node`, `/node/` and `/node/x`, never `/nodejs`.
// When the most specific host has no prefix for the path, the next kind of host is tried.
import { domainToASCII } from "node:url";

/** Anything with a normalized prefix ("/" or "/a/b", no trailing slash) and, optionally, a normalized host. */
export interface Prefixed {
  prefix: string;
  /** Lowercase ASCII host ("api.example.com") or wildcard ("*.example.com"); undefined: any host. */
  host?: string;
}

export interface RouteMatch<R extends Prefixed> {
  route: R;
  /** The path after the prefix, always starting with "/" (what a stripping route forwards). */
  rest: string;
}

export interface RouteTable<R extends Prefixed> {
  /**
   * `host` is the request's Host header or :authority as sent (any case, maybe a port), undefined when absent;
   * `path` is a normalized path without its query string.
   */
  match(host: string | undefined, path: string): RouteMatch<R> | undefined;
}

type PathMatcher<R extends Prefixed> = (path: string) => RouteMatch<R> | undefined;

/** Builds the table once; `match` allocates nothing but its result (and a host string only for host tables). */
export function compileRoutes<R extends Prefixed>(routes: readonly R[]): RouteTable<R> {
  const byHost = new Map<string, R[]>();
  const anyHostRoutes: R[] = [];
  for (const route of routes) {
    if (route.host === undefined) anyHostRoutes.push(route);
    else byHost.set(route.host, [...(byHost.get(route.host) ?? []), route]);
  }
  const anyHost = compilePaths(anyHostRoutes);
  if (byHost.size === 0) return { match: (_host, path) => anyHost(path) };

  const hosts = new Map<string, PathMatcher<R>>();
  for (const [host, list] of byHost) hosts.set(host, compilePaths(list));
  return {
    match(rawHost, path) {
      const host = rawHost === undefined ? undefined : requestHost(rawHost);
      if (host) {
        const exact = hosts.get(host)?.(path);
        if (exact) return exact;
        const dot = host.indexOf(".");
        if (dot > 0) {
          const wildcard = hosts.get("*" + host.slice(dot))?.(path);
          if (wildcard) return wildcard;
        }
      }
      return anyHost(path);
    },
  };
}

function compilePaths<R extends Prefixed>(routes: readonly R[]): PathMatcher<R> {
  const entries = routes
    .map((route) => ({ route, prefix: route.prefix, deeper: route.prefix === "/" ? "/" : route.prefix + "/" }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return (path) => {
    for (const { route, prefix, deeper } of entries) {
      if (path === prefix) return { route, rest: "/" };
      if (path.startsWith(deeper)) return { route, rest: prefix === "/" ? path : path.slice(prefix.length) };
    }
    return undefined;
  };
}

/**
 * A Host header or :authority as the table compares it: without port and trailing dot, lowercase, an IDN in its
 * ASCII (punycode) form. "" for a host that is no DNS name (an IPv6 literal, garbage): it matches only any-host routes.
 */
export function requestHost(raw: string): string {
  let host = raw;
  if (host.startsWith("[")) return "";
  const colon = host.lastIndexOf(":");
  if (colon !== -1) host = host.slice(0, colon);
  if (host.endsWith(".")) host = host.slice(0, -1);
  // Plain ASCII names (nearly every request) need no URL parser.
  if (/^[a-z0-9.-]*$/.test(host)) return host;
  if (/^[A-Za-z0-9.-]*$/.test(host)) return host.toLowerCase();
  // A URL parser would read "evil.test/@x" as "evil.test": anything URL-like is no host.
  if (/[/\\?#@%\s[\]]/.test(host)) return "";
  return domainToASCII(host);
}
