// `zoo export kubernetes` of redirects to a path on the same host, and of routes keyed by host.
import assert from "node:assert/strict";
import { test } from "node:test";
import { project, runZoo } from "../helpers/run-zoo.ts";
import { parseAndValidate, type K8sObject } from "./k8s-validate.ts";
import { kubeOf } from "./kube-of.ts";

const rulesByPrefix = (route: K8sObject) => Object.fromEntries(route.spec.rules.map((rule: K8sObject) => [rule.matches[0].path.value, rule]));

const PATH_REDIRECTS = {
  listen: 8080,
  apps: { web: { command: "node server.js", port: 3000 } },
  routes: {
    "/": "web",
    "/old2": { redirect: "/new" },
    "/home": { redirect: "/", status: 301 },
    "/slash": { redirect: "/new/" },
    "/perm": { redirect: "/new", status: 308 },
    "/search": { redirect: "/find?q=zoo" },
  },
};

test("a redirect to a path on the same host is a RequestRedirect that keeps the request's scheme and host", () => {
  const { find, texts } = kubeOf(PATH_REDIRECTS);
  const rules = rulesByPrefix(find("HTTPRoute", "zoo"));
  // As zoo's proxy does: the rest of the path is appended to the target (/old2/x → /new/x), so the prefix is replaced.
  const redirect = (path: string, statusCode: number) => [{ type: "RequestRedirect", requestRedirect: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: path }, statusCode } }];
  assert.deepEqual(rules["/old2"].filters, redirect("/new", 302));
  assert.deepEqual(rules["/home"].filters, redirect("/", 301));
  assert.deepEqual(rules["/slash"].filters, redirect("/new", 302));
  assert.equal(rules["/old2"].backendRefs, undefined);
  // What RequestRedirect cannot state goes to the front zoo, as for absolute targets.
  for (const prefix of ["/perm", "/search"]) assert.deepEqual(rules[prefix].backendRefs, [{ name: "zoo", port: 8080 }], prefix);
  const routes = texts.get("httproutes.yaml")!;
  assert.match(routes, /# served by the front zoo: redirect status 308/);
  assert.match(routes, /# served by the front zoo: a redirect target with a query or fragment \(\/find\?q=zoo\)/);
  const front = JSON.parse(find("ConfigMap", "zoo-config").data["zoo.config.json"]);
  assert.deepEqual(front.routes, { "/search": { redirect: "/find?q=zoo", status: 302 }, "/perm": { redirect: "/new", status: 308 } });
});

test("zoo export kubernetes of a config with path redirects exits 0 with valid objects", async (t) => {
  const root = project(t, { "zoo.config.json": JSON.stringify(PATH_REDIRECTS) });
  const run = await runZoo(["export", "kubernetes"], { cwd: root });
  assert.equal(run.code, 0, run.stderr);
  const objects = parseAndValidate(run.stdout);
  assert.deepEqual(
    objects.map((object) => `${object.kind}/${object.metadata.name}`),
    ["Deployment/web", "Service/web", "ConfigMap/zoo-config", "Deployment/zoo", "Service/zoo", "HTTPRoute/zoo"],
  );
});

const HOSTS = {
  listen: 8080,
  apps: { a: { command: "x", port: 3000 }, b: { command: "y", port: 3001 } },
  routes: {
    "/": "a",
    "/x": "a",
    "api.example.com/": "b",
    "*.example.com/x": "b",
    "*.example.com/assets": { static: "public" },
    "example.com/docs": "b",
  },
};

const summary = (route: K8sObject) => route.spec.rules.map((rule: K8sObject) => `${rule.matches[0].path.value} → ${rule.backendRefs[0].name}`);

test("routes keyed by host: one HTTPRoute per host with its hostnames, carrying the routes zoo falls back to", () => {
  const { objects, find, texts } = kubeOf(HOSTS);
  assert.deepEqual(
    objects.filter((object) => object.kind === "HTTPRoute").map((route) => [route.metadata.name, route.spec.hostnames]),
    [
      ["zoo", undefined],
      ["zoo-wildcard-example-com", ["*.example.com"]],
      ["zoo-api-example-com", ["api.example.com"]],
      ["zoo-example-com", ["example.com"]],
    ],
  );
  // Routes for any host: as without hosts.
  assert.deepEqual(summary(find("HTTPRoute", "zoo")), ["/x → a", "/ → a"]);
  // zoo tries the wildcard's own prefixes first; "/" for any host is what it falls back to, "/x" for any host it never reaches.
  assert.deepEqual(summary(find("HTTPRoute", "zoo-wildcard-example-com")), ["/assets → zoo", "/x → b", "/ → a"]);
  // api.example.com's "/" covers every path: nothing of *.example.com or any host is reached.
  assert.deepEqual(summary(find("HTTPRoute", "zoo-api-example-com")), ["/ → b"]);
  assert.deepEqual(summary(find("HTTPRoute", "zoo-example-com")), ["/docs → b", "/x → a", "/ → a"]);

  const routes = texts.get("httproutes.yaml")!;
  assert.match(routes, /# The routes for example.com, and those zoo falls back to from it\./);
  assert.match(routes, /# Gateway API's \*\.example\.com also matches names with more than one label before \.example\.com/);
  assert.match(routes, /# the route \/x \(for any host\), which zoo falls back to when example.com has no route for the path\n/);
  // The front zoo keeps the host in the route's key, so it routes as zoo would.
  const front = JSON.parse(find("ConfigMap", "zoo-config").data["zoo.config.json"]);
  assert.deepEqual(front.routes, { "*.example.com/assets": { static: "/app/public" } });
});

test("a host with more than 16 routes is split over HTTPRoutes that all carry its hostnames", () => {
  const apps = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a${i}`, { command: "x", port: 3000 + i }]));
  const routes = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`api.example.com/r${i}`, `a${i}`]));
  const { objects, texts } = kubeOf({ apps, routes });
  assert.deepEqual(
    objects.filter((object) => object.kind === "HTTPRoute").map((route) => [route.metadata.name, route.spec.hostnames, route.spec.rules.length]),
    [
      ["zoo-api-example-com", ["api.example.com"], 16],
      ["zoo-api-example-com-2", ["api.example.com"], 4],
    ],
  );
  assert.match(texts.get("httproutes.yaml")!, /# 20 rules, split over 2 HTTPRoutes/);
});

test("zoo export kubernetes of host routes exits 0 with valid objects", async (t) => {
  const root = project(t, { "zoo.config.json": JSON.stringify(HOSTS), "public/.keep": "" });
  const run = await runZoo(["export", "kubernetes"], { cwd: root });
  assert.equal(run.code, 0, run.stderr);
  const httpRoutes = parseAndValidate(run.stdout).filter((object) => object.kind === "HTTPRoute");
  assert.equal(httpRoutes.length, 4);
});
