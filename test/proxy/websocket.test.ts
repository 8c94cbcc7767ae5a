// WebSockets through the same route table, with the ws package as client and echo server.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { once } from "node:events";
import { WebSocket, WebSocketServer } from "ws";
import { TestGate } from "./helpers/gate.ts";
import { app, raw, startProxy, until, upstream } from "./helpers/net.ts";

async function echoServer(t: import("node:test").TestContext) {
  const urls: string[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  const sockets = new Set<WebSocket>();
  const up = await upstream(t, (_req, res) => res.end("plain http"));
  const wss = new WebSocketServer({ server: up.server });
  wss.on("connection", (ws, req) => {
    urls.push(req.url!);
    headers.push(req.headers);
    sockets.add(ws);
    ws.on("close", () => sockets.delete(ws));
    ws.on("message", (data, binary) => ws.send(data, { binary }));
  });
  t.after(() => wss.close());
  return { up, urls, headers, sockets };
}

async function connect(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await once(ws, "open");
  return ws;
}

test("WebSocket echo through a stripped prefix, frames both ways", async (t) => {
  const echo = await echoServer(t);
  const gate = new TestGate({ chat: { port: echo.up.port } });
  const { port, gate: g, access } = await startProxy(t, [app("/chat", "chat", true)], gate);
  const ws = await connect(`ws://127.0.0.1:${port}/chat/room?x=1`);
  assert.equal(echo.urls[0], "/room?x=1");
  assert.equal(echo.headers[0]["x-forwarded-prefix"], "/chat");
  assert.equal(echo.headers[0]["x-forwarded-for"], "127.0.0.1");
  assert.equal(g.active.get("chat"), 1, "the connection is tracked while open");

  for (const message of ["hello", "x".repeat(200_000)]) {
    ws.send(message);
    const [data] = (await once(ws, "message")) as [Buffer];
    assert.equal(data.toString(), message);
  }
  ws.send(Buffer.from([1, 2, 3]));
  const [binary] = (await once(ws, "message")) as [Buffer];
  assert.deepEqual([...binary], [1, 2, 3]);

  ws.close(1000, "bye");
  const [code] = await once(ws, "close");
  assert.equal(code, 1000);
  await until(() => echo.up.open.size === 0, "the upstream socket to close");
  await until(() => g.active.get("chat") === 0, "tracking to end");
  await until(() => access.length === 1, "the access line");
  assert.equal(access[0].status, 101);
  assert.equal(access[0].path, "/chat/room?x=1");
});

test("the app closing a WebSocket closes the client's, and the other way round", async (t) => {
  const echo = await echoServer(t);
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: echo.up.port } }));

  const ws = await connect(`ws://127.0.0.1:${port}/`);
  await until(() => echo.sockets.size === 1, "the upstream connection");
  for (const s of echo.sockets) s.terminate(); // the app goes away abruptly
  await once(ws, "close");
  await until(() => echo.up.open.size === 0, "upstream sockets to close");

  // The client vanishes without a close frame.
  const raw = net.connect(port, "127.0.0.1");
  raw.write(
    "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  const [first] = (await once(raw, "data")) as [Buffer];
  assert.match(first.toString(), /^HTTP\/1\.1 101/);
  await until(() => echo.sockets.size === 1, "the upstream connection");
  raw.destroy();
  await until(() => echo.sockets.size === 0 && echo.up.open.size === 0, "the upstream side to close");
});

test("WebSocket errors: refused → 502, not ready → 503, no route → 404, wrong route kind → 400", async (t) => {
  const closed = net.createServer().listen(0, "127.0.0.1");
  await once(closed, "listening");
  const deadPort = (closed.address() as net.AddressInfo).port;
  closed.close();
  const gate = new TestGate({ dead: { port: deadPort }, later: { port: deadPort, ready: false } });
  const routes = [app("/dead", "dead"), app("/later", "later"), { prefix: "/files", kind: "static" as const, dir: "/nonexistent" }];
  const { port } = await startProxy(t, routes, gate, { readyWait: 100 });
  const upgrade = (path: string) =>
    raw(port, `GET ${path} HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const dead = await upgrade("/dead");
  assert.match(dead, /^HTTP\/1\.1 502/);
  assert.match(dead, /route \/dead → app dead/);
  const later = await upgrade("/later");
  assert.match(later, /^HTTP\/1\.1 503/);
  assert.match(later, /Retry-After: 1/);
  assert.match(await upgrade("/nowhere"), /^HTTP\/1\.1 404/);
  assert.match(await upgrade("/files"), /^HTTP\/1\.1 400/);
});

test("a WebSocket to an app that answers plain HTTP gets that answer", async (t) => {
  const up = await upstream(t, (_req, res) => {
    res.writeHead(426, { "content-length": 4 });
    res.end("nope");
  });
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  const [, res] = (await once(ws, "unexpected-response")) as [unknown, http.IncomingMessage];
  assert.equal(res.statusCode, 426);
  ws.on("error", () => {}); // terminating a socket that never opened reports an error
  ws.terminate();
});
