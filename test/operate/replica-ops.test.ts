// One replica operated on its own, as pm2 users expect: zoo restart node.1, zoo stop node.1, zoo start node.1.
import assert from "node:assert/strict";
import { test } from "node:test";
import { app, get, isGone, runZoo, type Running } from "./helpers.ts";

/** The replica rows of `zoo status`: name → [state (with its reason), pid]. */
async function rows(z: Running): Promise<Map<string, [string, number]>> {
  const { stdout } = await z.cli("status");
  return new Map([...stdout.matchAll(/^(node\.\d)\s+(\S+(?: \([^)]*\))?)\s+(\d+|-)/gm)].map(([, name, state, pid]) => [name, [state, Number(pid)]]));
}

test("zoo restart node.1, zoo stop node.1 and zoo start node.1 act on that replica only", async (t) => {
  const z = await runZoo(t, { apps: { node: app({}, { replicas: 2 }) }, routes: { "/": "node" } });
  await z.zoo.waitFor(/node\.0: ready[^]*node\.1: ready|node\.1: ready[^]*node\.0: ready/);
  const before = await rows(z);

  // Each command answers once it is done: the new node.1 is ready, the stopped one gone, the started one ready.
  const restarted = await z.cli("restart", "node.1");
  assert.equal(restarted.code, 0, restarted.stdout + restarted.stderr);
  assert.match(restarted.stdout, /^node\.1: restarted/);
  const after = await rows(z);
  assert.equal(after.get("node.1")![0], "ready");
  assert.notEqual(after.get("node.1")![1], before.get("node.1")![1], "node.1 has a new process");
  assert.deepEqual(after.get("node.0"), before.get("node.0"), "node.0 was not touched");

  const stopped = await z.cli("stop", "node.1");
  assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
  assert.equal(stopped.stdout, "node.1: stopped\n");
  const one = await rows(z);
  assert.equal(one.get("node.1")![0], "stopped (stopped on request)");
  assert.equal(one.get("node.0")![0], "ready");
  assert.ok(isGone(after.get("node.1")![1]));
  for (let i = 0; i < 10; i++) assert.match((await get(z.port)).body, new RegExp(`pid ${after.get("node.0")![1]}`), "node.0 serves every request");

  const started = await z.cli("start", "node.1");
  assert.equal(started.code, 0, started.stdout + started.stderr);
  assert.match(started.stdout, /^node\.1: started, ready/);

  const unknown = await z.cli("restart", "node.7");
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown app "node\.7" — did you mean/);
});
