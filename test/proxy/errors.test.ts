// Every fault on real sockets: each gets a status with a short body naming the route and the app,
// or a cut connection when a status is no longer possible. Nothing crashes, nothing leaks.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { once } from "node:events";
import { TestGate } from "./helpers/gate.ts";
import { app, closedPort, raw, request, startProxy, until, upstream } from "./helpers/net.ts";


test("connection refused → 502 naming the route and the app", async (t) => {
  const gate = new TestGate({ node: { port: await closedPort() } });
  const { port, access } = await startProxy(t, [app("/node", "node")], gate);
  const reply = await request(port, "/node/x");
  assert.equal(reply.status, 502);
  assert.match(reply.body, /route \/node → app node/);
  assert.match(reply.body, /connection refused/);
  assert.equal(access[0].status, 502);
});

test("reset before a response → 502", async (t) => {
  const up = await upstream(t, (req) => req.socket.resetAndDestroy());
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const reply = await request(port, "/");
  assert.equal(reply.status, 502);
  assert.match(reply.body, /app a: connection reset/);
});

test("clean close before a response → 502", async (t) => {
  const up = await upstream(t, (req) => req.socket.end());
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const reply = await request(port, "/");
  assert.equal(reply.status, 502);
});

test("no response headers within upstreamTimeout → 504, not 502", async (t) => {
  const up = await upstream(t, () => {}); // never answers
  const { port } = await startProxy(t, [app("/slow", "slow")], new TestGate({ slow: { port: up.port } }), { upstreamTimeout: 200 });
  const started = Date.now();
  const reply = await request(port, "/slow");
  assert.equal(reply.status, 504);
  assert.match(reply.body, /route \/slow → app slow: no response within 200 ms/);
  assert.ok(Date.now() - started >= 190);
  await until(() => up.open.size === 0, "the abandoned upstream connection to close");
});

test("a slow body after timely headers is not cut by upstreamTimeout", async (t) => {
  const up = await upstream(t, (_req, res) => {
    res.write("a");
    setTimeout(() => res.end("b"), 300);
  });
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }), { upstreamTimeout: 100 });
  const reply = await request(port, "/");
  assert.equal(reply.status, 200);
  assert.equal(reply.body, "ab");
});

test("app not ready: the request is held and goes through once it is", async (t) => {
  const up = await upstream(t, (_req, res) => res.end("finally"));
  const gate = new TestGate({ a: { port: up.port, ready: false } });
  const { port } = await startProxy(t, [app("/", "a")], gate, { readyWait: 5000 });
  const pending = request(port, "/");
  await until(() => gate.waiting("a") === 1, "the request to be held");
  gate.setReady("a", true);
  const reply = await pending;
  assert.equal(reply.status, 200);
  assert.equal(reply.body, "finally");
});

test("app not ready within readyWait → 503 with Retry-After", async (t) => {
  const gate = new TestGate({ a: { port: await closedPort(), ready: false } });
  const { port } = await startProxy(t, [app("/a", "a")], gate, { readyWait: 150 });
  const reply = await request(port, "/a");
  assert.equal(reply.status, 503);
  assert.equal(reply.headers["retry-after"], "1");
  assert.match(reply.body, /route \/a → app a: the app is not ready/);
  assert.equal(gate.waiting("a"), 0);
});

