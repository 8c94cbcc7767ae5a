// Route options in `zoo export`: the front zoo's config keeps compress, basicAuth, headers and maxBodySize; Kubernetes
// states header rules as HTTPRoute filters and sends what Gateway API cannot state to the front zoo, with a comment.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { buildConfig } from "../../src/config/load.ts";
import { exportCompose } from "../../src/export/compose.ts";
import { exportKubernetes } from "../../src/export/kubernetes.ts";
import { planExport } from "../../src/export/plan.ts";
import { renderYaml } from "../../src/export/yaml.ts";
import { parseAndValidate, type K8sObject } from "./k8s-validate.ts";

const HASH = "$2b$10$KZqkOyLx/qoZ2hHqL1p2XeWCe3hr5g7bUdLpU6Yb1ZaWm8DcxJqSa";
const CONFIG = {
  listen: 8080,
  apps: { web: { command: "node server.js", port: 3000 }, api: { command: "node api.js", port: 3001 } },
  routes: {
    "/": { app: "web", headers: { request: { set: { "X-Env": "prod" }, remove: ["Cookie"] }, response: { add: { "X-Frame-Options": "DENY" } } } },
    "/api": { app: "api", stripPrefix: true, headers: { request: { add: { "X-Via": "gw" } } } },
    "/admin": { app: "web", basicAuth: { realm: "admin", htpasswd: "users.htpasswd" } },
    "/team": { app: "web", basicAuth: { users: { bob: HASH } }, compress: true, maxBodySize: "1mb" },
  },
};

function planFor(raw: unknown) {
  const dir = mkdtempSync(path.join(tmpdir(), "zoo-export-"));
  writeFileSync(path.join(dir, "users.htpasswd"), `carol:${HASH}\n`);
  return planExport(buildConfig(raw, { file: path.join(dir, "zoo.config.json"), env: {} }), { image: "shop:1", workdir: "/app" });
}

test("the front zoo's config keeps every route option; an htpasswd file is read from the image", () => {
  const front = JSON.parse(exportCompose(planFor(CONFIG)).frontConfig);
  assert.deepEqual(front.routes["/admin"], { app: "web", basicAuth: { realm: "admin", htpasswd: "/app/users.htpasswd" } });
  assert.deepEqual(front.routes["/team"], { app: "web", basicAuth: { realm: "restricted", users: { bob: HASH } }, compress: true, maxBodySize: 1024 * 1024 });
  assert.deepEqual(front.routes["/"].headers.response, { set: {}, add: { "X-Frame-Options": "DENY" }, remove: [] });
  assert.equal(front.routes["/"].app, "web");
});

test("Kubernetes: header rules become RequestHeaderModifier and ResponseHeaderModifier; basic auth, limits and compression go to the front zoo", () => {
  const files = exportKubernetes(planFor(CONFIG), { gateway: "gw" });
  const texts = new Map([...files].map(([name, docs]) => [name, renderYaml(docs)]));
  const objects = parseAndValidate([...texts.values()].join("---\n"));
  const route = objects.find((object) => object.kind === "HTTPRoute")!;
  const rules = Object.fromEntries(route.spec.rules.map((rule: K8sObject) => [rule.matches[0].path.value, rule]));
  assert.deepEqual(rules["/"].filters, [
    { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "X-Env", value: "prod" }], remove: ["Cookie"] } },
    { type: "ResponseHeaderModifier", responseHeaderModifier: { add: [{ name: "X-Frame-Options", value: "DENY" }] } },
  ]);
  assert.deepEqual(rules["/api"].filters[1], {
    type: "RequestHeaderModifier",
    requestHeaderModifier: { set: [{ name: "X-Forwarded-Prefix", value: "/api" }], add: [{ name: "X-Via", value: "gw" }] },
  });
  assert.deepEqual(rules["/admin"].backendRefs, [{ name: "zoo", port: 8080 }]);
  assert.deepEqual(rules["/team"].backendRefs, [{ name: "zoo", port: 8080 }]);
  const yaml = texts.get("httproutes.yaml")!;
  assert.match(yaml, /# served by the front zoo: basic auth \(Gateway API has no portable filter for it\)/);
  assert.match(yaml, /# served by the front zoo: basic auth, maxBodySize, compress \(Gateway API has no portable filter for them\)/);
  const configMap = objects.find((object) => object.kind === "ConfigMap")!;
  const front = JSON.parse(configMap.data["zoo.config.json"]);
  assert.deepEqual(Object.keys(front.routes).sort(), ["/admin", "/team"]);
});
