// The HTTPRoutes of `zoo export kubernetes`: the rules grouped by host, since an HTTPRoute's `hostnames` apply to all
// its rules, and each group split over HTTPRoutes of at most MAX_RULES rules.
//
// zoo tries the request's exact host, then its wildcard, then the routes for any host, and falls to the next only
// when the more specific one has no prefix for the path. Gateway API picks the HTTPRoute with the most specific
// matching hostname, and implementations need not fall back from it to a less specific one. So each host's
// HTTPRoutes also carry the rules of the less specific hosts that zoo would fall back to: those whose prefix no more
// specific prefix covers (a covered one is never reached in zoo). The longest prefix then wins, as in zoo.
import { chunkRules, MAX_RULES, type Rule } from "./gateway.ts";
import { distinctLabels } from "./names.ts";
import { FRONT } from "./plan.ts";
import type { YamlDoc } from "./yaml.ts";

export interface HostGroup {
  /** undefined: the routes for any host (no `hostnames`). */
  host?: string;
  /** Its own rules, then those it falls back to, longest prefix first. */
  rules: Rule[];
}

/** The routes for any host first (as before hosts existed), then one group per host, in order of their names. */
export function groupByHost(rules: Rule[]): HostGroup[] {
  const own = (host: string | undefined) => rules.filter((rule) => rule.host === host);
  const hosts = [...new Set(rules.flatMap((rule) => (rule.host === undefined ? [] : [rule.host])))].sort();
  const groups: HostGroup[] = [];
  if (own(undefined).length > 0) groups.push({ rules: own(undefined) });
  for (const host of hosts) {
    const wildcard = wildcardOf(host);
    const tiers = [host, ...(wildcard !== undefined && hosts.includes(wildcard) ? [wildcard] : []), undefined];
    groups.push({ host, rules: withFallback(host, tiers.map(own)) });
  }
  return groups;
}

/** The wildcard that covers an exact host in zoo: "*." and all but its first label. */
function wildcardOf(host: string): string | undefined {
  const dot = host.indexOf(".");
  return host.startsWith("*.") || dot <= 0 ? undefined : `*${host.slice(dot)}`;
}

/** The tiers' rules, most specific first, without those a more specific prefix covers; longest prefix first. */
function withFallback(host: string, tiers: Rule[][]): Rule[] {
  const kept: Rule[] = [];
  for (const tier of tiers) {
    const reachable = tier.filter((rule) => !kept.some((more) => covers(more.prefix, rule.prefix)));
    for (const rule of reachable) kept.push(rule.host === host ? rule : { ...rule, comment: fallbackComment(host, rule) });
  }
  return kept.sort((a, b) => b.prefix.length - a.prefix.length || a.prefix.localeCompare(b.prefix));
}

function fallbackComment(host: string, rule: Rule): string {
  const from = `the route ${rule.host ?? ""}${rule.prefix} (for ${rule.host ?? "any host"}), which zoo falls back to when ${host} has no route for the path`;
  return rule.comment === undefined ? from : `${from}; ${rule.comment}`;
}

/** Whether every path under `inner` is under `outer` too: the same prefix, or one below it on whole segments. */
function covers(outer: string, inner: string): boolean {
  return outer === "/" || inner === outer || inner.startsWith(`${outer}/`);
}

/**
 * The HTTPRoute documents: "zoo", "zoo-2", … for any host; "zoo-api-example-com", "zoo-wildcard-example-com", … (and
 * "-2", … beyond MAX_RULES rules) for hosts; distinct labels, as each name is also a label value.
 */
export function httpRoutes(rules: Rule[], metadata: (name: string) => Record<string, unknown>, gateway: string): YamlDoc[] {
  const groups = groupByHost(rules).map((group) => ({ ...group, chunks: chunkRules(group.rules) }));
  const wanted = groups.flatMap(({ host, chunks }) => {
    const base = host === undefined ? FRONT : `${FRONT}-${host.replace(/^\*\./, "wildcard.")}`;
    return chunks.map((_, i) => (i === 0 ? base : `${base}-${i + 1}`));
  });
  const names = distinctLabels(wanted);
  let next = 0;
  return groups.flatMap(({ host, rules: groupRules, chunks }) =>
    chunks.map((chunk, i) => {
      const comment = i === 0 ? groupComment(host, groupRules, chunks.length) : undefined;
      return {
        object: {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "HTTPRoute",
          metadata: metadata(names[next++]),
          spec: { parentRefs: [{ name: gateway }], ...(host !== undefined && { hostnames: [host] }), rules: chunk.map((rule) => rule.rule) },
        },
        ruleComments: chunk.map((rule) => rule.comment),
        ...(comment !== undefined && { comment }),
      };
    }),
  );
}

function groupComment(host: string | undefined, rules: Rule[], chunks: number): string | undefined {
  const lines: string[] = [];
  if (host !== undefined) lines.push(` The routes for ${host}, and those zoo falls back to from it.`);
  if (host?.startsWith("*.")) {
    lines.push(` Gateway API's ${host} also matches names with more than one label before ${host.slice(1)} (a.b${host.slice(1)}); zoo leaves those to the routes for any host.`);
  }
  if (chunks > 1) lines.push(` ${rules.length} rules, split over ${chunks} HTTPRoutes (at most ${MAX_RULES} rules each).`);
  return lines.length === 0 ? undefined : lines.join("\n");
}
