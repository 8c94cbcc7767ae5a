// `zoo export compose`: the compose project a config becomes, checked field by field and by docker-compose itself.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { parse } from "yaml";
import { exportCompose } from "../../src/export/compose.ts";
import { project, runZoo } from "../helpers/run-zoo.ts";
import { planOf, RICH } from "./configs.ts";

type Service = Record<string, any>;

function composeOf(raw: unknown, settings?: { image: string; workdir: string }) {
  const { compose, frontConfig } = exportCompose(planOf(raw, settings));
  // docker-compose reads YAML 1.1: "yes", "on" and "22:22" must still be strings there.
  const parsed = parse(compose, { version: "1.1" }) as { services: Record<string, Service> };
  return { text: compose, services: parsed.services, front: JSON.parse(frontConfig) };
}

/** docker-compose's own check of a compose file; skipped where docker-compose is not installed (CI installs it). */
function dockerComposeConfig(t: TestContext, dir: string): void {
  if (spawnSync("sh", ["-c", "command -v docker-compose"]).status !== 0) {
    if (process.env.CI) assert.fail("CI must have docker-compose (apt-get install docker-compose)");
    t.skip("docker-compose is not installed");
    return;
  }
  const result = spawnSync("docker-compose", ["--project-directory", dir, "-f", path.join(dir, "compose.yaml"), "config", "-q"], { encoding: "utf8" });
  assert.equal(result.status, 0, `docker-compose config -q:\n${result.stderr}`);
}

test("one service per app from the same image, with its command, directory, environment and port", () => {
  const { services } = composeOf(RICH);
  assert.deepEqual(Object.keys(services), ["web", "my-api-v2", "worker", "migrate", "checker", "app-9lives", "zoo"]);
  const api = services["my-api-v2"];
  assert.equal(api.image, "registry.example/shop:1.2");
  assert.deepEqual(api.command, ["python3", "api.py"]);
  assert.equal(api.working_dir, "/app/api");
  // The listen port 8080 is the front's: the first app without a port gets 8081, the next 8082.
  assert.deepEqual(api.environment, { MODE: "yes", FLAG: "on", TIME: "22:22", PORT: "8081", HOST: "0.0.0.0" });
  assert.equal(services.worker.environment.PORT, "8082");
  assert.deepEqual(services.migrate.command, ["/bin/sh", "-c", "node migrate.js && echo done"]);
  assert.equal(services.web.working_dir, "/app/web");
  assert.equal(services.web.environment.PORT, "3000");
});

test("health checks run zoo probe (or the exec probe) inside the container; no probe disables the image's", () => {
  const { services } = composeOf(RICH);
  assert.deepEqual(services.web.healthcheck, {
    test: ["CMD", "zoo", "probe", "http://127.0.0.1:3000/health", "--timeout", "1s"],
    interval: "5s",
    timeout: "6s",
    retries: 3,
    start_period: "60s",
  });
  assert.deepEqual(services["my-api-v2"].healthcheck.test, ["CMD", "zoo", "probe", "http://127.0.0.1:8081/ready", "--status", "204", "--timeout", "1s"]);
  assert.equal(services["my-api-v2"].healthcheck.start_period, "90s");
  assert.deepEqual(services.checker.healthcheck, { test: ["CMD", "node", "check.js"], interval: "10s", timeout: "1s", retries: 5, start_period: "60s" });
  assert.deepEqual(services["app-9lives"].healthcheck.test, ["CMD", "zoo", "probe", "tcp://127.0.0.1:3002", "--timeout", "1s"]);
  assert.deepEqual(services.worker.healthcheck, { disable: true });
});

test("dependsOn becomes depends_on conditions; restart, stop signal and grace carry over", () => {
  const { services } = composeOf(RICH);
  assert.deepEqual(services["my-api-v2"].depends_on, { web: { condition: "service_healthy" } });
  assert.deepEqual(services.worker.depends_on, { web: { condition: "service_healthy" }, "my-api-v2": { condition: "service_healthy" } });
  // worker has no probe: ready once started, as in zoo.
  assert.deepEqual(services.checker.depends_on, { migrate: { condition: "service_completed_successfully" }, worker: { condition: "service_started" } });
  assert.equal(services.web.depends_on, undefined);
  assert.equal(services["my-api-v2"].restart, "on-failure");
  assert.equal(services.migrate.restart, "no");
  assert.equal(services.web.restart, "always");
  assert.equal(services["my-api-v2"].stop_signal, "SIGINT");
  assert.equal(services["my-api-v2"].stop_grace_period, "12s");
  assert.equal(services.web.stop_grace_period, "5s");
});