test("a held client that leaves is logged as 499 and stops waiting", async (t) => {
  const gate = new TestGate({ a: { port: await closedPort(), ready: false } });
  const { port, access } = await startProxy(t, [app("/", "a")], gate, { readyWait: 10_000 });
  const socket = net.connect(port, "127.0.0.1");
  socket.write("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  await until(() => gate.waiting("a") === 1, "the request to be held");
  socket.destroy();
  await until(() => access.length === 1, "the access line");
  assert.equal(access[0].status, 499);
  assert.equal(gate.waiting("a"), 0);
});

test("no route → 404; malformed requests → 400", async (t) => {
  const { port } = await startProxy(t, [app("/only", "x")], new TestGate({}));
  const reply = await request(port, "/other");
  assert.equal(reply.status, 404);
  assert.match(reply.body, /no route for \/other/);
  assert.match(await raw(port, "GARBAGE\r\n\r\n"), /^HTTP\/1\.1 400/);
  assert.match(await raw(port, "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n"), /^HTTP\/1\.1 400/);
  assert.match(await raw(port, "GET nopath HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"), /^HTTP\/1\.1 400/);
  assert.match(await raw(port, "GET /only HTTP/1.1\r\n\r\n"), /^HTTP\/1\.1 400/, "HTTP/1.1 without Host");
  const smuggle = "POST /only HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  assert.match(await raw(port, smuggle), /^HTTP\/1\.1 400/, "Content-Length with Transfer-Encoding");
});

test("a request Node cannot parse: 400 or 431 saying why, one access-log line; a client's reset: no line", async (t) => {
  const { port, access } = await startProxy(t, [app("/only", "x")], new TestGate({}));
  const bad = await raw(port, "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n");
  assert.match(bad, /^HTTP\/1\.1 400[^]*malformed request \(HPE_INVALID_CONTENT_LENGTH\)/);
  assert.match(await raw(port, `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${"a".repeat(17 * 1024)}\r\n\r\n`), /^HTTP\/1\.1 431[^]*HPE_HEADER_OVERFLOW/);
  await until(() => access.length === 2, "two access-log lines");
  assert.deepEqual(access.map(({ method, path, route, status }) => [method, path, route, status]), [["-", "-", "-", 400], ["-", "-", "-", 431]]);

  const idle = net.connect(port, "127.0.0.1");
  await once(idle, "connect");
  idle.resetAndDestroy();
  assert.equal((await request(port, "/nowhere")).status, 404, "zoo goes on serving");
  assert.deepEqual(access.slice(2).map((entry) => entry.status), [404]);
});

test("upstream dies mid-body (reset or clean close) → the client's response is aborted, never hangs", async (t) => {
  for (const how of ["reset", "close"] as const) {
    const up = await upstream(t, (req, res) => {
      res.writeHead(200, { "content-length": 1000 });
      res.write("x".repeat(100), () => {
        if (how === "reset") req.socket.resetAndDestroy();
        else req.socket.end();
      });
    });
    const { port, access } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
    const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get({ host: "127.0.0.1", port, path: "/", agent: false }, resolve).on("error", reject),
    );
    assert.equal(res.statusCode, 200);
    res.resume();
    res.on("error", () => {});
    await new Promise((resolve) => res.on("close", resolve)); // not once(): it rejects on the expected 'error'

    assert.equal(res.complete, false, `${how}: the client sees an incomplete body`);
    await until(() => access.length === 1, "the access line");
    assert.equal(access[0].status, 499, "logged as not finished");
  }
});

test("client aborts mid-download → the upstream request is torn down", async (t) => {
  let upstreamClosed = false;
  const up = await upstream(t, (req, res) => {
    res.writeHead(200);
    res.write("x".repeat(1024));
    req.socket.on("close", () => (upstreamClosed = true));
    // and never finishes
  });
  const { port, access } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false });
  const [res] = (await once(req, "response")) as [http.IncomingMessage];
  await once(res, "data");
  req.on("error", () => {});
  req.destroy();
  await until(() => upstreamClosed, "the upstream socket to close");
  await until(() => access.length === 1, "the access line");
  assert.equal(access[0].status, 499);
});

test("client aborts mid-upload → the upstream request is torn down", async (t) => {
  let received = 0;
  let upstreamAborted = false;
  const up = await upstream(t, (req) => {
    req.on("data", (c: Buffer) => (received += c.length));
    req.on("error", () => {});
    req.socket.on("close", () => (upstreamAborted = true));
  });
  const { port, access } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const socket = net.connect(port, "127.0.0.1");
  socket.write("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n" + "x".repeat(1000));
  await until(() => received >= 1000, "the first bytes upstream");
  socket.destroy();
  await until(() => upstreamAborted, "the upstream socket to close");
  await until(() => access.length === 1, "the access line");
  assert.equal(access[0].status, 499);
});

test("zoo keeps serving after every fault above (no crash, no leaked upstream sockets)", async (t) => {
  const up = await upstream(t, (req, res) => {
    if (req.url === "/reset") return req.socket.resetAndDestroy();
    res.end("ok");
  });
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  for (let i = 0; i < 20; i++) assert.equal((await request(port, i % 2 ? "/reset" : "/fine")).status, i % 2 ? 502 : 200);
  assert.ok(up.open.size <= 1, `at most one pooled connection stays open, found ${up.open.size}`);
});

test("an app that answers with garbage → 502", async (t) => {
  const garbage = net.createServer((socket) => socket.end("HTTP/1.1 abc nonsense\r\n\r\n"));
  garbage.listen(0, "127.0.0.1");
  await once(garbage, "listening");
  t.after(() => garbage.close());
  const gate = new TestGate({ a: { port: (garbage.address() as net.AddressInfo).port } });
  const { port } = await startProxy(t, [app("/", "a")], gate);
  const reply = await request(port, "/");
  assert.equal(reply.status, 502);
  assert.match(reply.body, /app a/);
});
