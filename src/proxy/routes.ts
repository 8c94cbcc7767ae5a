// The route table: a pure longest-prefix match on whole path segments.
// `/node` matches `/node`, `/node/` and `/node/x`, never `/nodejs`; `/` matches everything.
import type { Route } from "../config/types.ts";

/** Anything with a normalized prefix: "/" or "/a/b" (no trailing slash). */
export interface Prefixed {
  prefix: string;
}

export interface RouteMatch<R extends Prefixed = Route> {
  route: R;
  /** The path after the prefix, always starting with "/" (what a stripping route forwards). */
  rest: string;
}

export interface RouteTable<R extends Prefixed = Route> {
  /** `path` is a normalized path without its query string. */
  match(path: string): RouteMatch<R> | undefined;
}

/** Builds the table once; `match` allocates nothing but its result. */
export function compileRoutes<R extends Prefixed>(routes: readonly R[]): RouteTable<R> {
  const entries = routes
    .map((route) => ({ route, prefix: route.prefix, deeper: route.prefix === "/" ? "/" : route.prefix + "/" }))
    .sort((a, b) => b.prefix.length - a.prefix.length);

  return {
    match(path) {
      for (const { route, prefix, deeper } of entries) {
        if (path === prefix) return { route, rest: "/" };
        if (path.startsWith(deeper)) return { route, rest: prefix === "/" ? path : path.slice(prefix.length) };
      }
      return undefined;
    },
  };
}