test("the front service: zoo with the same routes, every routed app an address, publishing the listen port", () => {
  const { services, front } = composeOf(RICH);
  assert.deepEqual(services.zoo.command, ["zoo", "start", "--config", "/etc/zoo/zoo.config.json"]);
  assert.deepEqual(services.zoo.volumes, ["./zoo.front.json:/etc/zoo/zoo.config.json:ro"]);
  assert.deepEqual(services.zoo.ports, ["8080:8080"]);
  assert.equal(front.listen, 8080);
  assert.deepEqual(front.apps, {
    web: { url: "http://web:3000", health: { http: "/health", timeout: 1000, interval: 5000, startTimeout: 60_000, failures: 3 } },
    "My_API.v2": { url: "http://my-api-v2:8081", health: { http: "/ready", status: 204, timeout: 1000, interval: 5000, startTimeout: 90_000, failures: 3 } },
  });
  assert.deepEqual(front.routes, {
    "/": "web",
    "/api": { app: "My_API.v2", stripPrefix: true },
    "/docs": { redirect: "https://docs.example.com/v2/", status: 301 },
    "/old": { redirect: "https://example.com/new", status: 308 },
    "/q": { redirect: "https://example.com/search?q=zoo", status: 302 },
    "/ext": { proxy: "https://example.org", stripPrefix: true },
    "/assets": { static: "/app/public" },
  });
});

test("--workdir moves every path inside the image", () => {
  const { services, front } = composeOf(RICH, { image: "shop", workdir: "/srv/shop" });
  assert.equal(services.web.working_dir, "/srv/shop/web");
  assert.equal(services.worker.working_dir, "/srv/shop");
  assert.deepEqual(front.routes["/assets"], { static: "/srv/shop/public" });
});

test("zoo export compose -o DIR writes compose.yaml and zoo.front.json, prints the name and port mapping, and docker-compose accepts it", async (t) => {
  const root = project(t, { "zoo.config.json": JSON.stringify(RICH), "web/.keep": "", "api/.keep": "", "public/.keep": "" });
  const out = path.join(root, "out");
  const run = await runZoo(["export", "compose", "--image", "shop:1", "-o", out], { cwd: root });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, "");
  assert.equal(
    run.stdout,
    [
      `wrote ${out}/compose.yaml`,
      `wrote ${out}/zoo.front.json`,
      'app "My_API.v2" is named "my-api-v2" (compose and DNS names are lowercase letters, digits and "-")',
      'app "My_API.v2" has no port in the config: it gets PORT=8081',
      'app "worker" has no port in the config: it gets PORT=8082',
      'app "migrate" has no port in the config: it gets PORT=8083',
      'app "9lives" is named "app-9lives" (compose and DNS names are lowercase letters, digits and "-")',
      "",
    ].join("\n"),
  );
  const compose = parse(readFileSync(path.join(out, "compose.yaml"), "utf8"), { version: "1.1" });
  assert.equal(compose.services.web.image, "shop:1");
  assert.equal(JSON.parse(readFileSync(path.join(out, "zoo.front.json"), "utf8")).apps.web.url, "http://web:3000");
  dockerComposeConfig(t, out);
});

test("the root zoo.config.json exports to a compose file docker-compose accepts", async (t) => {
  const root = project(t, {});
  const run = await runZoo(["export", "compose", "-o", root]);
  assert.equal(run.code, 0, run.stderr);
  const compose = parse(readFileSync(path.join(root, "compose.yaml"), "utf8"), { version: "1.1" });
  assert.deepEqual(Object.keys(compose.services), ["python", "node", "go", "zoo"]);
  assert.deepEqual(compose.services.zoo.ports, ["8000:8000"]);
  assert.equal(compose.services.go.healthcheck.start_period, "120s");
  dockerComposeConfig(t, root);
});

test("a config zoo rejects, or listen 0, exits 2 and writes nothing", async (t) => {
  const root = project(t, { "zoo.config.json": JSON.stringify({ listen: 0, apps: { web: { command: "x" } } }), "bad.json": '{ "apps": 1 }' });
  const zero = await runZoo(["export", "compose", "-o", "out"], { cwd: root });
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /cannot export .*zoo\.config\.json:\n {2}listen: port 0 \(any free port\) cannot be published/);
  const bad = await runZoo(["export", "compose", "-c", "bad.json", "-o", "out"], { cwd: root });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid config/);
  assert.ok(!existsSync(path.join(root, "out")), "no output directory");
});

