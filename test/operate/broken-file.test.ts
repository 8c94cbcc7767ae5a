// A running zoo stays reachable while its config file is broken on disk: only reload and validate judge the file.
import assert from "node:assert/strict";
import { renameSync, writeFileSync } from "node:fs";
import { test, type TestContext } from "node:test";
import { runZoo as runCli } from "../helpers/run-zoo.ts";
import { app, runZoo } from "./helpers.ts";

/** A running zoo whose file is then overwritten with `text`; `zoo(...)` runs the CLI as a user does, in its directory. */
async function brokenUnder(t: TestContext, text: string) {
  const z = await runZoo(t, { apps: { node: app() }, routes: { "/": "node" } });
  await z.zoo.waitFor(/node: ready/);
  writeFileSync(z.file, text);
  return { z, zoo: (...args: string[]) => runCli(args, { cwd: z.dir }) };
}

test("with { \"apps\": { on disk, health, status, logs, restart, stop, start and scale reach the running zoo; reload and validate exit 2", async (t) => {
  const { z, zoo } = await brokenUnder(t, '{ "apps": {');
  const health = await zoo("health");
  assert.deepEqual([health.code, health.stdout], [0, "healthy\n"], health.stderr);
  const status = await zoo("status");
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^node\s+ready/m);
  const logs = await zoo("logs", "node");
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /node \| zoo: node: ready/);
  for (const args of [["restart", "node"], ["stop", "node"], ["start", "node"], ["scale", "node", "2"]]) {
    const done = await zoo(...args);
    assert.equal(done.code, 0, `zoo ${args.join(" ")}: ${done.stdout}${done.stderr}`);
  }
  const named = await z.cli("health"); // with --listen too
  assert.equal(named.code, 0, named.stderr);
  const reload = await zoo("reload");
  assert.equal(reload.code, 2, reload.stdout + reload.stderr);
  assert.match(reload.stderr, /invalid JSON/);
  const validate = await zoo("validate");
  assert.equal(validate.code, 2);
  assert.match(validate.stderr, /invalid JSON/);
  // Moved away altogether (an editor's save, a ConfigMap swap): the zoo started from that path still answers.
  renameSync(z.file, `${z.file}.bak`);
  const gone = await zoo("health", "-c", z.file);
  assert.deepEqual([gone.code, gone.stdout], [0, "healthy\n"], gone.stderr);
});

test("with a file that parses but is invalid (\"port\": \"x\"), health and restart reach the running zoo; reload exits 2", async (t) => {
  const { zoo } = await brokenUnder(t, JSON.stringify({ listen: "127.0.0.1:0", apps: { node: { ...app(), port: "x" } }, routes: { "/": "node" } }));
  const health = await zoo("health");
  assert.deepEqual([health.code, health.stdout], [0, "healthy\n"], health.stderr);
  const restart = await zoo("restart", "node");
  assert.equal(restart.code, 0, restart.stdout + restart.stderr);
  const reload = await zoo("reload");
  assert.equal(reload.code, 2, reload.stdout + reload.stderr);
  assert.match(reload.stderr, /apps\.node\.port/);
});
