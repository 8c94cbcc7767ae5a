// The route table's entries: each config route with what its requests need computed once, one shape per kind.
import type { Route } from "../config/types.ts";
import type { Destination } from "./client.ts";

interface Labelled {
  prefix: string;
  /** "route /node → app node": names the route and what it leads to, in every error page and log line. */
  label: string;
}

export type AppRoute = Labelled & { kind: "app"; app: string; stripPrefix: boolean };
export type OriginRoute = Labelled & { kind: "proxy"; stripPrefix: boolean; destination: Destination };
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

/** `destinationOf` builds the upstream client's settings for an outside origin. */
export function prepareRoute(route: Route, destinationOf: (origin: URL) => Destination): PreparedRoute {
  const { prefix } = route;
  switch (route.kind) {
    case "app":
      return { kind: "app", prefix, label: `route ${prefix} → app ${route.app}`, app: route.app, stripPrefix: route.stripPrefix };
    case "redirect": {
      // The target's own query (if any) goes after the appended path, merged with the request's.
      const [, target = "", query = ""] = /^([^?#]*)(\?[^#]*)?/.exec(route.to) ?? [];
      const base = target.replace(/\/+$/, "");
      return { kind: "redirect", prefix, label: `route ${prefix} → redirect ${route.to}`, status: route.status, base, query };
    }
    case "static":
      return { kind: "static", prefix, label: `route ${prefix} → static ${route.dir}`, dir: route.dir };
    case "proxy": {
      const origin = new URL(route.target);
      return { kind: "proxy", prefix, label: `route ${prefix} → proxy ${origin.origin}`, stripPrefix: route.stripPrefix, destination: destinationOf(origin) };
    }
  }
}
