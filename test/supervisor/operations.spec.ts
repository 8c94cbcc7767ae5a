// zoo stop / start / scale and a reload's added and removed apps, in virtual time against fake processes: what each
// does to the replicas, what requests find meanwhile, and what the operator is told. End to end: test/operate/.
import assert from "node:assert/strict";
import { test } from "node:test";
import { virtualSupervisor } from "./fakes.ts";
import { app } from "./helpers.ts";

test("stop: every replica stops and stays stopped, with a reason requests are told; start runs them again", async (t) => {
  const web = await app("web", { port: undefined, replicas: 2 });
  const { supervisor, spawner, prober } = virtualSupervisor(t, [web]);
  prober.healthy = true;
  await supervisor.start();
  assert.equal(spawner.spawned.length, 2);
  assert.deepEqual(await supervisor.operations.stopApp("web"), { ok: true, message: "stopped" });
  assert.deepEqual(spawner.spawned.map((p) => p.signals), [["SIGTERM"], ["SIGTERM"]]);
  assert.equal(supervisor.acquire("web"), undefined);
  assert.match(supervisor.unavailable("web") ?? "", /stopped on request \(zoo start web runs it again\)/);
  assert.deepEqual(await supervisor.operations.stopApp("web"), { ok: true, message: "already stopped" });
  const started = await supervisor.operations.startApp("web");
  assert.equal(started.ok, true);
  assert.equal(spawner.spawned.length, 4, "both replicas run again");
  assert.equal(supervisor.unavailable("web"), undefined);
  const upstream = supervisor.acquire("web");
  assert.ok(upstream);
  upstream.release();
  assert.match((await supervisor.operations.startApp("web")).message, /^already ready/);
});

test("scale up: new replicas are started and awaited; scale down: the highest ones drain, then stop", async (t) => {
  const web = await app("web", { port: undefined });
  const { supervisor, clock, spawner, prober } = virtualSupervisor(t, [web]);
  prober.healthy = true;
  await supervisor.start();
  const up = await supervisor.operations.scaleApp("web", 3);
  assert.equal(up.ok, true);
  assert.match(up.message, /^1 → 3 replicas/);
  const replicas = () => supervisor.snapshot().map((row) => row.name);
  assert.deepEqual(replicas(), ["web.0", "web.1", "web.2"]);
  const portOf = (name: string) => supervisor.snapshot().find((row) => row.name === name)!.port;
  const picked = [0, 1, 2, 3, 4, 5].map(() => {
    const upstream = supervisor.acquire("web")!;
    upstream.release();
    return upstream.port;
  });
  assert.equal(new Set(picked).size, 3, "requests are spread over the three replicas");
  // Hold a request on the highest replica, the one a scale to 1 retires last.
  let held = supervisor.acquire("web")!;
  while (held.port !== portOf("web.2")) {
    held.release();
    held = supervisor.acquire("web")!;
  }
  const pidOf2 = supervisor.snapshot().find((row) => row.name === "web.2")!.pid;
  const process2 = spawner.spawned.find((p) => p.pid === pidOf2)!;
  const down = supervisor.operations.scaleApp("web", 1);
  await clock.advance(1000);
  assert.deepEqual(process2.signals, [], "a replica with an open request drains before it stops");
  assert.equal(spawner.spawned.filter((p) => p.alive).length, 2, "web.1, which had no request, is stopped at once");
  held.release();
  await clock.advance(0);
  assert.deepEqual(process2.signals, ["SIGTERM"]);
  const outcome = await down;
  assert.match(outcome.message, /^3 → 1 replica;/);
  assert.equal(spawner.spawned.filter((p) => p.alive).length, 1);
  assert.deepEqual(replicas(), ["web"], "one replica is named after its app again");
});

test("scale: more than one replica on a fixed port is refused and nothing changes", async (t) => {
  const web = await app("web");
  const { supervisor, spawner, prober } = virtualSupervisor(t, [web]);
  prober.healthy = true;
  await supervisor.start();
  const outcome = await supervisor.operations.scaleApp("web", 2);
  assert.equal(outcome.ok, false);
  assert.match(outcome.message, /fixed port/);
  assert.equal(spawner.spawned.length, 1);
  assert.deepEqual(supervisor.names(), ["web"]);
});

test("a reload's added app is started and awaited; a removed one drains (up to drainTimeout) and is forgotten", async (t) => {
  const web = await app("web", { port: undefined });
  const api = await app("api", { port: undefined });
  const { supervisor, clock, spawner, prober } = virtualSupervisor(t, [web]);
  prober.healthy = true;
  await supervisor.start();
  const added = await supervisor.operations.addApp(api);
  assert.equal(added.ok, true);
  assert.deepEqual(supervisor.names().sort(), ["api", "web"]);
  supervisor.acquire("web"); // a request that never ends
  const removed = supervisor.operations.removeApp("web");
  await clock.advance(9_999);
  assert.deepEqual(spawner.spawned[0].signals, [], "still draining");
  await clock.advance(1);
  assert.deepEqual(await removed, { ok: true, message: "drained and stopped" });
  assert.deepEqual(spawner.spawned[0].signals, ["SIGTERM"]);
  assert.deepEqual(supervisor.names(), ["api"]);
});
