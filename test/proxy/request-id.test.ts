// X-Request-Id on real sockets: one ID per exchange, sent to the app, back to the client (also on zoo's own pages)
// and in the access log; the client's own ID kept only behind a trusted proxy, and only when it is sane.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { WebSocket, WebSocketServer } from "ws";
import { TestGate } from "./helpers/gate.ts";
import { app, closedPort, echo, raw, request, startProxy, until, upstream } from "./helpers/net.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("a new ID per request: the app gets it, the client gets it back, the access log shows it", async (t) => {
  const up = await echo(t);
  const { port, access } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const first = await request(port, "/x");
  const second = await request(port, "/y");
  const id = first.headers["x-request-id"];
  assert.match(String(id), UUID);
  assert.equal(JSON.parse(first.body).headers["x-request-id"], id, "the app saw the same ID");
  assert.notEqual(second.headers["x-request-id"], id, "one ID per request");
  await until(() => access.length === 2, "two access lines");
  assert.equal(access[0].requestId, id);
});

test("the client's ID is replaced unless trustProxy is on", async (t) => {
  const up = await echo(t);
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const reply = await request(port, "/", { headers: { "x-request-id": "from-the-client" } });
  assert.match(String(reply.headers["x-request-id"]), UUID);
  assert.equal(JSON.parse(reply.body).headers["x-request-id"], reply.headers["x-request-id"]);
});

test("with trustProxy, a sane client ID is kept; an empty, long, spaced, non-ASCII or repeated one is replaced", async (t) => {
  const up = await echo(t);
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }), { trustProxy: true });
  const kept = "req-01HV6Z~abc_DEF.123:/+=";
  const reply = await request(port, "/", { headers: { "x-request-id": kept } });
  assert.equal(reply.headers["x-request-id"], kept);
  assert.equal(JSON.parse(reply.body).headers["x-request-id"], kept);
  assert.equal((await request(port, "/", { headers: { "x-request-id": "x".repeat(200) } })).headers["x-request-id"], "x".repeat(200));

  for (const bad of ["x".repeat(201), "two words", "caf\u00e9"]) {
    const replaced = await request(port, "/", { headers: { "x-request-id": Buffer.from(bad, "utf8").toString("latin1") } });
    assert.match(String(replaced.headers["x-request-id"]), UUID, bad);
    assert.equal(JSON.parse(replaced.body).headers["x-request-id"], replaced.headers["x-request-id"]);
  }
  const empty = await raw(port, "GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: \r\nConnection: close\r\n\r\n");
  assert.match(empty, /\r\nX-Request-Id: [0-9a-f-]{36}\r\n/);
  const twice = await raw(port, "GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: a\r\nX-Request-Id: b\r\nConnection: close\r\n\r\n");
  assert.match(twice, /\r\nX-Request-Id: [0-9a-f-]{36}\r\n/);
});

test("the app's own X-Request-Id does not reach the client: one ID, the one zoo logged", async (t) => {
  const up = await upstream(t, (_req, res) => res.writeHead(200, { "x-request-id": "app-made", "content-length": 2 }).end("ok"));
  const { port, access } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const reply = await raw(port, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  const ids = [...reply.matchAll(/\r\nx-request-id: ([^\r]*)/gi)].map((m) => m[1]);
  await until(() => access.length === 1, "the access line");
  assert.deepEqual(ids, [access[0].requestId]);
});

test("zoo's own answers carry the ID too: error pages, redirects, static files", async (t) => {
  const routes = [
    app("/dead", "dead"),
    app("/later", "later"),
    { prefix: "/old", kind: "redirect" as const, to: "/new", status: 302 as const },
    { prefix: "/files", kind: "static" as const, dir: import.meta.dirname },
  ];
  const gate = new TestGate({ dead: { port: await closedPort() }, later: { port: 1, ready: false } });
  const { port, access } = await startProxy(t, routes, gate, { readyWait: 50 });
  const paths = ["/dead", "/later", "/old/x", "/files/request-id.test.ts", "/files/missing", "/nowhere"];
  const replies = [];
  for (const path of paths) replies.push(await request(port, path));
  assert.deepEqual(replies.map((r) => r.status), [502, 503, 302, 200, 404, 404]);
  // Each reply's own access line, found by its ID. Not "exactly N lines": the proxy's port was free a moment ago,
  // and a test in another process that kept that number (a "closed" port for a dead app) may send it a request too.
  const ids = replies.map((reply) => String(reply.headers["x-request-id"]));
  for (const [i, id] of ids.entries()) assert.match(id, UUID, paths[i]);
  await until(() => ids.every((id) => access.some((entry) => entry.requestId === id)), "an access line for each reply");
  assert.deepEqual(ids.map((id) => access.filter((entry) => entry.requestId === id).length), ids.map(() => 1), "one line per exchange");
  assert.match(await raw(port, "GET /%zz HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n"), /^HTTP\/1\.1 400[^]*\r\nX-Request-Id: [0-9a-f-]{36}\r\n/);
});

test("WebSockets: the app gets the ID on the upgrade, the client gets it on the 101 and on a refusal", async (t) => {
  const up = await upstream(t, (_req, res) => res.end("plain"));
  const wss = new WebSocketServer({ server: up.server });
  const seen: http.IncomingHttpHeaders[] = [];
  wss.on("connection", (ws, req) => {
    seen.push(req.headers);
    ws.on("message", (data) => ws.send(data));
  });
  t.after(() => wss.close());
  const gate = new TestGate({ a: { port: up.port }, later: { port: up.port, ready: false } });
  const { port, access } = await startProxy(t, [app("/a", "a"), app("/later", "later")], gate, { readyWait: 50, trustProxy: true });

  const ws = new WebSocket(`ws://127.0.0.1:${port}/a/chat`, { headers: { "X-Request-Id": "ws-id-1" } });
  const upgraded = once(ws, "upgrade") as Promise<[http.IncomingMessage]>;
  await once(ws, "open");
  const [upgrade] = await upgraded;
  assert.equal(upgrade.headers["x-request-id"], "ws-id-1");
  assert.equal(seen[0]["x-request-id"], "ws-id-1");
  ws.close();
  await until(() => access.length === 1, "the session's access line");
  assert.deepEqual([access[0].status, access[0].requestId], [101, "ws-id-1"]);

  const refused = await raw(
    port,
    "GET /later HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  assert.match(refused, /^HTTP\/1\.1 503[^]*\r\nX-Request-Id: [0-9a-f-]{36}\r\n[^]*Retry-After: 1/);
});
