// Lazy apps sleep until the first waitReady; with idleTimeout they go back to sleep when unused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { app, isReady, openRequest, statesOf, supervise, waitState } from "./helpers.ts";

test("a lazy app is not started by start(); waitReady wakes it", async (t) => {
  const lazy = await app("lazy", { lazy: true });
  const eager = await app("eager");
  const { supervisor, events } = supervise(t, [lazy, eager]);
  await supervisor.start();
  await waitState(supervisor, "eager", "ready");
  assert.equal(supervisor.snapshot()[0].state, "sleeping");
  assert.equal(isReady(supervisor, "lazy"), false);
  assert.equal(await supervisor.waitReady("lazy", 5000), true);
  assert.deepEqual(statesOf(events, "lazy"), ["sleeping", "starting", "ready"]);
});

test("idleTimeout: an unused app goes to sleep and the next waitReady wakes it", async (t) => {
  const lazy = await app("lazy", { lazy: true, idleTimeout: 100 });
  const { supervisor, events } = supervise(t, [lazy]);
  await supervisor.start();
  assert.equal(await supervisor.waitReady("lazy", 5000), true);
  openRequest(supervisor, "lazy")(); // one request, ended: the idle timer starts
  const slept = await waitState(supervisor, "lazy", "sleeping");
  assert.equal(slept.reason, "idle for 100ms; the next request wakes it");
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
  const release = openRequest(supervisor, "lazy");
  await delay(250); // the point of the test: a request open for five idleTimeouts
  assert.equal(isReady(supervisor, "lazy"), true);
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

test("concurrent waitReady calls wake a sleeping app once; the log names what woke it", async (t) => {
  const lazy = await app("lazy", { lazy: true });
  const { supervisor, events, log } = supervise(t, [lazy]);
  await supervisor.start();
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => supervisor.waitReady("lazy", 5000, undefined, `GET /r${i}`)));
  assert.deepEqual(results, Array(20).fill(true));
  assert.deepEqual(statesOf(events, "lazy"), ["sleeping", "starting", "ready"]);
  assert.equal(supervisor.snapshot()[0].wakes, 1);
  assert.deepEqual(log.records.zoo.filter((z) => z.message.includes("woken")).map((z) => z.message), ["lazy: woken by GET /r0"]);
});

test("track: active count and last activity are reported; releasing twice counts once", async (t) => {
  const lazy = await app("lazy", { lazy: true, idleTimeout: 60_000 });
  const { supervisor } = supervise(t, [lazy]);
  await supervisor.start();
  assert.equal(await supervisor.waitReady("lazy", 5000), true);
  assert.equal(supervisor.snapshot()[0].lastActivity, undefined);
  const a = openRequest(supervisor, "lazy");
  const b = openRequest(supervisor, "lazy");
  assert.equal(supervisor.snapshot()[0].active, 2);
  assert.equal(typeof supervisor.snapshot()[0].lastActivity, "number", "the request's start is recorded");
  a();
  a();
  assert.equal(supervisor.snapshot()[0].active, 1);
  b();
  assert.equal(supervisor.snapshot()[0].active, 0);
});

test("an awake dependent keeps its dependency from sleeping; once it sleeps, the dependency does too", async (t) => {
  const db = await app("db", { lazy: true, idleTimeout: 50 });
  const web = await app("web", { lazy: true, dependsOn: { db: "ready" } });
  const { supervisor, events, log } = supervise(t, [db, web]);
  await supervisor.start();
  assert.equal(await supervisor.waitReady("web", 5000, undefined, "GET /"), true);
  assert.ok(log.records.zoo.some((z) => z.message === "db: woken by web (depends on it)"), "the wake of db is logged");
  await delay(250); // the point of the test: web awake for five of db's idleTimeouts
  assert.deepEqual(statesOf(events, "db"), ["sleeping", "starting", "ready"], "db stayed awake");
  await supervisor.stop();
  assert.deepEqual(statesOf(events, "db").slice(-2), ["stopping", "stopped"]);
});
