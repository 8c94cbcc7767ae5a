// The zoo command line, run for real: exit codes, what goes to stdout and stderr.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigSchema } from "../src/config/schema.ts";
import { project, type Run } from "./helpers/run-zoo.ts";
import { issue, makeCa } from "./tls/certs.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = path.join(ROOT, "src/cli.ts");
const BIN = path.join(ROOT, "bin/zoo.js");

function run(args: string[], options: { cwd?: string; env?: Record<string, string>; node?: string; script?: string } = {}): Promise<Run> {
  const { cwd = ROOT, node = process.execPath, script = CLI } = options;
  // The test runner's own ZOO_CONFIG or PORT must not leak into the runs.
  const env: NodeJS.ProcessEnv = { ...process.env, ZOO_CONFIG: undefined, PORT: undefined, NO_COLOR: "1", ...options.env };
  return new Promise((resolve) => {
    execFile(node, [script, ...args], { cwd, env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

const GOOD = JSON.stringify({
  apps: { web: { command: "node server.js", port: 9100 }, worker: { command: ["python3", "worker.py"], health: false, dependsOn: ["web"] } },
  routes: { "/": "web", "/docs": { redirect: "https://example.com/docs", status: 301 }, "/assets": { static: "public" } },
});
const BAD = JSON.stringify({ apps: { web: { comand: "node server.js", port: 70000 } }, routes: { "/": "wbe" } });

test("validate: a good config exits 0 and prints the apps and routes", async (t) => {
  const root = project(t, { "zoo.config.json": GOOD, "public/index.html": "hi" });
  const { code, stdout, stderr } = await run(["validate"], { cwd: root });
  assert.equal(stderr, "");
  assert.equal(code, 0);
  assert.equal(
    stdout,
    [
      `${path.join(root, "zoo.config.json")}: valid`,
      "listen 0.0.0.0:8000",
      "",
      "APP     COMMAND            CWD  PORT  RUNS  HEALTH  DEPENDS ON",
      "web     node server.js     .    9100  -     tcp     -",
      "worker  python3 worker.py  .    auto  -     none    web",
      "",
      "ROUTE    TARGET",
      "/        app web",
      "/docs    redirect 301 https://example.com/docs",
      "/assets  static public",
      "",
    ].join("\n"),
  );
});

test("validate: shows replicas, lazy apps with their idle timeout, and the HTTPS listener", async (t) => {
  const ca = makeCa();
  t.after(() => rmSync(ca.dir, { recursive: true, force: true }));
  const site = issue(ca, ["a.test"]);
  const root = project(t, {
    "zoo.config.json": JSON.stringify({
      listen: 8080,
      apps: { api: { command: "x", replicas: 2 }, docs: { command: "y", lazy: true, idleTimeout: "5m" }, cron: { command: "z", idleTimeout: "90s" } },
      routes: { "/": "api", "/docs": "docs", "/cron": "cron" },
      tls: { listen: 8443, certificates: [site], redirectHttp: true },
    }),
  });
  const { code, stdout, stderr } = await run(["validate"], { cwd: root });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^listen 0\.0\.0\.0:8080\ntls https:\/\/0\.0\.0\.0:8443 \(1 certificate, http redirects to https\)\n/m);
  assert.match(stdout, /^APP   COMMAND  CWD  PORT  RUNS           HEALTH  DEPENDS ON\napi   x        \.    auto  2 replicas     tcp     -\ndocs  y        \.    auto  lazy, idle 5m  tcp     -\ncron  z        \.    auto  idle 90s       tcp     -\n/m);
});

test("validate: host routes are listed with their host", async (t) => {
  const root = project(t, { "zoo.config.json": JSON.stringify({ apps: { a: { command: "x" }, b: { command: "y" } }, routes: { "/": "a", "api.example.com/": "b", "*.example.com/x": "b" } }) });
  const { code, stdout } = await run(["validate"], { cwd: root });
  assert.equal(code, 0);
  assert.match(stdout, /^ROUTE\s+TARGET\n\/\s+app a\napi\.example\.com\/\s+app b\n\*\.example\.com\/x\s+app b\n/m);
});

test("validate: a bad config exits 2 and reports every problem with the file path", async (t) => {
  const root = project(t, { "conf/zoo.config.json": BAD });
  const file = path.join(root, "conf/zoo.config.json");
  const { code, stdout, stderr } = await run(["validate", "--config", "conf/zoo.config.json"], { cwd: root });
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.ok(stderr.startsWith(`invalid config ${file} (4 problems):\n`), stderr);
  assert.match(stderr, /apps\.web: unknown key `comand` — did you mean `command`\?/);
  assert.match(stderr, /apps\.web\.port: expected a port from 1 to 65535, found 70000/);
  assert.match(stderr, /routes\["\/"\]: route to unknown app `wbe` — did you mean `web`\?/);
});

test("validate: ZOO_CONFIG names the file; --listen takes part in the checks", async (t) => {
  const root = project(t, { "x.yaml": "apps:\n  web: { command: web, port: 9100 }\n" });
  assert.equal((await run(["validate"], { cwd: root, env: { ZOO_CONFIG: "x.yaml" } })).code, 0);
  const clash = await run(["validate", "--listen", "127.0.0.1:9100"], { cwd: root, env: { ZOO_CONFIG: "x.yaml" } });
  assert.equal(clash.code, 2);
  assert.match(clash.stderr, /apps\.web\.port: port 9100 is zoo's own listen port/);
});

test("a broken file exits 2 with the line and column", async (t) => {
  const root = project(t, { "zoo.config.json": '{\n  "apps": {}\n  "routes": {}\n}\n' });
  const { code, stderr } = await run(["validate"], { cwd: root });
  assert.equal(code, 2);
  assert.ok(stderr.includes(`${path.join(root, "zoo.config.json")}:3:3: invalid JSON`), stderr);
});

test("no config found exits 2 and says where it looked", async (t) => {
  const root = project(t, {});
  mkdirSync(path.join(root, "sub"));
  const { code, stderr } = await run(["validate"], { cwd: path.join(root, "sub") });
  assert.equal(code, 2);
  assert.match(stderr, /^no zoo config found\./);
  assert.ok(stderr.includes(`  ${path.join(root, "sub")}\n  ${root}\n`), stderr);
  assert.match(stderr, /create zoo\.config\.json/);
});

test("start with a bad config exits 2 and starts nothing", async (t) => {
  const root = project(t, { "zoo.config.json": BAD });
  const { code, stdout, stderr } = await run([], { cwd: root });
  assert.equal(code, 2, stderr);
  assert.equal(stdout, "");
  assert.match(stderr, /invalid config/);
});

for (const [name, args, message] of [
  ["an unknown flag", ["validate", "--frobnicate"], 'zoo: unknown option "--frobnicate"'],
  ["an unknown command", ["serve"], 'zoo: unknown command "serve" (expected one of: start, validate, schema, status, health, restart, stop, scale, logs, reload, probe, export, hash-password)'],
  ["an extra argument", ["validate", "extra"], 'zoo: unexpected argument "extra" after "validate"'],
  ["a bad --listen", ["start", "--listen", "host:port"], 'zoo: --listen: expected a port from 0 to 65535 or "host:port", found "host:port"'],
  ["a bad --log-format", ["start", "--log-format", "xml"], 'zoo: --log-format: expected text or json, found "xml"'],
  ["a flag without its value", ["validate", "--config"], "zoo: Option '-c, --config <value>' argument missing"],
  ["a misspelt command", ["stauts"], 'zoo: unknown command "stauts" — did you mean "status"?'],
  ["a misspelt option", ["logs", "--folow"], 'zoo: unknown option "--folow" — did you mean "--follow"?'],
  ["stop without an app", ["stop"], "zoo stop: name the apps to stop (zoo stop APP…)"],
] as const) {
  test(`${name} is a usage error with exit code 2`, async () => {
    const { code, stdout, stderr } = await run([...args]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.equal(stderr, `${message}\nRun "zoo --help" for usage.\n`);
  });
}

test("--help exits 0 and lists the commands and options", async () => {
  const { code, stdout } = await run(["--help"]);
  assert.equal(code, 0);
  for (const word of ["Usage: zoo", "validate", "schema", "status", "health", "--config", "--listen", "--log-format", "--version"]) {
    assert.ok(stdout.includes(word), `help mentions ${word}`);
  }
  assert.equal((await run(["validate", "-h"])).code, 0);
});

test("--version prints package.json's version", async () => {
  const { version } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
  const { code, stdout } = await run(["--version"]);
  assert.equal(code, 0);
  assert.equal(stdout, `${version}\n`);
});

test("schema prints the JSON Schema of the config", async () => {
  const { code, stdout } = await run(["schema"]);
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(stdout), z.toJSONSchema(ConfigSchema, { io: "input" }));
});

test("bin/zoo.js runs the CLI", async () => {
  const { code, stdout } = await run(["--version"], { script: BIN });
  assert.equal(code, 0);
  assert.match(stdout, /^\d+\.\d+\.\d+\n$/);
});

test("bin/zoo.js runs an installed zoo, from under node_modules", async (t) => {
  const root = project(t, { "zoo.config.json": GOOD, "public/index.html": "hi" });
  const installed = path.join(root, "node_modules/zoo");
  mkdirSync(installed, { recursive: true });
  for (const entry of ["bin", "src", "package.json"]) cpSync(path.join(ROOT, entry), path.join(installed, entry), { recursive: true });
  symlinkSync(path.join(ROOT, "node_modules"), path.join(installed, "node_modules"));
  const { code, stdout, stderr } = await run(["validate"], { cwd: root, script: path.join(installed, "bin/zoo.js") });
  assert.equal(stderr, "");
  assert.equal(code, 0);
  assert.match(stdout, /zoo\.config\.json: valid/);
});

const OLD_NODE = "/usr/bin/node";
const oldNodeVersion = existsSync(OLD_NODE) ? execFileSync(OLD_NODE, ["-p", "process.versions.node"], { encoding: "utf8" }) : undefined;
const isOld = (v: string) => {
  const [major, minor] = v.trim().split(".").map(Number);
  return major < 22 || (major === 22 && minor < 18);
};

test("bin/zoo.js on a Node without type stripping exits 1 with a clear message", { skip: !oldNodeVersion || !isOld(oldNodeVersion) ? "no Node older than 22.18 here" : false }, async () => {
  const { code, stderr } = await run(["--version"], { node: OLD_NODE, script: BIN });
  assert.equal(code, 1);
  assert.match(stderr, /^zoo: Node \d+\.\d+\.\d+ is too old; zoo needs Node 22\.18 or newer/);
});

test("an installed zoo on a too old Node says what it needs, not that it runs TypeScript", { skip: !oldNodeVersion || !isOld(oldNodeVersion) ? "no Node older than 22.18 here" : false }, async (t) => {
  const root = project(t, {});
  const installed = path.join(root, "node_modules/zoo-supervisor");
  cpSync(path.join(ROOT, "bin"), path.join(installed, "bin"), { recursive: true });
  const { code, stderr } = await run(["--version"], { node: OLD_NODE, script: path.join(installed, "bin/zoo.js") });
  assert.equal(code, 1);
  assert.equal(stderr, `zoo: Node ${oldNodeVersion!.trim()} is too old; zoo needs Node 22.18 or newer.\n`);
});
