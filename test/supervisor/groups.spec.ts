// An app's replicas sleep and wake as one (group.ts), in virtual time: the first request wakes one replica and the
// others once it is ready (or has failed); none sleeps until every one has been idle for idleTimeout. End to end:
// test/lazy/replicas.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { virtualSupervisor } from "./fakes.ts";
import { app, isReady, tcp } from "./helpers.ts";

const lazyReplicas = (over = {}) => app("web", { port: undefined, replicas: 3, lazy: true, idleTimeout: 1000, health: tcp({ startTimeout: 5000 }), ...over });
const states = (supervisor: { snapshot(): { name: string; state: string }[] }) => supervisor.snapshot().map((row) => row.state);

test("the first request wakes one replica; the others start once it is ready, and requests wait only for the first", async (t) => {
  const { supervisor, clock, spawner, prober } = virtualSupervisor(t, [await lazyReplicas()]);
  await supervisor.start();
  assert.deepEqual(states(supervisor), ["sleeping", "sleeping", "sleeping"]);
  const first = supervisor.waitReady("web", 10_000);
  const second = supervisor.waitReady("web", 10_000);
  await clock.advance(500);
  assert.equal(spawner.spawned.length, 1, "one replica wakes, however many requests ask");
  assert.deepEqual(states(supervisor), ["starting", "sleeping", "sleeping"]);
  prober.healthy = true;
  await clock.advance(100);
  assert.equal(await first, true);
  assert.equal(await second, true);
  await clock.advance(100);
  assert.equal(spawner.spawned.length, 3, "the other replicas follow the first once it is ready");
  assert.deepEqual(states(supervisor), ["ready", "ready", "ready"]);
});

test("a first replica that fails to wake still lets the others try", async (t) => {
  const { supervisor, clock, spawner, prober } = virtualSupervisor(t, [await lazyReplicas({ health: tcp({ startTimeout: 1000 }), crashLoop: { restarts: 0, window: 60_000 } })]);
  await supervisor.start();
  const waiting = supervisor.waitReady("web", 60_000);
  await clock.advance(1000);
  assert.ok(spawner.spawned.length >= 2, `the others were woken after the first one's verdict (${spawner.spawned.length} spawned)`);
  prober.healthy = true;
  await clock.advance(200);
  assert.equal(await waiting, true);
});

test("the replicas sleep together: not before every one has been idle for idleTimeout", async (t) => {
  const { supervisor, clock, prober } = virtualSupervisor(t, [await lazyReplicas()]);
  prober.healthy = true;
  await supervisor.start();
  assert.equal(await supervisor.waitReady("web", 1000), true);
  await clock.advance(100);
  assert.deepEqual(states(supervisor), ["ready", "ready", "ready"]);
  const held = supervisor.acquire("web")!;
  await clock.advance(5000);
  assert.deepEqual(states(supervisor), ["ready", "ready", "ready"], "one replica in use keeps the group awake");
  held.release();
  await clock.advance(999);
  assert.deepEqual(states(supervisor), ["ready", "ready", "ready"]);
  await clock.advance(1);
  assert.deepEqual(states(supervisor), ["sleeping", "sleeping", "sleeping"]);
  assert.equal(await supervisor.waitReady("web", 1000), true, "and the next request wakes them again");
});

test("a request that waits longer than its timeout gets false, and the wake goes on for the next one", async (t) => {
  const { supervisor, clock, prober } = virtualSupervisor(t, [await lazyReplicas()]);
  await supervisor.start();
  const impatient = supervisor.waitReady("web", 300);
  await clock.advance(300);
  assert.equal(await impatient, false);
  prober.healthy = true;
  await clock.advance(100);
  assert.equal(isReady(supervisor, "web"), true);
});
