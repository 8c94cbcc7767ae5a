// The route table: a pure longest-prefix match on whole path segments.
// `/node` matches `/node`, `/node/` and `/node/x`, never `/nodejs`; `/` matches everything.
import type { Route } from "../config/schema.ts";

export interface RouteMatch {
  route: Route;
  /** The path after the prefix, always starting with "/" (what a stripping route forwards). */
  rest: string;
}

export interface RouteTable {
  /** `path` is a normalized path without its query string. */
  match(path: string): RouteMatch | undefined;
}

interface Entry {
  route: Route;
  prefix: string;
  /** `prefix + "/"`, computed once: the test for "a deeper path under this prefix". */
  prefixSlash: string;
}

/** Builds the table once; `match` does no allocation beyond its result. */
export function compileRoutes(routes: readonly Route[]): RouteTable {
  const entries: Entry[] = routes
    .map((route) => ({ route, prefix: route.prefix, prefixSlash: route.prefix === "/" ? "/" : route.prefix + "/" }))
    .sort((a, b) => b.prefix.length - a.prefix.length);

  return {
    match(path) {
      for (const { route, prefix, prefixSlash } of entries) {
        if (path === prefix) return { route, rest: "/" };
        if (path.startsWith(prefixSlash)) return { route, rest: prefix === "/" ? path : path.slice(prefix.length) };
      }
      return undefined;
    },
  };
}
