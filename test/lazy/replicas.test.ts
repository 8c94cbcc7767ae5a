// A lazy app with replicas through the real zoo: the first request wakes replica 0 and is answered by it, the other
// replica starts once replica 0 is ready; a WebSocket on one replica keeps both awake; once it closes, both sleep.
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { WebSocket } from "ws";
import { app, get, lazyZoo, statusRow } from "./helpers.ts";

test("replicas: the first request wakes replica 0, the other follows; idleTimeout puts both to sleep together", async (t) => {
  const zoo = await lazyZoo(t, {
    apps: {
      node: app({ lazy: true, replicas: 2, idleTimeout: "300ms" }, { LISTEN_DELAY_MS: "200" }),
      // Woken after the WebSocket is open: once it has idled out (1.2s), an unused replica would have slept long ago.
      witness: app({ lazy: true, idleTimeout: "1200ms" }),
    },
    routes: { "/": "node", "/witness": "witness" },
  });
  await zoo.waitFor(/node\.1: sleeping/);

  const first = await get(`${zoo.origin}/first`);
  assert.equal(first.status, 200);
  await zoo.waitFor(/node\.1: ready/);
  const out = zoo.output();
  assert.match(out, /node\.0: woken by GET \/first\n/);
  assert.match(out, /node\.1: woken by GET \/first, after node\.0\n/);
  assert.ok(out.indexOf("node.0: ready") < out.indexOf("node.1: starting"), `replica 0 was ready before replica 1 started:\n${out}`);
  assert.equal(first.body.match(/pid (\d+)/)?.[1], statusRow(await zoo.status(), "node.0")[2], "replica 0 answered the first request");

  const ws = new WebSocket(`ws://127.0.0.1:${zoo.port}/`);
  t.after(() => ws.terminate());
  await once(ws, "open");
  assert.equal((await get(`${zoo.origin}/witness/x`)).status, 200);
  await zoo.waitFor(/witness: idle for 1\.2s, stopping/);
  ws.send("still there?");
  assert.equal(String((await once(ws, "message"))[0]), "echo still there?");
  assert.doesNotMatch(zoo.output(), /node\.\d: idle for/, "a replica slept while the other had a WebSocket open");
  const table = await zoo.status();
  assert.deepEqual([statusRow(table, "node.0")[1], statusRow(table, "node.1")[1]], ["ready", "ready"]);

  const closedAt = zoo.output().length;
  ws.close();
  await once(ws, "close");
  await zoo.waitFor(/node\.0: sleeping \(idle/);
  await zoo.waitFor(/node\.1: sleeping \(idle/);
  const lines = zoo.output().slice(closedAt).split("\n").filter((line) => /node\.\d: (idle for|sleeping)/.test(line));
  assert.equal(lines.length, 4, lines.join("\n"));
  assert.ok(lines.slice(0, 2).every((line) => /idle for 300ms, stopping/.test(line)), `both stopped before either slept:\n${lines.join("\n")}`);
});
