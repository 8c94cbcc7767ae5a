// idleTimeout through the real zoo: unused apps are stopped and put to sleep, open downloads and
// WebSockets keep them up, and a request racing the stop is held and served by the woken app.
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { WebSocket } from "ws";
import { app, get, lazyZoo, statusRow } from "./helpers.ts";

const pidOf = (body: string) => body.match(/pid (\d+)/)?.[1];

test("an app that is not lazy is stopped after idleTimeout without requests, and the next request wakes it", async (t) => {
  const zoo = await lazyZoo(t, { apps: { node: app({ idleTimeout: "300ms" }) }, routes: { "/node": "node" } });
  await zoo.waitFor(/node: ready/);
  const first = await get(`${zoo.origin}/node/a`);
  assert.equal(first.status, 200);
  await zoo.waitFor(/zoo\s+\| node: idle for 300ms, stopping\n/);
  await zoo.waitFor(/node: sleeping/);
  const table = await zoo.status();
  assert.match(statusRow(table, "node")[1], /^sleeping/);
  assert.equal(statusRow(table, "node")[2], "-", "no process while asleep");
  assert.deepEqual(await zoo.health(), { code: 0, text: "healthy\n" }, "asleep on purpose is healthy");

  const second = await get(`${zoo.origin}/node/x`);
  assert.equal(second.status, 200);
  assert.notEqual(pidOf(second.body), pidOf(first.body), "a new process answered");
  assert.match(zoo.output(), /node: woken by GET \/node\/x\n/);
  assert.equal(statusRow(await zoo.status(), "node")[4], "0", "sleeping and waking are not restarts");
});

test("an open download keeps the app awake past several idleTimeouts; it sleeps once the download ends", async (t) => {
  const zoo = await lazyZoo(t, { apps: { files: app({ idleTimeout: "300ms" }) }, routes: { "/": "files" } });
  await zoo.waitFor(/files: ready/);
  const res = await fetch(`${zoo.origin}/download?ms=1200`);
  assert.equal(res.status, 200);
  const body = await res.text(); // held open by the app for 1.2s: four idleTimeouts
  assert.equal(body, "first\nlast\n");
  assert.doesNotMatch(zoo.output(), /files: idle for/, "stopped during the download");
  await zoo.waitFor(/files: idle for 300ms, stopping/);
  await zoo.waitFor(/files: sleeping/);
});

test("an open WebSocket keeps the app awake past several idleTimeouts; it sleeps once the socket closes", async (t) => {
  const zoo = await lazyZoo(t, { apps: { chat: app({ idleTimeout: "300ms" }) }, routes: { "/": "chat" } });
  await zoo.waitFor(/chat: ready/);
  const ws = new WebSocket(`ws://127.0.0.1:${zoo.port}/`);
  t.after(() => ws.terminate());
  await once(ws, "open");
  assert.match((await zoo.status()).split("\n").find((l) => l.startsWith("chat"))!, /now \(1 open\)/);
  await delay(1000); // the point of the test: an idle WebSocket held open for over three idleTimeouts
  ws.send("still there?");
  assert.equal(String((await once(ws, "message"))[0]), "echo still there?");
  assert.doesNotMatch(zoo.output(), /chat: idle for/, "stopped while the WebSocket was open");
  ws.close();
  await once(ws, "close");
  await zoo.waitFor(/chat: idle for 300ms, stopping/);
  await zoo.waitFor(/chat: sleeping/);
});

test("a request that arrives while the idle stop is in progress is held and served by the woken app", async (t) => {
  // The app takes 500ms to exit after SIGTERM, so a request sent when zoo says "stopping" lands mid-stop.
  const zoo = await lazyZoo(t, { apps: { node: app({ idleTimeout: "200ms" }, { STOP_DELAY_MS: "500" }) }, routes: { "/": "node" } });
  await zoo.waitFor(/node: ready/);
  const first = await get(`${zoo.origin}/a`);
  await zoo.waitFor(/node: idle for 200ms, stopping/);
  const racing = await get(`${zoo.origin}/racing`);
  assert.equal(racing.status, 200, racing.body);
  assert.match(racing.body, /^\/racing pid/);
  assert.notEqual(pidOf(racing.body), pidOf(first.body), "served by the woken app, not the one stopping");
  const out = zoo.output();
  const slept = out.indexOf("node: sleeping");
  const woken = out.indexOf("node: woken by GET /racing");
  assert.ok(slept > 0 && woken > slept, `the stop finished, then the held request woke the app:\n${out}`);
  assert.doesNotMatch(out, /node: (failed|backoff)/);
});

test("requests racing the idle stop in a burst all succeed, with one wake", async (t) => {
  const zoo = await lazyZoo(t, { apps: { node: app({ idleTimeout: "200ms" }, { STOP_DELAY_MS: "300" }) }, routes: { "/": "node" } });
  await zoo.waitFor(/node: ready/);
  await get(`${zoo.origin}/a`);
  await zoo.waitFor(/node: idle for 200ms, stopping/);
  const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => get(`${zoo.origin}/r${i}`)));
  assert.deepEqual(replies.map((r) => r.status), Array(20).fill(200));
  assert.equal(new Set(replies.map((r) => pidOf(r.body))).size, 1);
  assert.equal(zoo.count(/node: woken by/), 1);
  assert.equal(zoo.count(/node: starting/), 2, "boot and one wake");
});
