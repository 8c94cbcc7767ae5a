// `zoo status --json` (the README's shape), CPU and memory per app, and `zoo status --watch` on a terminal (a real
// pty from util-linux `script`) and on a pipe, against a real running zoo.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { CLI, ROOT, startZoo, stopZoo, tempConfig, type ZooProcess } from "../helpers/zoo-process.ts";
import { boundPort } from "../metrics/helpers.ts";

const SERVER = join(ROOT, "fixtures/supervisor/server.js");
const APP_KEYS = [
  "name", "state", "reason", "essential", "pid", "port", "restarts", "wakes", "startedAt", "readyAt", "lastExit",
  "health", "active", "lastActivity", "cpuSeconds", "memoryBytes",
];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function startWeb(t: { after(fn: () => unknown): void }): Promise<{ zoo: ZooProcess; file: string; listen: string }> {
  const { file } = tempConfig({ apps: { web: { command: [process.execPath, SERVER] } }, routes: { "/": "web" } });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"]);
  t.after(() => stopZoo(zoo));
  const listen = `127.0.0.1:${await boundPort(zoo)}`;
  await zoo.waitFor(/web: ready/, 60_000);
  return { zoo, file, listen };
}

/** Runs `argv` until `done(output)` is true or 90 s pass (a loaded machine), then SIGTERMs it; resolves to its output. */
async function runUntil(argv: string[], done: (output: string) => boolean): Promise<string> {
  const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = once(child, "exit");
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (done(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then(() => resolve());
  });
  child.kill("SIGINT");
  const [code] = await exited;
  assert.equal(code, 0, `Ctrl-C ends the watch with exit 0:\n${output}`);
  return output;
}

test("zoo status --json: every app with the documented keys, CPU seconds and resident memory from /proc", async (t) => {
  const { file, listen } = await startWeb(t);
  const result = spawnSync(process.execPath, [CLI, "status", "--json", "--config", file, "--listen", listen], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  const status = JSON.parse(result.stdout);
  assert.deepEqual(Object.keys(status), ["listening", "listen", "zoo", "apps"]);
  assert.equal(status.listening, true);
  assert.deepEqual(status.listen, { host: "127.0.0.1", port: Number(listen.split(":")[1]) });
  assert.equal(status.apps.length, 1);
  const [web] = status.apps;
  assert.deepEqual(Object.keys(web), APP_KEYS);
  assert.equal(web.name, "web");
  assert.equal(web.state, "ready");
  assert.equal(typeof web.pid, "number");
  assert.match(web.startedAt, ISO);
  assert.match(web.readyAt, ISO);
  assert.equal(web.lastExit, null);
  assert.ok(web.reason === null || typeof web.reason === "string");
  assert.ok(typeof web.cpuSeconds === "number" && web.cpuSeconds > 0, `cpuSeconds ${web.cpuSeconds}: node burns some CPU starting`);
  assert.ok(web.memoryBytes > 10e6 && web.memoryBytes < 500e6, `memoryBytes ${web.memoryBytes}: one node process`);

  const table = spawnSync(process.execPath, [CLI, "status", "--config", file, "--listen", listen], { encoding: "utf8" });
  assert.match(table.stdout, /^APP\s+STATE\s+PID\s+PORT\s+RESTARTS\s+CPU TIME\s+MEMORY\s+UPTIME/m);
  assert.match(table.stdout, /^web\s+ready\s+\d+\s+\d+\s+0\s+\d+\.\d\ds\s+\d+\.\d MiB\s/m);

  const misuse = spawnSync(process.execPath, [CLI, "health", "--json"], { encoding: "utf8" });
  assert.equal(misuse.status, 2);
  assert.match(misuse.stderr, /--json is an option of "logs" and "status", not of "health"/);
});

test("zoo status --watch: plain frames appended on a pipe, the table redrawn in place on a terminal", { timeout: 400_000 }, async (t) => {
  const { file, listen } = await startWeb(t);
  const argv = [process.execPath, CLI, "status", "--watch", "--config", file, "--listen", listen];

  const piped = await runUntil(argv, (out) => (out.match(/^--- /gm) ?? []).length >= 3);
  const frames = piped.split(/^--- .*\n/m).filter(Boolean);
  assert.ok(frames.length >= 2, piped);
  assert.doesNotMatch(piped, /\x1b/, "no escape codes on a pipe");
  assert.match(frames[0], /^APP\s+STATE\s+PID\s+PORT\s+RESTARTS\s+CPU%\s+MEMORY/m);
  assert.match(frames[0], /^web\s+ready\s+\d+\s+\d+\s+0\s+-\s+\d+\.\d MiB/m, "no CPU% before a second reading");
  assert.match(frames[1], /^web\s+ready\s+\d+\s+\d+\s+0\s+\d+\.\d%\s+\d+\.\d MiB/m, "CPU% from the second reading on");

  // A real pty: `script` runs the command on a new terminal and copies what it draws.
  const command = argv.map((word) => `'${word}'`).join(" ");
  const drawn = await runUntil(["script", "-qfec", command, "/dev/null"], (out) => (out.match(/\x1b\[H\x1b\[2J/g) ?? []).length >= 2);
  const redraws = drawn.split("\x1b[H\x1b[2J").filter(Boolean);
  assert.ok(redraws.length >= 2, JSON.stringify(drawn));
  for (const frame of redraws.slice(0, 2)) {
    assert.match(frame, /zoo status, every 1s:/);
    assert.match(frame, /web\s+ready/);
  }
  assert.doesNotMatch(drawn, /^--- /m);

  // --json --watch: one object per line.
  const lines = await runUntil([...argv, "--json"], (out) => out.split("\n").length > 2);
  const [first] = lines.split("\n").filter(Boolean).map((line) => JSON.parse(line));
  assert.match(first.time, ISO);
  assert.equal(first.apps[0].state, "ready");
});
