// zoo's routes as Gateway API (v1) HTTPRoutes. PathPrefix matches whole segments and the longest wins, as in zoo;
// what Gateway API cannot state portably goes to the front zoo, with a comment that says why.
import { isIP } from "node:net";
import type { Route } from "../config/types.ts";
import { FRONT, type ExportPlan } from "./plan.ts";
import { frontOnlyOptions, headerFilters } from "./route-options.ts";

/** At most this many rules in one HTTPRoute (the API server's limit). */
export const MAX_RULES = 16;

export interface Rule {
  rule: Record<string, unknown>;
  /** The route's host, as the config's Route has it ("api.example.com", "*.example.com"); undefined: any host. */
  host?: string;
  prefix: string;
  /** Why this route is served by the front zoo, or a note on how it maps; a YAML comment beside the rule. */
  comment?: string;
}

export interface RoutePlan {
  rules: Rule[];
  /** The routes the front zoo serves; empty when Gateway API states them all. */
  frontRoutes: Route[];
}

export function planRoutes(plan: ExportPlan): RoutePlan {
  const rules: Rule[] = [];
  const frontRoutes: Route[] = [];
  const toFront = (route: Route, why: string) => {
    frontRoutes.push(route);
    rules.push({ ...at(route), rule: { matches: [prefixMatch(route.prefix)], backendRefs: [{ name: FRONT, port: plan.frontPort }] }, comment: `served by the front zoo: ${why}` });
  };
  const at = ({ host, prefix }: Route) => ({ host, prefix });
  // Longest prefix first: Gateway API picks the longest match anyway; this order reads like zoo's.
  const routes = [...plan.config.routes].sort((a, b) => b.prefix.length - a.prefix.length || a.prefix.localeCompare(b.prefix));
  for (const route of routes) {
    switch (route.kind) {
      case "app": {
        const target = plan.byName.get(route.app);
        if (!target) {
          toFront(route, `app ${route.app} is fronted by url, so it has no Service here`);
          break;
        }
        const frontOnly = frontOnlyOptions(route);
        if (frontOnly) {
          toFront(route, frontOnly);
          break;
        }
        const backendRefs = [{ name: target.service, port: target.port }];
        if (!route.stripPrefix) {
          const filters = headerFilters(route);
          rules.push({ ...at(route), rule: { matches: [prefixMatch(route.prefix)], ...(filters.length > 0 && { filters }), backendRefs } });
          break;
        }
        const filters = [
          { type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } } },
          ...headerFilters(route, [{ name: "X-Forwarded-Prefix", value: route.prefix }]),
        ];
        rules.push({
          ...at(route),
          rule: { matches: [prefixMatch(route.prefix)], filters, backendRefs },
          comment: "stripPrefix; zoo's X-Forwarded-Prefix is set here, and a gateway may still add or replace X-Forwarded-* headers",
        });
        break;
      }
      case "redirect": {
        const redirect = requestRedirect(route.to, route.status);
        if (typeof redirect === "string") toFront(route, redirect);
        else rules.push({ ...at(route), rule: { matches: [prefixMatch(route.prefix)], filters: [{ type: "RequestRedirect", requestRedirect: redirect }] } });
        break;
      }
      case "proxy":
        toFront(route, `a proxy to the outside origin ${route.target} (Gateway API has no portable way to reach one)`);
        break;
      case "static":
        toFront(route, "static files (Gateway API serves no files)");
        break;
    }
  }
  return { rules, frontRoutes };
}

function prefixMatch(prefix: string): Record<string, unknown> {
  return { path: { type: "PathPrefix", value: prefix } };
}

/**
 * zoo's redirect (the rest of the path appended to the target's path, the query kept) as a RequestRedirect filter,
 * or why it cannot be one: a query or fragment in the target, or a status other than 301/302 (303/307/308 only
 * from Gateway API v1.5).
 */
function requestRedirect(to: string, status: number): Record<string, unknown> | string {
  if (status !== 301 && status !== 302) return `redirect status ${status} (RequestRedirect states 301 and 302 before Gateway API v1.5)`;
  if (/[?#]/.test(to)) return `a redirect target with a query or fragment (${to}), which RequestRedirect cannot state`;
  // A path on the same host ("/new"): no scheme, host or port, so the gateway keeps the request's.
  if (to.startsWith("/")) return { path: replacePrefix(to), statusCode: status };
  const url = new URL(to);
  if (url.username !== "" || url.password !== "") return "a redirect target with credentials, which RequestRedirect cannot state";
  if (isIP(url.hostname.replace(/^\[(.*)\]$/, "$1")) !== 0) return `a redirect to an IP address (${url.hostname}): RequestRedirect takes a host name`;
  return {
    scheme: url.protocol.slice(0, -1),
    hostname: url.hostname,
    ...(url.port !== "" && { port: Number(url.port) }),
    path: replacePrefix(url.pathname),
    statusCode: status,
  };
}

/** The matched prefix replaced by the target's path, without its trailing slashes, as zoo's proxy joins them. */
function replacePrefix(path: string): Record<string, unknown> {
  return { type: "ReplacePrefixMatch", replacePrefixMatch: path.replace(/\/+$/, "") || "/" };
}

/** The rules split into HTTPRoutes of at most MAX_RULES rules: "zoo", "zoo-2", … */
export function chunkRules(rules: Rule[]): Rule[][] {
  const chunks: Rule[][] = [];
  for (let i = 0; i < rules.length; i += MAX_RULES) chunks.push(rules.slice(i, i + MAX_RULES));
  return chunks;
}
