// A valid config becomes the normalized Config every other part reads.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { build } from "./helpers.ts";

const DIR = "/srv/app";

test("defaults: listen 0.0.0.0:8000, tcp probe, restart always, control socket left to its default", () => {
  const config = build({ apps: { web: { command: "node server.js" } }, routes: { "/": "web" } });
  assert.deepEqual(config.listen, { host: "0.0.0.0", port: 8000 });
  assert.equal(config.file, "/srv/app/zoo.config.json");
  assert.equal(config.dir, DIR);
  assert.equal(config.control, undefined, "the default socket path follows the bound port (src/admin/server.ts)");
  assert.equal(config.logFormat, "text");
  assert.equal(config.accessLog, true);
  assert.equal(config.trustProxy, false);
  assert.equal(config.upstreamTimeout, 60_000);
  assert.equal(config.readyWait, 10_000);
  assert.equal(config.drainTimeout, 3000);
  assert.deepEqual(config.apps, [
    {
      name: "web",
      command: ["node", "server.js"],
      cwd: DIR,
      env: {},
      port: undefined,
      replicas: 1,
      health: { kind: "tcp", timeout: 1000, interval: 5000, startTimeout: 60_000, failures: 3 },
      restart: "always",
      backoff: { initial: 100, max: 10_000, resetAfter: 30_000 },
      crashLoop: { restarts: 10, window: 60_000 },
      essential: false,
      dependsOn: {},
      stopSignal: "SIGTERM",
      stopTimeout: 5000,
      lazy: false,
      idleTimeout: undefined,
    },
  ]);
  assert.deepEqual(config.routes, [{ prefix: "/", kind: "app", app: "web", stripPrefix: false }]);
});

test("an empty object is a valid config with no apps and no routes", () => {
  const config = build({ $schema: "./zoo.schema.json" });
  assert.deepEqual(config.apps, []);
  assert.deepEqual(config.routes, []);
});

test("listen: $PORT when set, the file over $PORT, --listen over both", () => {
  assert.deepEqual(build({}, { PORT: "3000" }).listen, { host: "0.0.0.0", port: 3000 });
  assert.deepEqual(build({ listen: "127.0.0.1:9001" }, { PORT: "3000" }).listen, { host: "127.0.0.1", port: 9001 });
  assert.deepEqual(build({ listen: 9001 }, {}, "localhost:7000").listen, { host: "localhost", port: 7000 });
  assert.deepEqual(build({}, {}, 7001).listen, { host: "0.0.0.0", port: 7001 });
  assert.deepEqual(build({ listen: "[::1]:8080" }).listen, { host: "::1", port: 8080 });
  assert.deepEqual(build({ listen: ":8081" }).listen, { host: "0.0.0.0", port: 8081 });
  assert.deepEqual(build({ listen: "8082" }).listen, { host: "0.0.0.0", port: 8082 });
  assert.equal(build({ listen: 0 }).listen.port, 0, "port 0: any free port");
  assert.equal(build({ control: "run/zoo.sock" }).control, "/srv/app/run/zoo.sock");
});

test("commands: split into words honouring quotes, arrays as given, shell: true through /bin/sh -c", () => {
  const config = build({
    apps: {
      quoted: { command: `sh -c 'echo "a b"' "c d" e\\ f` },
      array: { command: ["node", "--flag=a b", "main.js"] },
      shell: { command: "echo $HOME | tr a-z A-Z", shell: true },
    },
  });
  const argv = Object.fromEntries(config.apps.map((app) => [app.name, app.command]));
  assert.deepEqual(argv.quoted, ["sh", "-c", 'echo "a b"', "c d", "e f"]);
  assert.deepEqual(argv.array, ["node", "--flag=a b", "main.js"]);
  assert.deepEqual(argv.shell, ["/bin/sh", "-c", "echo $HOME | tr a-z A-Z"]);
});

test("cwd relative to the config file, env values stringified, port numbers from strings", () => {
  const [app] = build({ apps: { web: { command: "x", cwd: "services/web", env: { A: 1, B: true, C: "c" }, port: "9100" } } }).apps;
  assert.equal(app.cwd, "/srv/app/services/web");
  assert.deepEqual(app.env, { A: "1", B: "true", C: "c" });
  assert.equal(app.port, 9100);
  assert.equal(build({ apps: { web: { command: "x", cwd: "/abs" } } }).apps[0].cwd, "/abs");
});

test("health: false, http, exec and tcp forms with their defaults", () => {
  const config = build({
    apps: {
      none: { command: "x", health: false },
      http: { command: "x", health: { http: "/health", status: 204, interval: "2s" } },
      exec: { command: "x", health: { exec: "pg_isready -h 'local host'", timeout: "500ms", failures: 5 } },
      execArray: { command: "x", health: { exec: ["true"] } },
      tcp: { command: "x", health: { tcp: true, startTimeout: "2m" } },
    },
  });
  const health = Object.fromEntries(config.apps.map((app) => [app.name, app.health]));
  assert.deepEqual(health.none, { kind: "none" });
  assert.deepEqual(health.http, { kind: "http", path: "/health", status: 204, timeout: 1000, interval: 2000, startTimeout: 60_000, failures: 3 });
  assert.deepEqual(health.exec, { kind: "exec", command: ["pg_isready", "-h", "local host"], timeout: 500, interval: 5000, startTimeout: 60_000, failures: 5 });
  assert.deepEqual(health.execArray, { kind: "exec", command: ["true"], timeout: 1000, interval: 5000, startTimeout: 60_000, failures: 3 });
  assert.deepEqual(health.tcp, { kind: "tcp", timeout: 1000, interval: 5000, startTimeout: 120_000, failures: 3 });
});

