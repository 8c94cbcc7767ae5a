// Health, backoff and idle timing in virtual time: a fake clock, fake processes and a scripted prober, so that
// "after exactly 1s" is checked exactly and nothing sleeps. The real-process tests (lifecycle, lazy) check the same
// behaviour end to end.
import assert from "node:assert/strict";
import { test } from "node:test";
import { app, isReady, openRequest, statesOf, tcp } from "./helpers.ts";
import { virtualSupervisor } from "./fakes.ts";

test("startup: not ready within startTimeout → stopped and restarted after the backoff delay", async (t) => {
  const web = await app("web", { health: tcp({ startTimeout: 1000 }), backoff: { initial: 100, max: 1000, resetAfter: 30_000 } });
  const { supervisor, clock, spawner, prober, events, times } = virtualSupervisor(t, [web]);
  await supervisor.start();
  await clock.advance(999);
  assert.deepEqual(statesOf(events, "web"), ["starting"], "still starting just before startTimeout");
  assert.ok(prober.times.length >= 40, `polled fast while starting (${prober.times.length} probes)`);
  await clock.advance(1);
  assert.deepEqual(statesOf(events, "web"), ["starting", "stopping", "backoff"]);
  assert.deepEqual(times("web", "stopping"), [1000]);
  assert.equal(events.find((e) => e.to === "stopping")!.reason, "not ready after 1s (fake: down)");
  assert.equal(events.find((e) => e.to === "backoff")!.reason, "not ready after 1s (fake: down); restarting in 100ms");
  assert.deepEqual(spawner.spawned[0].signals, ["SIGTERM"]);
  await clock.advance(99);
  assert.equal(spawner.spawned.length, 1, "not restarted before the backoff delay");
  prober.healthy = true;
  await clock.advance(1);
  assert.equal(spawner.spawned.length, 2);
  assert.deepEqual(times("web", "starting"), [0, 1100]);
  assert.deepEqual(statesOf(events, "web"), ["starting", "stopping", "backoff", "starting", "ready"]);
  assert.equal(supervisor.snapshot()[0].restarts, 1);
});

test("liveness: `failures` failed probes in a row → unhealthy at the first, restarted at the last", async (t) => {
  const web = await app("web", { health: tcp({ interval: 1000, failures: 3 }), backoff: { initial: 100, max: 1000, resetAfter: 30_000 } });
  const { supervisor, clock, spawner, prober, events, times } = virtualSupervisor(t, [web]);
  prober.healthy = true;
  await supervisor.start();
  assert.deepEqual(statesOf(events, "web"), ["starting", "ready"]);
  assert.equal(events.at(-1)!.reason, "in 0ms");
  await clock.advance(3000);
  assert.deepEqual(prober.times.slice(-3).map((at) => at - prober.times[0]), [1000, 2000, 3000], "one probe per interval once ready");
  prober.healthy = false;
  await clock.advance(1000);
  assert.deepEqual(statesOf(events, "web").slice(2), ["unhealthy"]);
  assert.equal(events.at(-1)!.reason, "fake: down (1 of 3)");
  assert.equal(isReady(supervisor, "web"), false, "an unhealthy app is not routed to");
  await clock.advance(1999);
  assert.deepEqual(statesOf(events, "web").slice(2), ["unhealthy"], "the second failure changes nothing");
  await clock.advance(1);
  assert.deepEqual(statesOf(events, "web").slice(2), ["unhealthy", "stopping", "backoff"]);
  assert.deepEqual(times("web", "stopping"), [6000]);
  assert.equal(events.find((e) => e.to === "stopping")!.reason, "3 failed probes (fake: down)");
  assert.equal(spawner.spawned[0].alive, false);
  prober.healthy = true;
  await clock.advance(100);
  assert.deepEqual(statesOf(events, "web").slice(-2), ["starting", "ready"]);
  assert.equal(spawner.spawned.length, 2);
});

test("liveness: a pass in between resets the count of failures; unhealthy → ready again without a restart", async (t) => {
  const web = await app("web", { health: tcp({ interval: 1000, failures: 3 }) });
  const { supervisor, clock, spawner, prober, events } = virtualSupervisor(t, [web]);
  prober.healthy = true;
  await supervisor.start();
  prober.healthy = false;
  await clock.advance(2000); // two failures
  prober.healthy = true;
  await clock.advance(1000); // a pass
  prober.healthy = false;
  await clock.advance(2000); // two failures again: not three in a row
  assert.deepEqual(statesOf(events, "web"), ["starting", "ready", "unhealthy", "ready", "unhealthy"]);
  assert.equal(events[3].reason, "again");
  assert.equal(spawner.spawned.length, 1);
  await clock.advance(1000);
  assert.equal(statesOf(events, "web").at(-1), "backoff");
});

