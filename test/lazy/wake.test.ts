// Scale to zero through the real zoo: lazy apps start on the first request, which waits for them.
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { WebSocket } from "ws";
import { app, get, lazyZoo, statusRow } from "./helpers.ts";

test("the first request to a lazy app wakes it and is answered by it; zoo status shows sleep and wakes", async (t) => {
  const zoo = await lazyZoo(t, { apps: { lazy: app({ lazy: true }) }, routes: { "/lazy": "lazy" } });
  await zoo.waitFor(/lazy: sleeping/);
  const before = statusRow(await zoo.status(), "lazy");
  assert.match(before[1], /^sleeping/);
  assert.deepEqual(before.slice(-2), ["0", "-"], "WAKES and LAST REQUEST before any request");
  assert.equal(zoo.count(/lazy: starting/), 0, "not started at boot");

  const reply = await get(`${zoo.origin}/lazy/x?q=1`);
  assert.equal(reply.status, 200);
  assert.match(reply.body, /^\/lazy\/x\?q=1 pid \d+\n$/);
  assert.match(zoo.output(), /zoo\s+\| lazy: woken by GET \/lazy\/x\?q=1\n/);

  const after = statusRow(await zoo.status(), "lazy");
  assert.equal(after[1], "ready");
  assert.equal(after[2], reply.body.match(/pid (\d+)/)![1], "PID column is the app that answered");
  assert.equal(after.at(-2), "1", "one wake");
  assert.match(after.at(-1)!, /^\d+s ago$/);
});

test("50 concurrent first requests all succeed and the app is started exactly once", async (t) => {
  // The app takes a moment to open its port, so every request arrives while it starts.
  const zoo = await lazyZoo(t, { apps: { lazy: app({ lazy: true }, { LISTEN_DELAY_MS: "300" }) }, routes: { "/": "lazy" } });
  await zoo.waitFor(/lazy: sleeping/);
  const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => get(`${zoo.origin}/r${i}`)));
  const pids = new Set(replies.map((r) => r.body.match(/pid (\d+)/)?.[1]));
  assert.deepEqual(replies.map((r) => r.status), Array(50).fill(200));
  replies.forEach((r, i) => assert.match(r.body, new RegExp(`^/r${i} pid`)));
  assert.equal(pids.size, 1, "one process answered them all");
  assert.equal(zoo.count(/lazy: starting/), 1, zoo.output());
  assert.equal(zoo.count(/lazy: woken by/), 1);
  assert.equal(statusRow(await zoo.status(), "lazy").at(-2), "1");
});

test("a lazy app that is not ready within readyWait: 503 that says so, and the app still starts once", async (t) => {
  const zoo = await lazyZoo(t, {
    readyWait: "200ms",
    apps: { slow: app({ lazy: true }, { LISTEN_DELAY_MS: "1500" }) },
    routes: { "/": "slow" },
  });
  await zoo.waitFor(/slow: sleeping/);
  const res = await fetch(`${zoo.origin}/a`);
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "1");
  assert.match(await res.text(), /route \/ → app slow: the app is not ready after 200 ms \(readyWait\); it may still be starting, retry shortly/);
  await zoo.waitFor(/slow: ready/);
  assert.equal((await get(`${zoo.origin}/b`)).status, 200);
  assert.equal(zoo.count(/slow: starting/), 1);
});

test("a WebSocket upgrade wakes a lazy app and talks to it", async (t) => {
  const zoo = await lazyZoo(t, { apps: { ws: app({ lazy: true }) }, routes: { "/ws": "ws" } });
  await zoo.waitFor(/ws: sleeping/);
  const ws = new WebSocket(`ws://127.0.0.1:${zoo.port}/ws/chat`);
  t.after(() => ws.terminate());
  await once(ws, "open");
  ws.send("hi");
  const [data] = await once(ws, "message");
  assert.equal(String(data), "echo hi");
  assert.match(zoo.output(), /ws: woken by GET \/ws\/chat \(WebSocket\)/);
  ws.close();
  await once(ws, "close");
});

test("waking an app wakes what it depends on first, and a dependency is not put to sleep while its dependent is awake", async (t) => {
  const zoo = await lazyZoo(t, {
    apps: {
      db: app({ lazy: true, idleTimeout: "200ms" }),
      web: app({ lazy: true, idleTimeout: "800ms", dependsOn: ["db"] }),
    },
    routes: { "/": "web" },
  });
  await zoo.waitFor(/web: sleeping/);
  assert.equal((await get(`${zoo.origin}/x`)).status, 200);
  const out = zoo.output();
  const order = ["web: woken by GET /x", "db: woken by web (depends on it)", "db: ready", "web: starting", "web: ready"];
  const at = order.map((line) => out.indexOf(line));
  assert.ok(at.every((i, n) => i >= 0 && (n === 0 || i > at[n - 1])), `expected in order: ${order.join(" → ")}\n${out}`);

  // db's own idleTimeout (200ms) passes several times over while web (800ms) is awake: db stays up.
  await zoo.waitFor(/web: idle for 800ms, stopping/);
  assert.doesNotMatch(zoo.output(), /db: idle for/, "db slept while web was awake");
  await zoo.waitFor(/web: sleeping/);
  await zoo.waitFor(/db: idle for 200ms, stopping/);
  await zoo.waitFor(/db: sleeping/);

  // The next request wakes both again.
  assert.equal((await get(`${zoo.origin}/y`)).status, 200);
  assert.equal(zoo.count(/db: starting/), 2);
  const table = await zoo.status();
  assert.equal(statusRow(table, "db").at(-2), "2");
  assert.equal(statusRow(table, "web").at(-2), "2");
});
