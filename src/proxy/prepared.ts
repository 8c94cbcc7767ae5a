// The route table's entries: each config route with what its requests need computed once, one shape per kind.
import type { Route } from "../config/types.ts";
import type { OriginDestination } from "./destination.ts";

interface Labelled {
  prefix: string;
  /** The route's host ("api.example.com", "*.example.com"); absent: any host. */
  host?: string;
  /** "route /node → app node": names the route and what it leads to, in every error page and log line. */
  label: string;
}

export type AppRoute = Labelled & { kind: "app"; app: string; stripPrefix: boolean };
export type OriginRoute = Labelled & { kind: "proxy"; stripPrefix: boolean; destination: OriginDestination };
export type RedirectRoute = Labelled & {
  kind: "redirect";
  status: 301 | 302 | 307 | 308;
  /** The target without its trailing slashes and its query. */
  base: string;
  /** The target's own query: "" or "?…". */
  query: string;
};
export type StaticRoute = Labelled & { kind: "static"; dir: string };
export type PreparedRoute = AppRoute | OriginRoute | RedirectRoute | StaticRoute;

export function prepareRoute(route: Route): PreparedRoute {
  const { host } = route;
  // The prefix as the table matches it; labels name the route as the config keys it, host included.
  const prefix = route.prefix;
  const key = (host ?? "") + prefix;
  const scoped = <T extends PreparedRoute>(prepared: T): T => (host === undefined ? prepared : { ...prepared, host });
  // Every entry has the key, set or not, so that the hot path reads it from objects of the same shapes.
  return scoped(prepare(route, prefix, key));
}

function prepare(route: Route, prefix: string, key: string): PreparedRoute {
  switch (route.kind) {
    case "app":
      return { kind: "app", prefix, label: `route ${key} → app ${route.app}`, app: route.app, stripPrefix: route.stripPrefix };
    case "redirect": {
      // The target's own query (if any) goes after the appended path, merged with the request's.
      const [, target = "", query = ""] = /^([^?#]*)(\?[^#]*)?/.exec(route.to) ?? [];
      const base = target.replace(/\/+$/, "");
      return { kind: "redirect", prefix, label: `route ${key} → redirect ${route.to}`, status: route.status, base, query };
    }
    case "static":
      // The label is shown to clients: it names the route, never the directory's absolute path on this server.
      return { kind: "static", prefix, label: `route ${key} → static files`, dir: route.dir };
    case "proxy": {
      const origin = new URL(route.target);
      return { kind: "proxy", prefix, label: `route ${key} → proxy ${origin.origin}`, stripPrefix: route.stripPrefix, destination: { kind: "origin", url: origin } };
    }
  }
}