test("backoff: delays double up to the max, and start over once the app stayed ready for resetAfter", async (t) => {
  const crasher = await app("crasher", {
    health: { kind: "none" },
    backoff: { initial: 100, max: 800, resetAfter: 5000 },
    crashLoop: { restarts: 100, window: 60_000 },
  });
  const { supervisor, clock, spawner, events } = virtualSupervisor(t, [crasher]);
  await supervisor.start();
  const delays: number[] = [];
  for (let i = 0; i < 6; i += 1) {
    spawner.last.exit(1);
    await clock.advance(0);
    const reason = events.at(-1)!.reason!;
    const delay = Number(/restarting in (\d+)ms$/.exec(reason)![1]);
    delays.push(delay);
    const spawned = spawner.spawned.length;
    await clock.advance(delay - 1);
    assert.equal(spawner.spawned.length, spawned, `restart ${i + 1} waited for its delay`);
    await clock.advance(1);
    assert.equal(spawner.spawned.length, spawned + 1, `restart ${i + 1} came after exactly ${delay}ms`);
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 800, 800]);
  // Ready for just under resetAfter: the delay keeps growing (capped).
  await clock.advance(4999);
  spawner.last.exit(1);
  await clock.advance(0);
  assert.match(events.at(-1)!.reason!, /restarting in 800ms$/);
  await clock.advance(800);
  // Ready for resetAfter: the next crash starts over at the initial delay.
  await clock.advance(5000);
  spawner.last.exit(1);
  await clock.advance(0);
  assert.equal(events.at(-1)!.reason, "exited with code 1; restarting in 100ms");
  assert.equal(supervisor.snapshot()[0].restarts, 8);
});

test("idle: idleTimeout after the last request ends, the app is stopped and sleeps; an open request keeps it awake", async (t) => {
  const lazy = await app("lazy", { lazy: true, idleTimeout: 300, health: { kind: "none" } });
  const { supervisor, clock, spawner, events, times } = virtualSupervisor(t, [lazy]);
  await supervisor.start();
  assert.deepEqual(statesOf(events, "lazy"), ["sleeping"]);
  assert.equal(await supervisor.waitReady("lazy", 1000), true);
  const release = openRequest(supervisor, "lazy");
  await clock.advance(10_000);
  assert.equal(isReady(supervisor, "lazy"), true, "awake while a request is open");
  release();
  await clock.advance(299);
  assert.equal(isReady(supervisor, "lazy"), true);
  await clock.advance(1);
  assert.deepEqual(statesOf(events, "lazy"), ["sleeping", "starting", "ready", "stopping", "sleeping"]);
  assert.deepEqual(times("lazy", "stopping"), [10_300]);
  assert.equal(events.at(-1)!.reason, "idle for 300ms; the next request wakes it");
  assert.deepEqual(spawner.last.signals, ["SIGTERM"]);
  assert.equal(supervisor.snapshot()[0].restarts, 0, "sleeping is not a restart");
});

test("idle: an awake dependent holds its dependency awake; the dependency sleeps idleTimeout after the dependent does", async (t) => {
  const db = await app("db", { lazy: true, idleTimeout: 200, health: { kind: "none" } });
  const web = await app("web", { lazy: true, idleTimeout: 1000, health: { kind: "none" }, dependsOn: { db: "ready" } });
  const { supervisor, clock, events, times } = virtualSupervisor(t, [db, web]);
  await supervisor.start();
  const ready = supervisor.waitReady("web", 5000);
  await clock.advance(0);
  assert.equal(await ready, true);
  openRequest(supervisor, "web")();
  await clock.advance(999);
  assert.deepEqual(statesOf(events, "db"), ["sleeping", "starting", "ready"], "db stays awake while web is");
  await clock.advance(1);
  assert.deepEqual(times("web", "sleeping").length, 2);
  await clock.advance(199);
  assert.equal(statesOf(events, "db").at(-1), "ready");
  await clock.advance(1);
  assert.deepEqual(statesOf(events, "db"), ["sleeping", "starting", "ready", "stopping", "sleeping"]);
  assert.deepEqual(times("db", "stopping"), [1200]);
});
