// Route keys: "/path", or a host in front of it: "api.example.com/", "*.example.com/", "example.com/docs".
// Hosts are normalized here once (lowercase, IDN in its ASCII form) so the proxy compares them as they are.
import { domainToASCII } from "node:url";

export type RouteKey = { ok: true; host: string | undefined; prefix: string } | { ok: false; error: string };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function parseRouteKey(key: string): RouteKey {
  const slash = key.indexOf("/");
  if (slash === 0) return { ok: true, host: undefined, prefix: normalizePrefix(key) };
  if (slash === -1) {
    return { ok: false, error: `expected a path prefix starting with "/", found ${JSON.stringify(key)} (or a host and a path, such as "api.example.com/")` };
  }
  const host = normalizeHost(key.slice(0, slash));
  if (!host.ok) return { ok: false, error: `${host.error} in ${JSON.stringify(key)}` };
  return { ok: true, host: host.host, prefix: normalizePrefix(key.slice(slash)) };
}

/** "/node/" → "/node", "" or "//" → "/". */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

/** The key as routing sees it, for finding duplicates: "api.example.com/docs", "/docs". */
export function routeKeyId(key: { host?: string | undefined; prefix: string }): string {
  return (key.host ?? "") + key.prefix;
}

type HostResult = { ok: true; host: string } | { ok: false; error: string };

function normalizeHost(text: string): HostResult {
  const fail = (why: string): HostResult => ({ ok: false, error: `invalid host ${JSON.stringify(text)}: ${why}` });
  if (/:\d*$/.test(text) || text.startsWith("[")) return fail("hosts are matched without a port; write the name only");
  const wildcard = text.startsWith("*.");
  const name = wildcard ? text.slice(2) : text;
  if (name.includes("*")) return fail('a wildcard is allowed only as the whole first label, as in "*.example.com"');
  const ascii = domainToASCII(name.replace(/\.$/, ""));
  if (ascii === "") return fail("not a valid host name");
  const labels = ascii.split(".");
  if (ascii.length > 253 || !labels.every((label) => LABEL.test(label))) {
    return fail("expected labels of letters, digits and inner hyphens, separated by dots");
  }
  if (wildcard && labels.length < 2) return fail('a wildcard needs a domain of at least two labels, as in "*.example.com"');
  return { ok: true, host: wildcard ? `*.${ascii}` : ascii };
}
