// Stopping: signals to the whole group, SIGKILL after stopTimeout, descendants that left the group.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { app, pidAlive, supervise, tempDir, waitFor, waitState } from "./helpers.ts";

const familyPids = async (log: { records: { lines: { name: string; line: string }[] } }, name: string) => {
  const line = await waitFor(() => log.records.lines.find((l) => l.name === name && l.line.startsWith("pids ")), "the pids line");
  return line.line.split(" ").slice(1).map(Number);
};

test("an app ignoring SIGTERM is killed after stopTimeout; stop resolves when it is gone", async (t) => {
  const stubborn = await app("stubborn", { env: { IGNORE_TERM: "1" }, stopTimeout: 300 });
  const { supervisor, log } = supervise(t, [stubborn]);
  await supervisor.start();
  await waitState(supervisor, "stubborn", "ready");
  const pid = supervisor.snapshot()[0].pid!;
  const began = Date.now();
  await supervisor.stop();
  const took = Date.now() - began;
  assert.equal(pidAlive(pid), false);
  assert.ok(took >= 300 && took < 2000, `stop took ${took}ms`);
  await waitFor(() => log.records.lines.some((l) => l.line === "ignoring SIGTERM"), "the app saw SIGTERM");
  assert.ok(log.records.zoo.some((z) => z.message === "stubborn: still running 300ms after SIGTERM; sending SIGKILL"));
  const status = supervisor.snapshot()[0];
  assert.equal(status.state, "stopped");
  assert.equal(status.reason, "killed by SIGKILL");
});

test("a well-behaved app stops on SIGTERM at once", async (t) => {
  const web = await app("web", { stopTimeout: 5000 });
  const { supervisor, events } = supervise(t, [web]);
  await supervisor.start();
  await waitState(supervisor, "web", "ready");
  const began = Date.now();
  await supervisor.stop();
  assert.ok(Date.now() - began < 4000, "stopped on SIGTERM, not after the 5 s stopTimeout");
  assert.deepEqual(events.filter((e) => e.app === "web").map((e) => [e.to, e.reason]).slice(-2), [
    ["stopping", "sending SIGTERM"],
    ["stopped", "killed by SIGTERM"],
  ]);
});

test("stopSignal is what the app receives", async (t) => {
  const web = await app("web", { stopSignal: "SIGINT" });
  const { supervisor } = supervise(t, [web]);
  await supervisor.start();
  await waitState(supervisor, "web", "ready");
  await supervisor.stop();
  assert.equal(supervisor.snapshot()[0].lastExit?.signal, "SIGINT");
});

test("children and setsid'd grandchildren (ignoring SIGTERM) are gone after stop", async (t) => {
  const family = await app("family", { script: "family.js", stopTimeout: 300 });
  const { supervisor, log } = supervise(t, [family]);
  await supervisor.start();
  await waitState(supervisor, "family", "ready");
  const [child, grandchild] = await familyPids(log, "family");
  const root = supervisor.snapshot()[0].pid!;
  assert.ok(pidAlive(child) && pidAlive(grandchild));
  const began = Date.now();
  await supervisor.stop();
  assert.ok(Date.now() - began >= 295, "the descendants ignored SIGTERM and needed SIGKILL");
  for (const pid of [root, child, grandchild]) assert.equal(pidAlive(pid), false, `pid ${pid} is gone`);
});

test("a setsid'd grandchild orphaned by its parent's crash is found (tracked) and killed before the restart", async (t) => {
  const family = await app("family", { script: "family.js", stopTimeout: 300 });
  const { supervisor, log, events } = supervise(t, [family]);
  await supervisor.start();
  await waitState(supervisor, "family", "ready");
  const [child, grandchild] = await familyPids(log, "family");
  // The tracker records the descendants (it runs on its own every trackIntervalMs); then crash the
  // app's root: they are orphans now, and only the record links the setsid'd one to the app.
  await waitFor(() => supervisor.processes("family").includes(grandchild), "the tracker to record the descendants");
  process.kill(supervisor.snapshot()[0].pid!, "SIGKILL");
  await waitState(supervisor, "family", "backoff");
  await waitFor(() => events.filter((e) => e.to === "ready").length === 2, "ready again");
  assert.equal(pidAlive(child), false, "the child in the group is gone");
  assert.equal(pidAlive(grandchild), false, "the setsid'd grandchild is gone");
});

test("killAll kills everything at once, without waiting for stopTimeout", async (t) => {
  const stubborn = await app("stubborn", { env: { IGNORE_TERM: "1" }, stopTimeout: 10_000 });
  const family = await app("family", { script: "family.js", stopTimeout: 10_000 });
  const { supervisor, log } = supervise(t, [stubborn, family]);
  await supervisor.start();
  await Promise.all([waitState(supervisor, "stubborn", "ready"), waitState(supervisor, "family", "ready")]);
  const pids = [...supervisor.snapshot().map((s) => s.pid!), ...(await familyPids(log, "family"))];
  const began = Date.now();
  await supervisor.killAll();
  assert.ok(Date.now() - began < 8000, "killed at once, not after the 10 s stopTimeout");
  for (const pid of pids) assert.equal(pidAlive(pid), false, `pid ${pid} is gone`);
  assert.deepEqual(supervisor.snapshot().map((s) => s.state), ["stopped", "stopped"]);
});

