// An app's replicas wake and sleep as one: a lazy app wakes replica 0 first and the others once it is ready (or has
// failed); idleTimeout puts them to sleep together, once none of them has been used for that long. Real processes.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { app, FIXTURES, NODE, openRequest, statesOf, supervise, waitState } from "./helpers.ts";
import type { SupervisorEvent } from "../../src/supervisor/index.ts";

/** "node.0 ready", "node.1 starting", … in the order they happened. */
const changes = (events: SupervisorEvent[], prefix: string) => events.filter((e) => e.app.startsWith(prefix)).map((e) => `${e.app} ${e.to}`);

test("a lazy app with replicas wakes replica 0 first and the others once it is ready; the first requests get replica 0", async (t) => {
  // Each replica takes a moment to listen: the others would be starting by then if they were woken with it.
  const node = await app("node", { lazy: true, replicas: 3, port: undefined, env: { LISTEN_DELAY_MS: "150" } });
  const { supervisor, events, log } = supervise(t, [node]);
  await supervisor.start();
  assert.deepEqual(changes(events, "node"), ["node.0 sleeping", "node.1 sleeping", "node.2 sleeping"]);
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => supervisor.waitReady("node", 10_000, undefined, `GET /r${i}`)));
  assert.deepEqual(results, Array(10).fill(true));
  const upstream = supervisor.acquire("node")!;
  upstream.release();
  assert.equal(upstream.port, supervisor.snapshot().find((s) => s.name === "node.0")!.port, "the first ready replica is replica 0");
  await waitState(supervisor, "node.1", "ready");
  await waitState(supervisor, "node.2", "ready");
  const order = changes(events, "node");
  const ready0 = order.indexOf("node.0 ready");
  assert.ok(ready0 > 0 && ready0 < order.indexOf("node.1 starting") && ready0 < order.indexOf("node.2 starting"), order.join(", "));
  for (const name of ["node.0", "node.1", "node.2"]) assert.deepEqual(statesOf(events, name), ["sleeping", "starting", "ready"], name);
  assert.deepEqual(supervisor.snapshot().map((s) => s.wakes), [1, 1, 1]);
  const woken = log.records.zoo.filter((z) => z.message.includes("woken")).map((z) => z.message);
  assert.deepEqual(woken.sort(), ["node.0: woken by GET /r0", "node.1: woken by GET /r0, after node.0", "node.2: woken by GET /r0, after node.0"]);
});

test("a lazy app whose first replica fails to start still wakes the others, and the request gets one of them", async (t) => {
  // Replica 0 exits at once; the others run the usual server.
  const script = `process.env.ZOO_REPLICA === "0" ? process.exit(3) : import(${JSON.stringify(join(FIXTURES, "server.js"))})`;
  const node = await app("node", { lazy: true, replicas: 2, port: undefined, command: [NODE, "-e", script], restart: "never" });
  const { supervisor, events } = supervise(t, [node]);
  await supervisor.start();
  assert.equal(await supervisor.waitReady("node", 10_000), true);
  const order = changes(events, "node");
  assert.ok(order.indexOf("node.0 stopped") < order.indexOf("node.1 starting"), order.join(", "));
  assert.equal(statesOf(events, "node.1").at(-1), "ready");
  const upstream = supervisor.acquire("node")!;
  upstream.release();
  assert.equal(upstream.port, supervisor.snapshot().find((s) => s.name === "node.1")!.port);
});

test("idleTimeout: no replica sleeps while another serves; once none is used, they all go to sleep together", async (t) => {
  const node = await app("node", { replicas: 2, port: undefined, idleTimeout: 100 });
  // The witness's idle timer starts after both replicas' timers and runs four times as long: once it is asleep, an
  // unused replica would have been asleep long ago if replicas slept on their own.
  const witness = await app("witness", { idleTimeout: 400 });
  const { supervisor, events } = supervise(t, [node, witness]);
  await supervisor.start();
  await waitState(supervisor, "node.0", "ready");
  const release = openRequest(supervisor, "node"); // a long request on one replica, from before its idle timer ran out
  await Promise.all(["node.1", "witness"].map((name) => waitState(supervisor, name, "ready"))); // the other gets nothing
  openRequest(supervisor, "witness")();
  await waitState(supervisor, "witness", "sleeping");
  assert.deepEqual(changes(events, "node").filter((c) => !/ (starting|ready)$/.test(c)), [], "no replica went to sleep");
  assert.equal(supervisor.snapshot().filter((s) => s.state === "ready").length, 2);

  release();
  await waitState(supervisor, "node.0", "sleeping");
  await waitState(supervisor, "node.1", "sleeping");
  const tail = changes(events, "node").slice(-4);
  assert.deepEqual(tail.slice(0, 2).sort(), ["node.0 stopping", "node.1 stopping"], `both stop before either sleeps: ${tail.join(", ")}`);
  assert.deepEqual(tail.slice(2).sort(), ["node.0 sleeping", "node.1 sleeping"]);

  // Asleep together, woken by the next request: replica 0, then replica 1.
  assert.equal(await supervisor.waitReady("node", 10_000), true);
  await waitState(supervisor, "node.1", "ready");
  const woken = changes(events, "node").slice(-4);
  assert.deepEqual(woken, ["node.0 starting", "node.0 ready", "node.1 starting", "node.1 ready"]);
});


test("scaling up a lazy app: a new replica sleeps with sleeping replicas, and is woken to join awake ones", async (t) => {
  const node = await app("node", { lazy: true, replicas: 1, port: undefined });
  const { supervisor } = supervise(t, [node]);
  await supervisor.start();
  const asleep = await supervisor.operations.scaleApp("node", 2);
  assert.match(asleep.message, /node\.1: started \(sleeping until its first request\)/);
  assert.equal(await supervisor.waitReady("node", 10_000), true);
  await waitState(supervisor, "node.1", "ready");
  const awake = await supervisor.operations.scaleApp("node", 3);
  assert.match(awake.message, /node\.2: started \(woken: its app's other replicas are awake\)/);
  await waitState(supervisor, "node.2", "ready");
});
