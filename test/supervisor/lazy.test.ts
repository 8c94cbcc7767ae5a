// Lazy apps sleep until the first waitReady; with idleTimeout they go back to sleep when unused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { app, statesOf, supervise, waitState } from "./helpers.ts";

test("a lazy app is not started by start(); waitReady wakes it", async (t) => {
  const lazy = await app("lazy", { lazy: true });
  const eager = await app("eager");
  const { supervisor, events } = supervise(t, [lazy, eager]);
  await supervisor.start();
  await waitState(supervisor, "eager", "ready");
  assert.equal(supervisor.snapshot()[0].state, "sleeping");
  assert.equal(supervisor.isReady("lazy"), false);
  assert.equal(await supervisor.waitReady("lazy", 5000), true);
  assert.deepEqual(statesOf(events, "lazy"), ["sleeping", "starting", "ready"]);
});

test("idleTimeout: an unused app goes to sleep and the next waitReady wakes it", async (t) => {
  const lazy = await app("lazy", { lazy: true, idleTimeout: 100 });
  const { supervisor, events } = supervise(t, [lazy]);
  await supervisor.start();
  assert.equal(await supervisor.waitReady("lazy", 5000), true);
  supervisor.track("lazy")(); // one request, ended: the idle timer starts
  const slept = await waitState(supervisor, "lazy", "sleeping");
  assert.equal(slept.reason, "killed by SIGTERM");
  assert.deepEqual(statesOf(events, "lazy"), ["sleeping", "starting", "ready", "stopping", "sleeping"]);
  assert.match(events.find((e) => e.to === "stopping")!.reason!, /^idle for 100ms$/);
  assert.equal(await supervisor.waitReady("lazy", 5000), true);
  assert.equal(supervisor.snapshot()[0].restarts, 0, "sleeping is not a restart");
});

test("a tracked request keeps the app awake past idleTimeout", async (t) => {
  const lazy = await app("lazy", { lazy: true, idleTimeout: 50 });
  const { supervisor, events } = supervise(t, [lazy]);
  await supervisor.start();
  assert.equal(await supervisor.waitReady("lazy", 5000), true);
  const release = supervisor.track("lazy");
  // A second app's full start-up is a natural wait much longer than 50ms.
  const other = await app("other");
  const { supervisor: second } = supervise(t, [other]);
  await second.start();
  await waitState(second, "other", "ready");
  assert.ok(Date.now() - supervisor.snapshot()[0].readyAt! > 100, "tracked for well over idleTimeout");
  assert.equal(supervisor.isReady("lazy"), true);
  release();
  await waitState(supervisor, "lazy", "sleeping");
  assert.ok(!statesOf(events, "lazy").includes("backoff"));
});

test("stop() leaves a sleeping app stopped, and waitReady is then false", async (t) => {
  const lazy = await app("lazy", { lazy: true });
  const { supervisor } = supervise(t, [lazy]);
  await supervisor.start();
  await supervisor.stop();
  assert.equal(supervisor.snapshot()[0].state, "stopped");
  assert.equal(await supervisor.waitReady("lazy", 100), false);
});
