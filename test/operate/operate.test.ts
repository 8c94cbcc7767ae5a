// Operating a running zoo for real: per-app stop/start/restart, logs, and reload, under load, counting failures.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readlinkSync, statSync } from "node:fs";
import { test } from "node:test";
import WebSocket from "ws";
import { controlSocketPath } from "../../src/admin/server.ts";
import { CLI } from "../helpers/zoo-process.ts";
import { app, get, isGone, pidOf, runZoo } from "./helpers.ts";
import { startLoad } from "./load.ts";

const ROUTES = { "/": "node" };

test("zoo restart under load: a new instance takes over, no request fails, the WebSocket lives until the drain ends", async (t) => {
  const z = await runZoo(t, { apps: { node: app() }, routes: ROUTES });
  await z.zoo.waitFor(/node: ready/);
  const oldPid = await pidOf(z.port);
  const ws = new WebSocket(`ws://127.0.0.1:${z.port}/chat`);
  await once(ws, "open");
  let wsClosedAt = 0;
  ws.on("close", () => (wsClosedAt = Date.now()));
  ws.on("error", () => {});
  const load = startLoad(z.port);
  await load.reached(300);
  const restarting = z.cli("restart", "node");
  // The new instance is ready and has the traffic; the old one drains: its WebSocket still works.
  await z.zoo.waitFor(/node: ready in \d+ms[^]*node: ready in \d+ms/, 30_000);
  ws.send("still there?");
  const [reply] = await once(ws, "message");
  assert.equal(String(reply), "a echo still there?", "the old instance still serves its WebSocket while draining");
  const restarted = await restarting;
  assert.equal(restarted.code, 0, restarted.stdout + restarted.stderr);
  assert.match(restarted.stdout, /node: restarted/);
  assert.ok(wsClosedAt > 0, "the WebSocket was closed when the drain ended and the old instance stopped");
  const sent = await load.stop();
  assert.equal(sent.failed, 0, `failed requests: ${sent.failures.join("; ")} of ${sent.sent}`);
  assert.ok(sent.sent > 300);
  assert.notEqual(await pidOf(z.port), oldPid);
  for (let i = 0; i < 100 && !isGone(oldPid); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(isGone(oldPid), "the old instance is gone after the drain");
});

test("zoo stop keeps an app stopped (503 saying so, status shows it) until zoo start; unknown names are usage errors", async (t) => {
  const z = await runZoo(t, { apps: { node: app() }, routes: ROUTES, readyWait: "300ms" });
  await z.zoo.waitFor(/node: ready/);
  const stopped = await z.cli("stop", "node");
  assert.equal(stopped.code, 0, stopped.stderr);
  const answer = await get(z.port);
  assert.equal(answer.status, 503);
  assert.match(answer.body, /stopped on request/);
  const status = await z.cli("status");
  assert.match(status.stdout, /^node\s+stopped \(stopped on request\)/m);
  const unknown = await z.cli("restart", "nod");
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown app "nod" — did you mean "node"\?/);
  const none = await z.cli("stop");
  assert.equal(none.code, 2);
  const started = await z.cli("start", "node");
  assert.equal(started.code, 0, started.stderr);
  assert.equal((await get(z.port)).status, 200);
});

test("the control socket is usable only by zoo's own user (mode 0600)", async (t) => {
  const z = await runZoo(t, { apps: { node: app() }, routes: ROUTES });
  await z.zoo.waitFor(/node: starting/); // the control socket is up before the apps start
  const socket = controlSocketPath(undefined, z.port);
  assert.equal(statSync(socket).mode & 0o777, 0o600);
});

test("zoo logs prints the last lines with zoo's own lines about the app; -f follows new ones", async (t) => {
  const z = await runZoo(t, { apps: { node: app() }, routes: ROUTES });
  await z.zoo.waitFor(/node: ready/);
  await get(z.port, "/say?text=before-follow");
  const tail = await z.cli("logs", "node", "-n", "50");
  assert.equal(tail.code, 0, tail.stderr);
  assert.match(tail.stdout, /node \| listening on \d+/);
  assert.match(tail.stdout, /node \| zoo: node: ready/);
  assert.match(tail.stdout, /before-follow/);
  const json = await z.cli("logs", "node", "--json", "-n", "1");
  assert.deepEqual(Object.keys(JSON.parse(json.stdout.trim())).sort(), ["app", "msg", "stream", "time"]);

  const follower = spawn(process.execPath, [CLI, "logs", "node", "-f", "-n", "0", "-c", z.file, "--listen", `127.0.0.1:${z.port}`]);
  t.after(() => follower.kill());
  let followed = "";
  follower.stdout.on("data", (chunk) => (followed += chunk));
  // The follower is attached once a line printed now reaches it: retry until one does.
  for (let i = 0; i < 100 && !followed.includes("after-follow"); i++) {
    await get(z.port, `/say?text=after-follow`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(followed, /node \| after-follow/);
  follower.kill("SIGINT");
  assert.deepEqual(await once(follower, "exit"), [0, null], "Ctrl-C ends a follow with exit 0");
});

test("zoo logs -f interrupted before any line: exit 0, no error", async (t) => {
  const z = await runZoo(t, { apps: { node: app() }, routes: ROUTES });
  await z.zoo.waitFor(/node: ready/);
  const follower = spawn(process.execPath, [CLI, "logs", "node", "-f", "-n", "0", "-c", z.file, "--listen", `127.0.0.1:${z.port}`]);
  t.after(() => follower.kill());
  let stderr = "";
  follower.stderr.on("data", (chunk) => (stderr += chunk));
  // Attached: the follower holds a socket beyond its stdio (which are socket pairs too): its connection to zoo.
  const holdsSocket = () =>
    readdirSync(`/proc/${follower.pid}/fd`).some((fd) => Number(fd) > 2 && readlinkSafe(`/proc/${follower.pid}/fd/${fd}`).startsWith("socket:"));
  for (let i = 0; i < 200 && !holdsSocket(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(holdsSocket(), "the follower connected");
  follower.kill("SIGINT");
  assert.deepEqual(await once(follower, "exit"), [0, null]);
  assert.equal(stderr, "");
});

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "";
  }
}
