// Settings an export used to drop without a word: replicas, tls and metrics carry over to compose and Kubernetes,
// and whatever cannot is said on stderr and in a comment of the output.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { ConfigSchema } from "../../src/config/schema.ts";
import { project, runZoo } from "../helpers/run-zoo.ts";
import { issue, makeCa } from "../tls/certs.ts";
import { container, kubeOf } from "./kube-of.ts";

/** A project whose config has two replicas, a lazy essential app, HTTPS with a certificate in certs/, and metrics. */
function shop(t: TestContext, extra: Record<string, unknown> = {}) {
  const ca = makeCa();
  t.after(() => rmSync(ca.dir, { recursive: true, force: true }));
  const site = issue(ca, ["shop.test"]);
  const config = {
    listen: "127.0.0.1:8080",
    apps: { api: { command: "node api.js", replicas: 2 }, docs: { command: "node docs.js", port: 3000, lazy: true, essential: true } },
    routes: { "/": "api", "/docs": "docs", "/old": { redirect: "https://shop.test/new", status: 308 } },
    tls: { listen: 8443, certificates: [{ cert: "certs/site.pem", key: "certs/site.key" }], redirectHttp: true },
    metrics: {},
    ...extra,
  };
  const root = project(t, { "zoo.config.json": JSON.stringify(config) });
  mkdirSync(path.join(root, "certs"));
  copyFileSync(site.cert, path.join(root, "certs/site.pem"));
  copyFileSync(site.key, path.join(root, "certs/site.key"));
  return { root, config };
}

const NOT_CARRIED_COMPOSE = [
  'app "docs": lazy / idleTimeout: not carried over; the service runs all the time.',
  'app "docs": essential: not carried over; the orchestrator keeps the other services running.',
  "metrics: zoo_app_* not carried over; the front zoo runs no app, so it serves the request metrics only; use the orchestrator's for the apps.",
];

test("zoo export compose: replicas, the front zoo's HTTPS with its certificates mounted, metrics, each on the address zoo listened on", async (t) => {
  const { root } = shop(t);
  const run = await runZoo(["export", "compose", "-o", "out"], { cwd: root });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, NOT_CARRIED_COMPOSE.map((line) => `${line}\n`).join(""));
  const out = path.join(root, "out");
  const text = readFileSync(path.join(out, "compose.yaml"), "utf8");
  const { services } = parse(text, { version: "1.1" });
  assert.deepEqual(services.api.deploy, { replicas: 2 });
  assert.equal(services.docs.deploy, undefined);
  assert.deepEqual(services.zoo.ports, ["127.0.0.1:8080:8080", "8443:8443", "127.0.0.1:9464:9464"]);
  assert.deepEqual(services.zoo.volumes, [
    "./zoo.front.json:/etc/zoo/zoo.config.json:ro",
    "../certs/site.pem:/etc/zoo/tls/0/cert.pem:ro",
    "../certs/site.key:/etc/zoo/tls/0/key.pem:ro",
  ]);
  // The same notes, as a comment at the top of compose.yaml.
  for (const line of NOT_CARRIED_COMPOSE) assert.ok(text.includes(`#   ${line}\n`), `compose.yaml says: ${line}`);

  const front = JSON.parse(readFileSync(path.join(out, "zoo.front.json"), "utf8"));
  assert.deepEqual(front.tls, { listen: 8443, certificates: [{ cert: "/etc/zoo/tls/0/cert.pem", key: "/etc/zoo/tls/0/key.pem" }], redirectHttp: true, handshakeTimeout: 10_000 });
  assert.deepEqual(front.metrics, { listen: "0.0.0.0:9464" });
  assert.equal(front.listen, 8080);
  assert.ok(ConfigSchema.safeParse(front).success, "the front config is a zoo config");

  if (spawnSync("sh", ["-c", "command -v docker-compose"]).status !== 0) {
    if (process.env.CI) assert.fail("CI must have docker-compose");
    return t.skip("docker-compose is not installed");
  }
  const config = spawnSync("docker-compose", ["--project-directory", out, "-f", path.join(out, "compose.yaml"), "config"], { encoding: "utf8" });
  assert.equal(config.status, 0, config.stderr);
  const read = parse(config.stdout).services;
  assert.equal(read.api.deploy.replicas, 2);
  // docker-compose resolves the mounts from the compose file's directory: to the certificate files themselves.
  assert.ok(read.zoo.volumes.includes(`${path.join(root, "certs/site.pem")}:/etc/zoo/tls/0/cert.pem:ro`), config.stdout);
  assert.ok(read.zoo.ports.includes("127.0.0.1:8080:8080/tcp"), config.stdout);
});

