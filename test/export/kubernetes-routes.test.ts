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
