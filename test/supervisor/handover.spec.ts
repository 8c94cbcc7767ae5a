// Replacing a running app (zoo restart, a reload's changed app) in virtual time: the new instance takes traffic once
// its probe passes, the old one drains its open requests (at most drainTimeout) and only then is stopped; a fixed
// port is stopped first. The real-process tests (test/operate/operate.test.ts) check the same under load.
import assert from "node:assert/strict";
import { test } from "node:test";
import { virtualSupervisor } from "./fakes.ts";
import { app, statesOf, tcp } from "./helpers.ts";

test("restart: the new instance serves once ready; the old one keeps its open request until it ends, then stops", async (t) => {
  const web = await app("web", { port: undefined, health: tcp({ startTimeout: 5000 }) });
  const { supervisor, clock, spawner, prober } = virtualSupervisor(t, [web]);
  prober.healthy = true;
  await supervisor.start();
  const before = supervisor.acquire("web")!;
  prober.healthy = false;
  const restart = supervisor.operations.restartApp("web");
  await clock.advance(1000);
  assert.equal(spawner.spawned.length, 2, "the new instance is started beside the old one");
  const meanwhile = supervisor.acquire("web")!;
  meanwhile.release();
  assert.equal(meanwhile.port, before.port, "traffic stays on the old instance while the new one is not ready");
  prober.healthy = true;
  await clock.advance(200);
  const after = supervisor.acquire("web")!;
  after.release();
  assert.notEqual(after.port, before.port, "traffic moved to the new instance's own port");
  await clock.advance(5000);
  assert.deepEqual(spawner.spawned[0].signals, [], "the old instance is not stopped while its request is open");
  before.release();
  await clock.advance(0);
  assert.deepEqual(spawner.spawned[0].signals, ["SIGTERM"]);
  const outcome = await restart;
  assert.equal(outcome.ok, true);
  assert.match(outcome.message, /took over/);
});

test("restart: an old instance whose request never ends is stopped after drainTimeout (10s by default)", async (t) => {
  const web = await app("web", { port: undefined });
  const { supervisor, clock, spawner, prober } = virtualSupervisor(t, [web]);
  prober.healthy = true;
  await supervisor.start();
  supervisor.acquire("web"); // never released
  const restart = supervisor.operations.restartApp("web");
  await clock.advance(9_999);
  assert.deepEqual(spawner.spawned[0].signals, []);
  await clock.advance(1);
  assert.deepEqual(spawner.spawned[0].signals, ["SIGTERM"]);
  assert.equal((await restart).ok, true);
});

test("restart: a new instance that never becomes ready is stopped and the old one keeps serving", async (t) => {
  const web = await app("web", { port: undefined, health: tcp({ startTimeout: 1000 }) });
  const { supervisor, clock, spawner, prober } = virtualSupervisor(t, [web]);
  prober.healthy = true;
  await supervisor.start();
  const port = supervisor.acquire("web")!.port;
  prober.healthy = false;
  const restart = supervisor.operations.restartApp("web");
  await clock.advance(1000);
  const outcome = await restart;
  assert.equal(outcome.ok, false);
  assert.match(outcome.message, /never became ready .*the old one keeps serving/);
  assert.deepEqual(spawner.spawned[0].signals, [], "the old instance was never signalled");
  assert.deepEqual(spawner.spawned[1].signals, ["SIGTERM"]);
  prober.healthy = true;
  assert.equal(supervisor.acquire("web")?.port, port);
});

test("restart of a fixed port: the old instance is drained and stopped first, and requests wait for the new one", async (t) => {
  const web = await app("web");
  const { supervisor, clock, spawner, prober, events } = virtualSupervisor(t, [web]);
  prober.healthy = true;
  await supervisor.start();
  const held = supervisor.acquire("web")!;
  const restart = supervisor.operations.restartApp("web");
  await clock.advance(100);
  assert.equal(spawner.spawned.length, 1, "no second process on a fixed port while the old one drains");
  held.release();
  await clock.advance(0);
  assert.deepEqual(spawner.spawned[0].signals, ["SIGTERM"]);
  assert.equal(spawner.spawned.length, 2);
  const outcome = await restart;
  assert.match(outcome.message, /stopped and started: port \d+ is fixed/);
  assert.deepEqual(statesOf(events, "web").slice(-2), ["starting", "ready"]);
});
