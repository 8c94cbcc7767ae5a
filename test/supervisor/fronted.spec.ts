// An app zoo fronts but does not run (`url`: fronted.ts), in virtual time: only its probe moves its state, requests
// go to its address, nothing is spawned, and stopping it only stops the probing. End to end: test/address/.
import assert from "node:assert/strict";
import { test } from "node:test";
import { virtualSupervisor } from "./fakes.ts";
import { app, tcp } from "./helpers.ts";

const remote = () => app("remote", { command: [], port: undefined, url: { host: "10.0.0.7", port: 9000 }, health: tcp({ startTimeout: 1000 }) });

test("a fronted app: starting until its probe passes, then ready, routed to its address; nothing is spawned", async (t) => {
  const { supervisor, clock, spawner, prober, events } = virtualSupervisor(t, [await remote()]);
  await supervisor.start();
  assert.equal(supervisor.snapshot()[0].state, "starting");
  assert.equal(supervisor.acquire("remote"), undefined, "not routed to before its probe passes");
  await clock.advance(5000);
  assert.equal(supervisor.snapshot()[0].state, "starting", "never given up on: zoo cannot restart it");
  prober.healthy = true;
  await clock.advance(250);
  assert.equal(supervisor.snapshot()[0].state, "ready");
  const upstream = supervisor.acquire("remote")!;
  assert.deepEqual([upstream.host, upstream.port], ["10.0.0.7", 9000]);
  assert.equal(supervisor.snapshot()[0].active, 1);
  upstream.release();
  assert.equal(spawner.spawned.length, 0);
  assert.deepEqual(supervisor.processes("remote"), []);
  assert.match(events[0].reason ?? "", /probing http:\/\/10\.0\.0\.7:9000 \(zoo does not run this app\)/);
});

test("a fronted app whose probe fails is unhealthy and not routed to, and ready again once it passes", async (t) => {
  const { supervisor, clock, prober } = virtualSupervisor(t, [await remote()]);
  prober.healthy = true;
  await supervisor.start();
  await clock.advance(250);
  assert.equal(supervisor.snapshot()[0].state, "ready");
  prober.healthy = false;
  await clock.advance(60_000);
  assert.equal(supervisor.snapshot()[0].state, "unhealthy");
  assert.equal(supervisor.acquire("remote"), undefined);
  prober.healthy = true;
  await clock.advance(60_000);
  assert.equal(supervisor.snapshot()[0].state, "ready");
});

test("stopping a fronted app stops the probing only: stopped by zoo, no signal sent anywhere", async (t) => {
  const { supervisor, clock, prober } = virtualSupervisor(t, [await remote()]);
  prober.healthy = true;
  await supervisor.start();
  await clock.advance(250);
  await supervisor.stop();
  const [row] = supervisor.snapshot();
  assert.equal(row.state, "stopped");
  assert.equal(row.reason, "stopped by zoo");
  const probes = prober.times.length;
  await clock.advance(60_000);
  assert.equal(prober.times.length, probes, "no probe after stop");
});
