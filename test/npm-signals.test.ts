// zoo run through npm stops cleanly when the top process is signalled: `npx zoo start` and an npm script that
// `exec`s zoo, with the real npm. npm runs both through `sh -c` and forwards SIGINT/SIGTERM to that shell only.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { test, type TestContext } from "node:test";
import { descendantsOf, isAlive, ROOT } from "./helpers/zoo-process.ts";

/** Node 24 first on PATH, and nothing of the `npm test` that may run this file. */
function npmEnv(): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? "").split(delimiter).filter((dir) => dir && !dir.includes("node_modules"));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: [dirname(process.execPath), ...path].join(delimiter), NO_COLOR: "1" };
  for (const key of Object.keys(env)) if (/^npm_|^INIT_CWD$/.test(key)) delete env[key];
  return env;
}

/** A project with zoo installed (a link to this checkout: no registry needed), one app, and `npm start`. */
function projectWithZoo(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "zoo-npm-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "app"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "npm-signals", private: true, scripts: { start: "exec zoo start" } }));
  writeFileSync(join(dir, "app/app.js"), 'require("node:http").createServer((q, r) => r.end("hi")).listen(process.env.PORT, "127.0.0.1");\n');
  writeFileSync(join(dir, "zoo.config.json"), JSON.stringify({ listen: "127.0.0.1:0", apps: { app: { command: ["node", "app.js"], cwd: "app" } }, routes: { "/": "app" } }));
  const installed = spawnSync("npm", ["install", ROOT, "--offline", "--no-fund", "--no-audit"], { cwd: dir, env: npmEnv(), encoding: "utf8" });
  assert.equal(installed.status, 0, installed.stderr);
  return dir;
}

interface Launched {
  child: ChildProcess;
  output: () => string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** zoo's pid and its app's, once the app is ready. */
  zooAndApp: Promise<number[]>;
}

/** `command` in its own process group, as a terminal or a container runtime would start it. */
function launch(t: TestContext, dir: string, command: string, args: string[]): Launched {
  const child = spawn(command, args, { cwd: dir, env: npmEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const ready = Promise.withResolvers<void>();
  const onData = (chunk: Buffer) => {
    text += chunk;
    if (/app: ready/.test(text)) ready.resolve();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  void exited.then(() => ready.reject(new Error(`${command} exited before the app was ready:\n${text}`)));
  const zooAndApp = ready.promise.then(() => descendantsOf(child.pid!).filter((pid) => !/^(sh|npm)/.test(commandOf(pid))));
  t.after(async () => {
    for (const pid of await zooAndApp.catch(() => [])) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  });
  return { child, output: () => text, exited, zooAndApp };
}

function commandOf(pid: number): string {
  return spawnSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" }).stdout.trim();
}

async function gone(pids: number[], within = 15_000): Promise<number[]> {
  const deadline = Date.now() + within;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return pids.filter(isAlive);
}

test("npx zoo start: SIGTERM to npx stops zoo and its app, none is left running", { timeout: 60_000 }, async (t) => {
  const dir = projectWithZoo(t);
  const npx = launch(t, dir, "npx", ["zoo", "start"]);
  const pids = await npx.zooAndApp;
  assert.equal(pids.length, 2, `zoo and its app below npx: ${pids.map(commandOf).join("; ")}`);
  process.kill(npx.child.pid!, "SIGTERM");
  await npx.exited;
  assert.deepEqual(await gone(pids), [], `left running after npx ended:\n${npx.output()}`);
  assert.match(npx.output(), /stopped, exit code 0/);
});

test("npm start with `exec zoo start`: Ctrl-C stops zoo once, cleanly, and npm exits 0", { timeout: 60_000 }, async (t) => {
  const dir = projectWithZoo(t);
  const npm = launch(t, dir, "npm", ["start"]);
  const pids = await npm.zooAndApp;
  // A terminal's Ctrl-C: SIGINT to the whole foreground process group; npm forwards it to zoo once more.
  process.kill(-npm.child.pid!, "SIGINT");
  const [code, signal] = await npm.exited;
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, npm.output());
  assert.doesNotMatch(npm.output(), /killing everything now/);
  assert.match(npm.output(), /stopped, exit code 0/);
  assert.deepEqual(await gone(pids), []);
});

test("npm start with `exec zoo start`: SIGTERM to npm alone (a container's stop) reaches zoo; npm exits 0", { timeout: 60_000 }, async (t) => {
  const dir = projectWithZoo(t);
  const npm = launch(t, dir, "npm", ["start"]);
  const pids = await npm.zooAndApp;
  process.kill(npm.child.pid!, "SIGTERM");
  const [code, signal] = await npm.exited;
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, npm.output());
  assert.match(npm.output(), /SIGTERM received[^]*stopped, exit code 0/);
  assert.deepEqual(await gone(pids), []);
});
