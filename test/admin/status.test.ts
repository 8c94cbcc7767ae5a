// `zoo status` and `zoo health` against a real running zoo, over its control socket.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { controlSocketPath } from "../../src/admin/server.ts";
import { controlDirs } from "../../src/admin/socket-dir.ts";
import { CLI, ROOT, listeningPort, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";

const SERVER = join(ROOT, "fixtures/supervisor/server.js");
const EXIT = join(ROOT, "fixtures/supervisor/exit.js");

function zooCommand(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("zoo status prints every app's state, pid, port and restarts; zoo health follows the essential apps", async (t) => {
  const { file } = tempConfig({
    apps: {
      web: { command: [process.execPath, SERVER], essential: true },
      worker: { command: [process.execPath, EXIT], env: { EXIT_CODE: "3" }, restart: "never", health: false },
    },
    routes: { "/": "web" },
  });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"]);
  t.after(() => stopZoo(zoo));
  const listen = `127.0.0.1:${await listeningPort(zoo)}`;
  await zoo.waitFor(/web: ready/);
  await zoo.waitFor(/worker: failed/);

  const status = zooCommand("status", "--config", file, "--listen", listen);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`proxy: listening on ${listen}`));
  assert.match(status.stdout, /^APP\s+STATE\s+PID\s+PORT\s+RESTARTS/m);
  assert.match(status.stdout, /^web\*\s+ready\s+\d+\s+\d+\s+0\s/m);
  assert.match(status.stdout, /^worker\s+failed .*code 3/m);

  const healthy = zooCommand("health", "--config", file, "--listen", listen);
  assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
  assert.match(healthy.stdout, /^healthy/);

  zoo.child.kill("SIGTERM");
  assert.equal((await zoo.exited).code, 0);
  const gone = zooCommand("health", "--config", file, "--listen", listen);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /zoo is not running here: no answer on its control socket/);
});

test("zoo status shows zoo's own memory (RSS and JS heap) and CPU beside its apps, in the table and in --json", async (t) => {
  const { file } = tempConfig({ apps: { web: { command: [process.execPath, SERVER] } }, routes: { "/": "web" } });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"]);
  t.after(() => stopZoo(zoo));
  const listen = `127.0.0.1:${await listeningPort(zoo)}`;
  await zoo.waitFor(/web: ready/);

  const table = zooCommand("status", "--config", file, "--listen", listen);
  assert.equal(table.code, 0, table.stderr);
  const line = new RegExp(`^zoo: pid ${zoo.child.pid}, memory (\\d+\\.\\d) MiB \\(JS heap [\\d.]+ MiB used of [\\d.]+ MiB\\), CPU time \\d+\\.\\d\\ds$`, "m");
  assert.match(table.stdout, line);
  assert.ok(table.stdout.indexOf("zoo: pid") < table.stdout.indexOf("APP "), "zoo's line comes above the apps");

  const json = zooCommand("status", "--json", "--config", file, "--listen", listen);
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(parsed.zoo), ["pid", "memoryBytes", "heapUsedBytes", "heapTotalBytes", "externalBytes", "cpuSeconds"]);
  assert.equal(parsed.zoo.pid, zoo.child.pid);
  // zoo's RSS as the kernel counts it: the same figure /proc gives for its pid, within what a status request costs.
  const { readFileSync } = await import("node:fs");
  const kernelRss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${zoo.child.pid}/status`, "utf8"))![1]) * 1024;
  assert.ok(Math.abs(parsed.zoo.memoryBytes - kernelRss) < 8 * 1024 ** 2, `zoo.memoryBytes ${parsed.zoo.memoryBytes} vs VmRSS ${kernelRss}`);
  assert.ok(parsed.zoo.heapUsedBytes > 0 && parsed.zoo.heapUsedBytes <= parsed.zoo.heapTotalBytes);
  assert.ok(parsed.zoo.cpuSeconds > 0);
  const web = parsed.apps.find((app: { name: string }) => app.name === "web");
  assert.notEqual(web.pid, parsed.zoo.pid);
  assert.ok(web.memoryBytes > 0);
});

test("zoo health fails while an essential app is not ready, and names it", async (t) => {
  const { file } = tempConfig({
    apps: { web: { command: [process.execPath, SERVER], essential: true, env: { LISTEN_DELAY_MS: "60000" } } },
    routes: { "/": "web" },
  });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"]);
  t.after(() => stopZoo(zoo));
  const listen = `127.0.0.1:${await listeningPort(zoo)}`;
  await zoo.waitFor(/web: starting/);
  await zoo.waitFor(/listening on/);
  const health = zooCommand("health", "--config", file, "--listen", listen);
  assert.equal(health.code, 1);
  assert.match(health.stdout, /unhealthy: web is starting/);
});

test("zoo status does not judge the config file: with a bad one and no zoo running, it says zoo is not running (exit 1)", () => {
  // Its own control path: the default one of port 8000 may be another zoo's on this machine.
  const { file } = tempConfig({ control: "no-zoo.sock", apps: { web: { comand: "x" } } });
  const status = zooCommand("status", "--config", file);
  assert.equal(status.code, 1);
  assert.match(status.stderr, /zoo is not running here/);
  const missing = zooCommand("status", "--config", `${file}.gone`);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /config file not found/);
});

test("the control socket: the configured path, else zoo-<port>.sock in the user's directory for the port zoo listens on", () => {
  assert.equal(controlDirs({}).join(), join(tmpdir(), `zoo-${process.getuid!()}`));
  assert.equal(controlSocketPath(undefined, 8000), join(controlDirs()[0], "zoo-8000.sock"));
  assert.equal(controlSocketPath(undefined, 9001), join(controlDirs()[0], "zoo-9001.sock"));
  assert.equal(controlSocketPath("/srv/app/run/zoo.sock", 8000), "/srv/app/run/zoo.sock");
});
