// close(drainMs): stop accepting, close idle keep-alive connections at once, let in-flight requests finish
// up to drainMs, then destroy the rest.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { once } from "node:events";
import { WebSocket, WebSocketServer } from "ws";
import { TestGate } from "./helpers/gate.ts";
import { app, request, startProxy, until, upstream } from "./helpers/net.ts";

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("connect", () => (socket.destroy(), resolve(false)));
    socket.on("error", () => resolve(true));
  });
}

test("an idle keep-alive connection is closed at once; new connections are refused", async (t) => {
  const up = await upstream(t, (_req, res) => res.end("ok"));
  const { proxy, port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const agent = new http.Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  assert.equal((await request(port, "/", { agent })).status, 200);
  const [idle] = Object.values(agent.freeSockets).flat();
  assert.ok(idle, "the client holds an idle keep-alive socket");
  const started = Date.now();
  await proxy.close(5000);
  assert.ok(Date.now() - started < 3000, `close took ${Date.now() - started} ms with only idle connections`);
  await until(() => idle!.destroyed, "the idle client socket to be closed by zoo");
  assert.ok(await refused(port));
});

test("an in-flight request finishes within drainMs, then its connection closes", async (t) => {
  const up = await upstream(t, (_req, res) => setTimeout(() => res.end("late but whole"), 300));
  const { proxy, port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const agent = new http.Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const pending = request(port, "/", { agent });
  await until(() => up.open.size === 1, "the request to reach the app");
  const closing = proxy.close(5000);
  const reply = await pending;
  assert.equal(reply.status, 200);
  assert.equal(reply.body, "late but whole");
  const started = Date.now();
  await closing;
  assert.ok(Date.now() - started < 3000, "close resolves once the last request is done, not after drainMs");
});

test("requests still running after drainMs are cut; WebSockets too", async (t) => {
  const up = await upstream(t, () => {}); // never answers
  const wss = new WebSocketServer({ server: up.server });
  t.after(() => wss.close());
  const { proxy, port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }), { upstreamTimeout: 60_000 });
  const hanging = request(port, "/").then(
    () => "answered",
    (error: Error) => error.message,
  );
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  await once(ws, "open");
  await until(() => up.open.size === 2, "both connections to reach the app");
  const started = Date.now();
  await proxy.close(200);
  const took = Date.now() - started;
  assert.ok(took >= 190 && took < 1500, `close took ${took} ms`);
  assert.equal(await hanging, "socket hang up");
  await once(ws, "close");
  await until(() => up.open.size === 0, "upstream sockets to close");
});