test("dependsOn: a list means ready, a map keeps its conditions", () => {
  const config = build({
    apps: {
      db: { command: "db" },
      migrate: { command: "migrate", dependsOn: ["db"], restart: "never" },
      web: { command: "web", dependsOn: { db: "ready", migrate: "completed" } },
    },
  });
  assert.deepEqual(config.apps.map((a) => a.dependsOn), [{}, { db: "ready" }, { db: "ready", migrate: "completed" }]);
});

test("routes: five forms, prefixes normalized, static dirs absolute", () => {
  const config = build({
    apps: { python: { command: "x" }, node: { command: "y" } },
    routes: {
      "/": "python",
      "/node/": { app: "node", stripPrefix: true },
      "/google": { redirect: "https://google.com", status: 301 },
      "/moved": { redirect: "http://example.com/new" },
      "/api": { proxy: "https://api.example.com", stripPrefix: false },
      "/ext": { proxy: "http://127.0.0.1:9999" },
      "/static": { static: "public" },
    },
  });
  assert.deepEqual(config.routes, [
    { prefix: "/", kind: "app", app: "python", stripPrefix: false },
    { prefix: "/node", kind: "app", app: "node", stripPrefix: true },
    { prefix: "/google", kind: "redirect", to: "https://google.com", status: 301 },
    { prefix: "/moved", kind: "redirect", to: "http://example.com/new", status: 302 },
    { prefix: "/api", kind: "proxy", target: "https://api.example.com", stripPrefix: false },
    { prefix: "/ext", kind: "proxy", target: "http://127.0.0.1:9999", stripPrefix: true },
    { prefix: "/static", kind: "static", dir: "/srv/app/public" },
  ]);
});

test("routes with a host: lowercase ASCII host, wildcard kept, same-host redirect", () => {
  const config = build({
    apps: { api: { command: "x" }, web: { command: "y" } },
    routes: {
      "API.Example.com/": "api",
      "*.example.com/": "web",
      "example.com/docs/": { static: "docs" },
      "bücher.example/": "web",
      "/old": { redirect: "/new", status: 308 },
    },
  });
  assert.deepEqual(config.routes, [
    { host: "api.example.com", prefix: "/", kind: "app", app: "api", stripPrefix: false },
    { host: "*.example.com", prefix: "/", kind: "app", app: "web", stripPrefix: false },
    { host: "example.com", prefix: "/docs", kind: "static", dir: "/srv/app/docs" },
    { host: "xn--bcher-kva.example", prefix: "/", kind: "app", app: "web", stripPrefix: false },
    { prefix: "/old", kind: "redirect", to: "/new", status: 308 },
  ]);
});

test("durations: strings with units and plain milliseconds", () => {
  const config = build({
    upstreamTimeout: "500ms",
    readyWait: "2m",
    drainTimeout: 1500,
    apps: { web: { command: "x", stopTimeout: "1.5s", idleTimeout: "10m", backoff: { initial: "1s" }, crashLoop: { window: "1m" } } },
  });
  assert.equal(config.upstreamTimeout, 500);
  assert.equal(config.readyWait, 120_000);
  assert.equal(config.drainTimeout, 1500);
  const [app] = config.apps;
  assert.equal(app.stopTimeout, 1500);
  assert.equal(app.idleTimeout, 600_000);
  assert.deepEqual(app.backoff, { initial: 1000, max: 10_000, resetAfter: 30_000 });
  assert.deepEqual(app.crashLoop, { restarts: 10, window: 60_000 });
});

test("interpolation: ${VAR}, ${VAR:-default}, empty values take the default, $${ is a literal", () => {
  const config = build(
    {
      listen: "${HOST:-127.0.0.1}:${ZOO_PORT}",
      apps: {
        web: {
          command: "node ${ENTRY:-main.js} --name ${NAME}",
          port: "${WEB_PORT:-9100}",
          env: { GREETING: "$${NOT_A_VAR}", EMPTY: "${EMPTY:-fallback}", KEEP: "$HOME" },
        },
      },
      routes: { "/${PREFIX:-web}": "web" },
    },
    { ZOO_PORT: "7000", NAME: "a b", EMPTY: "" },
  );
  assert.deepEqual(config.listen, { host: "127.0.0.1", port: 7000 });
  const [app] = config.apps;
  assert.deepEqual(app.command, ["node", "main.js", "--name", "a", "b"], "a variable's value is split like the rest of the command");
  assert.equal(app.port, 9100);
  assert.deepEqual(app.env, { GREETING: "${NOT_A_VAR}", EMPTY: "fallback", KEEP: "$HOME" });
  assert.equal(config.routes[0].prefix, "/${PREFIX:-web}", "keys are not interpolated");
});