test("envFile variables are exported with env over them", async (t) => {
  const config = { envFile: "shared.env", apps: { web: { command: "node server.js", port: 3000, envFile: "web.env", env: { MODE: "env" } } } };
  const root = project(t, { "zoo.config.json": JSON.stringify(config), "shared.env": "SHARED=1\nMODE=shared\n", "web.env": "WEB=yes\nMODE=web\n" });
  const run = await runZoo(["export", "compose", "-o", "out"], { cwd: root });
  assert.equal(run.code, 0, run.stderr);
  const compose = parse(readFileSync(path.join(root, "out/compose.yaml"), "utf8"), { version: "1.1" });
  assert.deepEqual(compose.services.web.environment, { SHARED: "1", MODE: "env", WEB: "yes", PORT: "3000", HOST: "0.0.0.0" });
});

test("an app zoo fronts by url is no service: the front zoo fronts it at the same address", () => {
  const { services, front } = composeOf({
    apps: { web: { command: "x", port: 3000, dependsOn: ["legacy"] }, legacy: { url: "http://legacy.internal:9000" } },
    routes: { "/": "web", "/legacy": "legacy" },
  });
  assert.deepEqual(Object.keys(services), ["web", "zoo"]);
  assert.equal(services.web.depends_on, undefined);
  assert.equal(front.apps.legacy.url, "http://legacy.internal:9000");
  assert.equal(front.apps.web.url, "http://web:3000");
});

test("routes keyed by host keep their host in the front zoo's config, as zoo's config writes it", async (t) => {
  const config = {
    apps: { a: { command: "x", port: 3000 }, b: { command: "y", port: 3001 } },
    routes: { "/": "a", "api.example.com/": "b", "*.example.com/x": "b", "Bücher.Example/docs": { redirect: "/new" } },
  };
  const { front } = composeOf(config);
  assert.deepEqual(front.routes, { "/": "a", "api.example.com/": "b", "*.example.com/x": "b", "xn--bcher-kva.example/docs": { redirect: "/new", status: 302 } });
  // The front config is itself a zoo config that loads to the same routes.
  const root = project(t, { "zoo.config.json": JSON.stringify(config) });
  assert.equal((await runZoo(["export", "compose", "-o", "out"], { cwd: root })).code, 0);
  const validate = await runZoo(["validate", "-c", "out/zoo.front.json"], { cwd: root });
  assert.equal(validate.code, 0, validate.stderr);
});

test("every $ in compose.yaml is escaped, so that compose reads commands, environment and paths as zoo did", async (t) => {
  const config = {
    apps: {
      web: {
        command: "echo $PORT && node server.js",
        shell: true,
        cwd: "dir$x",
        port: 3000,
        env: { PW: "p$ss$word", REF: "$${X}" },
        health: { exec: "test -n $HOME" },
      },
    },
    routes: { "/": "web", "/odd": { redirect: "/a$${b}" } },
  };
  const root = project(t, { "zoo.config.json": JSON.stringify(config), "dir$x/.keep": "" });
  const run = await runZoo(["export", "compose", "-o", "out"], { cwd: root });
  assert.equal(run.code, 0, run.stderr);
  const out = path.join(root, "out");
  const literal = {
    command: ["/bin/sh", "-c", "echo $PORT && node server.js"],
    working_dir: "/app/dir$x",
    environment: { PW: "p$ss$word", REF: "${X}", PORT: "3000", HOST: "0.0.0.0" },
    test: ["CMD", "test", "-n", "$HOME"],
  };
  const escaped = (value: unknown) => JSON.parse(JSON.stringify(value).replaceAll("$", () => "$$"));
  const web = parse(readFileSync(path.join(out, "compose.yaml"), "utf8"), { version: "1.1" }).services.web;
  assert.deepEqual({ command: web.command, working_dir: web.working_dir, environment: web.environment, test: web.healthcheck.test }, escaped(literal));

  // The front zoo interpolates its own config: "${" is written "$${" there, so it loads and keeps "/a${b}".
  assert.equal(JSON.parse(readFileSync(path.join(out, "zoo.front.json"), "utf8")).routes["/odd"].redirect, "/a$${b}");
  const front = await runZoo(["validate", "-c", "out/zoo.front.json"], { cwd: root });
  assert.equal(front.code, 0, front.stderr);

  if (spawnSync("sh", ["-c", "command -v docker-compose"]).status !== 0) return t.skip("docker-compose is not installed");
  // With the variables set, compose would substitute them if the "$" were not escaped.
  const env = { ...process.env, PORT: "9999", X: "oops", x: "oops", ss: "oops", word: "oops", HOME: "/oops" };
  const result = spawnSync("docker-compose", ["--project-directory", out, "-f", path.join(out, "compose.yaml"), "config"], { encoding: "utf8", env });
  assert.equal(result.status, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /variable is not set/);
  // docker-compose config prints a literal "$" as "$$" again.
  const read = parse(result.stdout).services.web;
  assert.deepEqual({ command: read.command, working_dir: read.working_dir, environment: read.environment, test: read.healthcheck.test }, escaped(literal));
});