test("compose: ACME keeps its account in a volume; a wildcard listen publishes on every address", async (t) => {
  const { root } = shop(t, { listen: 8080, tls: { listen: 8443, acme: { email: "ops@shop.test", directory: "https://acme.example/dir" } }, metrics: undefined });
  const run = await runZoo(["export", "compose", "-o", "."], { cwd: root });
  assert.equal(run.code, 0, run.stderr);
  const compose = parse(readFileSync(path.join(root, "compose.yaml"), "utf8"), { version: "1.1" });
  assert.deepEqual(compose.services.zoo.ports, ["8080:8080", "8443:8443"]);
  assert.ok(compose.services.zoo.volumes.includes("zoo-acme:/var/lib/zoo/acme"));
  assert.deepEqual(compose.volumes, { "zoo-acme": {} });
  const front = JSON.parse(readFileSync(path.join(root, "zoo.front.json"), "utf8"));
  assert.deepEqual(front.tls.acme, { email: "ops@shop.test", directory: "https://acme.example/dir", dir: "/var/lib/zoo/acme" });
});

test("zoo export kubernetes: Deployment replicas, the certificate as a tls Secret, a scrape annotation on the front zoo, and what is not carried said", async (t) => {
  const { root } = shop(t);
  const run = await runZoo(["export", "kubernetes"], { cwd: root });
  assert.equal(run.code, 0, run.stderr);
  for (const line of [
    'app "docs": lazy / idleTimeout: not carried over; the service runs all the time.',
    "listen host 127.0.0.1: not carried over; the Service is reached through the Gateway, on the addresses the Gateway listens on.",
    "metrics: partly carried over; the front zoo counts only the requests of the routes it serves; the Gateway's metrics cover the others.",
    "tls.redirectHttp: not carried over; redirect at the Gateway (an HTTPRoute on its HTTP listener with a RequestRedirect to https).",
  ]) {
    assert.ok(run.stderr.includes(`${line}\n`), `stderr says: ${line}\n${run.stderr}`);
  }
  const docs = parseAllDocuments(run.stdout, { version: "1.1" });
  const objects = docs.map((doc) => doc.toJS());
  const find = (kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name);
  assert.equal(find("Deployment", "api").spec.replicas, 2);
  assert.equal(find("Deployment", "docs").spec.replicas, 1);
  const secret = find("Secret", "zoo-tls");
  assert.equal(secret.type, "kubernetes.io/tls");
  assert.equal(Buffer.from(secret.data["tls.crt"], "base64").toString(), readFileSync(path.join(root, "certs/site.pem"), "utf8"));
  assert.equal(Buffer.from(secret.data["tls.key"], "base64").toString(), readFileSync(path.join(root, "certs/site.key"), "utf8"));
  const front = find("Deployment", "zoo");
  assert.deepEqual(front.spec.template.metadata.annotations, { "prometheus.io/scrape": "true", "prometheus.io/port": "9464", "prometheus.io/path": "/metrics" });
  assert.deepEqual(container(front).ports[1], { name: "metrics", containerPort: 9464, protocol: "TCP" });
  assert.deepEqual(JSON.parse(find("ConfigMap", "zoo-config").data["zoo.config.json"]).metrics, { listen: "0.0.0.0:9464" });
  // The notes are comments too: the config-wide ones above the first document, an app's above its Deployment.
  assert.match(run.stdout, /^# app "api" \(no port in the config: PORT=8081 here\)\n# Not carried over from the config:\n# listen host 127\.0\.0\.1: not carried over/);
  assert.match(run.stdout, /\n# app "docs"\n# lazy \/ idleTimeout: not carried over; the service runs all the time\.\n# essential: not carried over/);
});

test("kubernetes: every object validates; metrics without a front zoo are said not carried", () => {
  const ca = makeCa();
  const site = issue(ca, ["shop.test"]);
  try {
    const { find, all } = kubeOf({ apps: { api: { command: "x", replicas: 3 } }, routes: { "/": "api" }, tls: { listen: 8443, certificates: [site, site] }, metrics: { listen: "0.0.0.0:9100" } });
    assert.equal(find("Deployment", "api").spec.replicas, 3);
    assert.equal(find("Secret", "zoo-tls-2").type, "kubernetes.io/tls");
    assert.match(all, /# metrics: not carried over; every route goes straight to an app's Service/);
    assert.doesNotMatch(all, /upstreamTimeout/, "the proxy settings at their defaults need no word");
    const slow = kubeOf({ apps: { api: { command: "x" } }, routes: { "/": "api" }, upstreamTimeout: "2m", trustProxy: true });
    assert.match(slow.all, /# upstreamTimeout, trustProxy: carried over to the front zoo only; the routes the Gateway sends straight to an app follow the Gateway's own settings\./);
  } finally {
    rmSync(ca.dir, { recursive: true, force: true });
  }
});
