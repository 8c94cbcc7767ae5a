// The API server's rules that schema validation misses, checked by the export on what it emits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1";
import { Service } from "kubernetes-models/v1";
import { apiRuleProblems } from "../../src/export/api-rules.ts";

const route = (rules: unknown[]) => ({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "zoo" }, spec: { parentRefs: [{ name: "gw" }], rules } });
const prefix = (value: string) => ({ path: { type: "PathPrefix", value } });
const rewrite = { type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } } };

test("objects the export emits for a good config break no rule", () => {
  const ok = route([{ matches: [prefix("/api")], filters: [rewrite], backendRefs: [{ name: "api", port: 80 }] }]);
  assert.deepEqual(apiRuleProblems([ok]), []);
});

test("rules the schema lets through are caught: paths, prefix rewrites, ports", () => {
  const bad = route([
    { matches: [prefix("api")], backendRefs: [{ name: "api", port: 80 }] },
    { matches: [prefix("/a"), prefix("/b")], filters: [rewrite], backendRefs: [{ name: "api", port: 80 }] },
    { matches: [{ path: { type: "Exact", value: "/x" } }], filters: [rewrite], backendRefs: [{ name: "api", port: 80 }] },
    { matches: [prefix("/a//b")], backendRefs: [{ name: "api", port: 80 }] },
  ]);
  // The schemas accept this route: only the export's own rules reject it.
  new HTTPRoute(bad as never).validate();
  assert.deepEqual(apiRuleProblems([bad]), [
    'HTTPRoute/zoo: rules[0]: the path "api" does not start with "/"',
    "HTTPRoute/zoo: rules[1]: a ReplacePrefixMatch needs exactly one PathPrefix match, found 2 match(es)",
    "HTTPRoute/zoo: rules[2]: a ReplacePrefixMatch needs exactly one PathPrefix match, found 1 match(es)",
    'HTTPRoute/zoo: rules[3]: the path "/a//b" has "//", "/./", "/../", an encoded "/" or "#"',
  ]);

  const service = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { ports: [{ port: 0 }, { port: 70000, targetPort: 70000 }] } };
  assert.deepEqual(apiRuleProblems([service]), [
    "Service/web: port 0 is not a port from 1 to 65535",
    "Service/web: port 70000 is not a port from 1 to 65535",
    "Service/web: targetPort 70000 is not a port from 1 to 65535",
  ]);
  const badName = { apiVersion: "v1", kind: "Service", metadata: { name: "9web" }, spec: { ports: [{ port: 80 }] } };
  new Service(badName as never).validate();
  assert.deepEqual(apiRuleProblems([badName]), ['Service/9web: the name "9web" is not a valid Service name']);
});

test("more than 16 rules, and a redirect status outside 301/302, are caught", () => {
  const many = route(Array.from({ length: 17 }, (_, i) => ({ matches: [prefix(`/r${i}`)], backendRefs: [{ name: "a", port: 80 }] })));
  assert.deepEqual(apiRuleProblems([many]), ["HTTPRoute/zoo: 17 rules, more than the 16 an HTTPRoute may have"]);
  const redirect = route([{ matches: [prefix("/r")], filters: [{ type: "RequestRedirect", requestRedirect: { hostname: "example.com", statusCode: 308 } }] }]);
  assert.deepEqual(apiRuleProblems([redirect]), ["HTTPRoute/zoo: rules[0]: redirect status 308 is not 301 or 302"]);
});
