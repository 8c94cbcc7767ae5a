// `zoo export kubernetes`: Deployments, Services, HTTPRoutes and the front zoo, each object validated offline.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { project, runZoo } from "../helpers/run-zoo.ts";
import { RICH } from "./configs.ts";
import { parseAndValidate, type K8sObject } from "./k8s-validate.ts";
import { container, kubeOf } from "./kube-of.ts";

test("every emitted object is a valid Deployment, Service, ConfigMap or HTTPRoute", () => {
  const { objects, texts } = kubeOf(RICH, { namespace: "shop" });
  assert.deepEqual(
    objects.map((object) => `${object.kind}/${object.metadata.name}`),
    [
      ...["web", "my-api-v2", "worker", "migrate", "checker", "app-9lives"].flatMap((name) => [`Deployment/${name}`, `Service/${name}`]),
      "ConfigMap/zoo-config",
      "Deployment/zoo",
      "Service/zoo",
      "HTTPRoute/zoo",
    ],
  );
  for (const object of objects) assert.equal(object.metadata.namespace, "shop");
  assert.deepEqual([...texts.keys()], ["web.yaml", "my-api-v2.yaml", "worker.yaml", "migrate.yaml", "checker.yaml", "app-9lives.yaml", "zoo.yaml", "httproutes.yaml"]);
});