test("killAll during a graceful stop (a second SIGTERM) cuts it short", async (t) => {
  const stubborn = await app("stubborn", { env: { IGNORE_TERM: "1" }, stopTimeout: 10_000 });
  const { supervisor } = supervise(t, [stubborn]);
  await supervisor.start();
  await waitState(supervisor, "stubborn", "ready");
  const began = Date.now();
  const stopping = supervisor.stop();
  await waitState(supervisor, "stubborn", "stopping");
  await supervisor.killAll();
  await stopping;
  assert.ok(Date.now() - began < 8000, "cut short, not after the 10 s stopTimeout");
  assert.equal(supervisor.snapshot()[0].state, "stopped");
});

test("stop during backoff cancels the restart", async (t) => {
  const crasher = await app("crasher", {
    script: "exit.js",
    port: undefined,
    health: { kind: "none" },
    backoff: { initial: 60_000, max: 60_000, resetAfter: 60_000 },
  });
  const { supervisor, events } = supervise(t, [crasher]);
  await supervisor.start();
  await waitState(supervisor, "crasher", "backoff");
  await supervisor.stop();
  assert.equal(supervisor.snapshot()[0].state, "stopped");
  assert.equal(events.filter((e) => e.to === "starting").length, 1);
});

test("signal() forwards to every running app's process group", async (t) => {
  const dir = tempDir(t);
  const out = join(dir, "got");
  const armed = join(dir, "armed");
  // The app says when its handler is in place: a SIGUSR1 before that would hit the default action and end it.
  const script = `const fs = require("fs"); process.on("SIGUSR1", () => fs.writeFileSync(${JSON.stringify(out)}, "usr1")); fs.writeFileSync(${JSON.stringify(armed)}, ""); setInterval(() => {}, 1000);`;
  const listener = await app("listener", { command: [process.execPath, "-e", script], port: undefined, health: { kind: "none" } });
  const { supervisor } = supervise(t, [listener]);
  await supervisor.start();
  await waitState(supervisor, "listener", "ready");
  await waitFor(() => existsSync(armed), "the app to install its SIGUSR1 handler");
  const pid = supervisor.snapshot()[0].pid;
  supervisor.signal("SIGUSR1");
  await waitFor(() => existsSync(out) && readFileSync(out, "utf8") === "usr1", "the app to receive SIGUSR1");
  assert.equal(supervisor.snapshot()[0].state, "ready");
  assert.equal(supervisor.snapshot()[0].pid, pid, "the same process, not a restarted one");
});

test("processes(): the run's root and its tracked descendants (a setsid'd grandchild too); none once stopped", async (t) => {
  const family = await app("family", { script: "family.js", stopTimeout: 300 });
  const { supervisor, log } = supervise(t, [family]);
  await supervisor.start();
  await waitState(supervisor, "family", "ready");
  const [child, grandchild] = await familyPids(log, "family");
  const root = supervisor.snapshot()[0].pid!;
  assert.ok(supervisor.processes("family").includes(root));
  await waitFor(() => supervisor.processes("family").length === 3, "the tracker to record the descendants");
  assert.deepEqual(new Set(supervisor.processes("family")), new Set([root, child, grandchild]));
  assert.deepEqual(supervisor.processes("nope"), []);
  await supervisor.stop();
  assert.deepEqual(supervisor.processes("family"), []);
});

test("a dependency chain stops on one clock: a stubborn dependent and its stubborn dependency are both gone within the longest stopTimeout", async (t) => {
  const db = await app("db", { env: { IGNORE_TERM: "1" }, stopTimeout: 1500 });
  const api = await app("api", { env: { IGNORE_TERM: "1" }, stopTimeout: 1500, dependsOn: { db: "ready" } });
  const { supervisor, events } = supervise(t, [db, api]);
  await supervisor.start();
  await Promise.all(["db", "api"].map((name) => waitState(supervisor, name, "ready")));
  const began = Date.now();
  await supervisor.stop();
  const took = Date.now() - began;
  const order = events.filter((e) => e.to === "stopping" || e.to === "stopped").map((e) => `${e.app} ${e.to}`);
  assert.ok(order.indexOf("api stopped") < order.indexOf("db stopping"), `the dependent first: ${order.join(", ")}`);
  // Each stopTimeout in turn would be 3000 ms: the dependency's SIGKILL comes 1500 ms after the stop began.
  assert.ok(took >= 1500 && took < 2600, `stop took ${took}ms`);
});