test("a Deployment keeps the image's entrypoint: the command in args, with workingDir, env, port and a non-root securityContext", () => {
  const { find } = kubeOf(RICH);
  const api = find("Deployment", "my-api-v2");
  const main = container(api);
  assert.equal(main.image, "registry.example/shop:1.2");
  assert.equal(main.command, undefined);
  assert.deepEqual(main.args, ["python3", "api.py"]);
  assert.equal(main.workingDir, "/app/api");
  assert.deepEqual(main.env, [
    { name: "MODE", value: "yes" },
    { name: "FLAG", value: "on" },
    { name: "TIME", value: "22:22" },
    { name: "PORT", value: "8081" },
    { name: "HOST", value: "0.0.0.0" },
  ]);
  assert.deepEqual(main.ports, [{ name: "http", containerPort: 8081, protocol: "TCP" }]);
  assert.deepEqual(main.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
  assert.equal(api.spec.template.spec.securityContext.runAsNonRoot, true);
  assert.equal(api.spec.template.spec.terminationGracePeriodSeconds, 12);
  assert.deepEqual(container(find("Deployment", "migrate")).args, ["/bin/sh", "-c", "node migrate.js && echo done"]);
  assert.deepEqual(find("Service", "my-api-v2").spec.ports, [{ name: "http", port: 8081, targetPort: 8081, protocol: "TCP" }]);
  assert.deepEqual(find("Service", "my-api-v2").spec.selector, api.spec.selector.matchLabels);
});

test("a literal $ in args and env values is written $$: Kubernetes expands $(VAR) there", () => {
  const { find } = kubeOf({
    apps: { web: { command: ["sh", "-c", "echo $PORT $(date) $$"], port: 8080, env: { PW: "p$ss$word", REF: "$${X}" } } },
    routes: { "/": "web" },
  });
  const main = container(find("Deployment", "web"));
  assert.deepEqual(main.args, ["sh", "-c", "echo $$PORT $$(date) $$$$"]);
  assert.deepEqual(main.env.slice(0, 2), [
    { name: "PW", value: "p$$ss$$word" },
    { name: "REF", value: "$${X}" },
  ]);
});

test("probes: tcpSocket and httpGet where the kubelet checks the same, zoo probe for an exact status, exec as is", () => {
  const { find } = kubeOf(RICH);
  const web = container(find("Deployment", "web"));
  assert.deepEqual(web.startupProbe, { httpGet: { path: "/health", port: 3000 }, timeoutSeconds: 1, periodSeconds: 1, failureThreshold: 60 });
  assert.deepEqual(web.readinessProbe, { httpGet: { path: "/health", port: 3000 }, timeoutSeconds: 1, periodSeconds: 5, failureThreshold: 1 });
  assert.deepEqual(web.livenessProbe, { httpGet: { path: "/health", port: 3000 }, timeoutSeconds: 1, periodSeconds: 5, failureThreshold: 3 });
  const api = container(find("Deployment", "my-api-v2"));
  assert.deepEqual(api.readinessProbe.exec.command, ["zoo", "probe", "http://127.0.0.1:8081/ready", "--status", "204", "--timeout", "1s"]);
  assert.equal(api.startupProbe.failureThreshold, 90);
  const checker = container(find("Deployment", "checker"));
  assert.deepEqual(checker.livenessProbe, { exec: { command: ["node", "check.js"] }, timeoutSeconds: 1, periodSeconds: 10, failureThreshold: 5 });
  assert.deepEqual(container(find("Deployment", "app-9lives")).readinessProbe.tcpSocket, { port: 3002 });
  const worker = container(find("Deployment", "worker"));
  assert.equal(worker.readinessProbe, undefined);
  assert.equal(worker.livenessProbe, undefined);
});

test("dependsOn: init containers that wait with zoo probe; what cannot carry over is said in a comment", () => {
  const { find, texts } = kubeOf(RICH);
  assert.deepEqual(find("Deployment", "my-api-v2").spec.template.spec.initContainers, [
    {
      name: "wait-for-web",
      image: "registry.example/shop:1.2",
      args: ["zoo", "probe", "http://web:3000/health", "--timeout", "1s", "--wait", "60s"],
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    },
  ]);
  const worker = find("Deployment", "worker").spec.template.spec.initContainers;
  assert.deepEqual(
    worker.map((init: K8sObject) => init.args),
    [
      ["zoo", "probe", "http://web:3000/health", "--timeout", "1s", "--wait", "60s"],
      ["zoo", "probe", "http://my-api-v2:8081/ready", "--status", "204", "--timeout", "1s", "--wait", "90s"],
    ],
  );
  assert.equal(find("Deployment", "checker").spec.template.spec.initContainers, undefined);
  const checker = texts.get("checker.yaml")!;
  assert.match(checker, /# dependsOn migrate \(completed\): not carried over/);
  assert.match(checker, /# dependsOn worker \(ready\): not carried over/);
  const api = texts.get("my-api-v2.yaml")!;
  assert.match(api, /# stopSignal SIGINT: not carried over; Kubernetes sends SIGTERM/);
  assert.match(api, /# restart "on-failure": not carried over/);
  assert.match(texts.get("worker.yaml")!, /# app "worker" \(no port in the config: PORT=8082 here\)/);
});

test("routes: one HTTPRoute of PathPrefix matches, URLRewrite for stripPrefix, RequestRedirect where it can say the redirect", () => {
  const { find } = kubeOf(RICH);
  const route = find("HTTPRoute", "zoo");
  assert.deepEqual(route.spec.parentRefs, [{ name: "web-gateway" }]);
  const rules = Object.fromEntries(route.spec.rules.map((rule: K8sObject) => [rule.matches[0].path.value, rule]));
  for (const rule of route.spec.rules) {
    assert.equal(rule.matches.length, 1);
    assert.equal(rule.matches[0].path.type, "PathPrefix");
  }
  assert.deepEqual(rules["/"].backendRefs, [{ name: "web", port: 3000 }]);
  assert.deepEqual(rules["/api"].filters, [
    { type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } } },
    { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "X-Forwarded-Prefix", value: "/api" }] } },
  ]);
  assert.deepEqual(rules["/api"].backendRefs, [{ name: "my-api-v2", port: 8081 }]);
  assert.deepEqual(rules["/docs"].filters, [
    {
      type: "RequestRedirect",
      requestRedirect: { scheme: "https", hostname: "docs.example.com", path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/v2" }, statusCode: 301 },
    },
  ]);
  assert.equal(rules["/docs"].backendRefs, undefined);
  for (const prefix of ["/old", "/q", "/ext", "/assets"]) assert.deepEqual(rules[prefix].backendRefs, [{ name: "zoo", port: 8080 }], prefix);
});

test("what Gateway API cannot state is served by the front zoo, with a comment beside each such route", () => {
  const { find, texts } = kubeOf(RICH);
  const routes = texts.get("httproutes.yaml")!;
  const commentAbove = (prefix: string) => {
    const lines = routes.split("\n");
    const at = lines.findIndex((line) => line.trim() === `value: ${prefix}`);
    return lines[at - 4]?.trim();
  };
  assert.match(commentAbove("/old"), /^# served by the front zoo: redirect status 308/);
  assert.match(commentAbove("/q"), /^# served by the front zoo: a redirect target with a query/);
  assert.match(commentAbove("/ext"), /^# served by the front zoo: a proxy to the outside origin https:\/\/example.org/);
  assert.match(commentAbove("/assets"), /^# served by the front zoo: static files/);
  assert.match(commentAbove("/api"), /X-Forwarded-Prefix/);

  const front = JSON.parse(find("ConfigMap", "zoo-config").data["zoo.config.json"]);
  assert.deepEqual(front, {
    listen: 8080,
    apps: {},
    routes: {
      "/assets": { static: "/app/public" },
      "/old": { redirect: "https://example.com/new", status: 308 },
      "/ext": { proxy: "https://example.org", stripPrefix: true },
      "/q": { redirect: "https://example.com/search?q=zoo", status: 302 },
    },
    logFormat: "text",
    accessLog: true,
    trustProxy: false,
    upstreamTimeout: 60_000,
    readyWait: 10_000,
    drainTimeout: 3000,
  });
  const zoo = container(find("Deployment", "zoo"));
  assert.deepEqual(zoo.args, ["zoo", "start", "--config", "/etc/zoo/zoo.config.json"]);
  assert.deepEqual(zoo.volumeMounts, [{ name: "config", mountPath: "/etc/zoo", readOnly: true }]);
  assert.deepEqual(find("Service", "zoo").spec.ports[0].port, 8080);
});

test("no front zoo when Gateway API states every route", () => {
  const { objects } = kubeOf({ apps: { web: { command: "x", port: 3000 } }, routes: { "/": "web", "/g": { redirect: "https://example.com", status: 301 } } });
  assert.deepEqual(
    objects.map((object) => `${object.kind}/${object.metadata.name}`),
    ["Deployment/web", "Service/web", "HTTPRoute/zoo"],
  );
});

test("more than 16 routes are split over several HTTPRoutes", () => {
  const apps = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a${i}`, { command: "x", port: 3000 + i }]));
  const routes = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`/r${i}`, `a${i}`]));
  const { objects, texts } = kubeOf({ apps, routes });
  const httpRoutes = objects.filter((object) => object.kind === "HTTPRoute");
  assert.deepEqual(
    httpRoutes.map((route) => [route.metadata.name, route.spec.rules.length]),
    [
      ["zoo", 16],
      ["zoo-2", 4],
    ],
  );
  const prefixes = httpRoutes.flatMap((route) => route.spec.rules.map((rule: K8sObject) => rule.matches[0].path.value));
  assert.deepEqual(new Set(prefixes), new Set(Object.keys(routes)));
  assert.match(texts.get("httproutes.yaml")!, /# 20 rules, split over 2 HTTPRoutes/);
});

test("zoo export kubernetes: YAML on stdout, or one file per app with -o DIR; every object valid", async (t) => {
  const root = project(t, { "zoo.config.json": JSON.stringify(RICH), "web/.keep": "", "api/.keep": "", "public/.keep": "" });
  const stdout = await runZoo(["export", "kubernetes", "--image", "shop:1", "--namespace", "shop", "--gateway", "edge"], { cwd: root });
  assert.equal(stdout.code, 0, stdout.stderr);
  const objects = parseAndValidate(stdout.stdout);
  assert.equal(objects.length, 16);
  assert.ok(objects.every((object) => object.metadata.namespace === "shop"));
  assert.match(stdout.stderr, /app "My_API.v2" is named "my-api-v2"/);

  const out = path.join(root, "k8s");
  const written = await runZoo(["export", "kubernetes", "-o", out], { cwd: root });
  assert.equal(written.code, 0, written.stderr);
  assert.match(written.stdout, new RegExp(`wrote ${out}/web.yaml\n`));
  const files = readdirSync(out).sort();
  assert.deepEqual(files, ["app-9lives.yaml", "checker.yaml", "httproutes.yaml", "migrate.yaml", "my-api-v2.yaml", "web.yaml", "worker.yaml", "zoo.yaml"]);
  const all = files.flatMap((file) => parseAndValidate(readFileSync(path.join(out, file), "utf8")));
  assert.equal(all.length, 16);
  assert.equal(all.find((object) => object.kind === "Deployment")!.spec.template.spec.containers[0].image, "zoo");
});

test("the root zoo.config.json: every object valid; only /static needs the front zoo", async () => {
  const run = await runZoo(["export", "kubernetes"]);
  assert.equal(run.code, 0, run.stderr);
  const objects = parseAndValidate(run.stdout);
  const front = JSON.parse(objects.find((object) => object.kind === "ConfigMap")!.data["zoo.config.json"]);
  assert.deepEqual(Object.keys(front.routes), ["/static"]);
  assert.deepEqual(front.routes["/static"], { static: "/app/fixtures/static" });
});

test("what the API server would reject is refused with exit 2: listen 0, a bad env name, a bad namespace", async (t) => {
  const root = project(t, {
    "zero.json": JSON.stringify({ listen: 0, apps: { web: { command: "x" } } }),
    "env.json": JSON.stringify({ apps: { web: { command: "x", env: { "BAD NAME": "1", "9x": "2" } } } }),
    "ok.json": JSON.stringify({ apps: { web: { command: "x" } } }),
  });
  const zero = await runZoo(["export", "kubernetes", "-c", "zero.json"], { cwd: root });
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /listen: port 0/);
  const env = await runZoo(["export", "kubernetes", "-c", "env.json"], { cwd: root });
  assert.equal(env.code, 2);
  assert.equal(env.stdout, "");
  assert.match(env.stderr, /Deployment\/web: environment variable name "BAD NAME" is not one Kubernetes accepts/);
  assert.match(env.stderr, /Deployment\/web: environment variable name "9x"/);
  const namespace = await runZoo(["export", "kubernetes", "-c", "ok.json", "--namespace", "Shop_1"], { cwd: root });
  assert.equal(namespace.code, 2);
  assert.match(namespace.stderr, /namespace "Shop_1" is not a DNS-1123 label/);
});

test("an app zoo fronts by url is no Deployment: its routes go to the front zoo, which fronts it as before", () => {
  const config = {
    apps: { web: { command: "x", port: 3000, dependsOn: ["legacy"] }, legacy: { url: "http://legacy.internal:9000", health: { http: "/up" } } },
    routes: { "/": "web", "/legacy": "legacy" },
  };
  const { objects, find, texts } = kubeOf(config);
  assert.deepEqual(
    objects.map((object) => `${object.kind}/${object.metadata.name}`),
    ["Deployment/web", "Service/web", "ConfigMap/zoo-config", "Deployment/zoo", "Service/zoo", "HTTPRoute/zoo"],
  );
  const front = JSON.parse(find("ConfigMap", "zoo-config").data["zoo.config.json"]);
  assert.deepEqual(front.apps, { legacy: { url: "http://legacy.internal:9000", health: { http: "/up", timeout: 1000, interval: 5000, startTimeout: 60_000, failures: 3 } } });
  assert.deepEqual(front.routes, { "/legacy": "legacy" });
  assert.match(texts.get("httproutes.yaml")!, /# served by the front zoo: app legacy is fronted by url/);
  assert.match(texts.get("web.yaml")!, /# dependsOn legacy: not carried over; zoo fronts it by url/);
});
