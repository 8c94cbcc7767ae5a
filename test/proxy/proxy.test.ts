// Routing and headers through a real ZooProxy to real upstreams on loopback.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { once } from "node:events";
import { TestGate } from "./helpers/gate.ts";
import { app, echo, raw, request, startProxy, until, upstream } from "./helpers/net.ts";

const json = (body: string) => JSON.parse(body) as { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

test("routes by whole segments, longest prefix, / as the default", async (t) => {
  const [root, node, deep] = await Promise.all([echo(t), echo(t), echo(t)]);
  const gate = new TestGate({ root: { port: root.port }, node: { port: node.port }, deep: { port: deep.port } });
  const { port } = await startProxy(t, [app("/", "root"), app("/node", "node"), app("/node/deep", "deep")], gate);
  const cases: [string, number, string][] = [
    ["/", root.port, "/"],
    ["/node", node.port, "/node"],
    ["/node/", node.port, "/node/"],
    ["/node/x", node.port, "/node/x"],
    ["/node?q=1", node.port, "/node?q=1"],
    ["/nodejs", root.port, "/nodejs"],
    ["/node/deep/x", deep.port, "/node/deep/x"],
    ["/node/deeper", node.port, "/node/deeper"],
  ];
  for (const [path, expectedPort, expectedUrl] of cases) {
    const reply = await request(port, path);
    assert.equal(reply.status, 200, path);
    const seen = json(reply.body);
    assert.equal(seen.url, expectedUrl, path);
    assert.equal(seen.headers.host, `127.0.0.1:${port}`, "the app sees the client's Host");
    assert.equal(Number(reply.headers["x-port"] ?? expectedPort), expectedPort);
  }
  // Which upstream answered: each echo only saw its own paths.
  const only = await request(port, "/nodejs");
  assert.equal(json(only.body).url, "/nodejs");
});

test("stripPrefix removes the prefix, keeps a leading slash and sets X-Forwarded-Prefix", async (t) => {
  const up = await echo(t);
  const gate = new TestGate({ api: { port: up.port }, keep: { port: up.port } });
  const { port } = await startProxy(t, [app("/api", "api", true), app("/keep", "keep")], gate);
  for (const [path, url] of [["/api", "/"], ["/api/", "/"], ["/api/users/1?x=%2F&y", "/users/1?x=%2F&y"], ["/api?q", "/?q"]]) {
    const seen = json((await request(port, path)).body);
    assert.equal(seen.url, url, path);
    assert.equal(seen.headers["x-forwarded-prefix"], "/api");
  }
  const kept = json((await request(port, "/keep/a/b/c", { headers: { "x-forwarded-prefix": "/forged" } })).body);
  assert.equal(kept.url, "/keep/a/b/c");
  assert.equal(kept.headers["x-forwarded-prefix"], undefined, "a client-sent prefix is dropped");
});

test("X-Forwarded-* are set by zoo; client values are replaced unless trustProxy", async (t) => {
  const up = await echo(t);
  const forged = { "x-forwarded-for": "6.6.6.6", "x-forwarded-proto": "https", "x-forwarded-host": "evil.com", forwarded: "for=6.6.6.6" };
  {
    const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
    const seen = json((await request(port, "/", { headers: forged })).body).headers;
    assert.equal(seen["x-forwarded-for"], "127.0.0.1");
    assert.equal(seen["x-forwarded-proto"], "http");
    assert.equal(seen["x-forwarded-host"], `127.0.0.1:${port}`);
    assert.equal(seen.forwarded, undefined);
    const reply = await raw(port, "GET / HTTP/1.0\r\nX-Forwarded-Host: evil.com\r\n\r\n");
    const withoutHost = json(reply.slice(reply.indexOf("\r\n\r\n") + 4)).headers;
    assert.equal(withoutHost["x-forwarded-host"], undefined, "HTTP/1.0 without Host: no X-Forwarded-Host, not the forged one");
  }
  {
    const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }), { trustProxy: true });
    const seen = json((await request(port, "/", { headers: forged })).body).headers;
    assert.equal(seen["x-forwarded-for"], "6.6.6.6, 127.0.0.1");
    assert.equal(seen["x-forwarded-proto"], "https");
    assert.equal(seen["x-forwarded-host"], "evil.com");
    const plain = json((await request(port, "/")).body).headers;
    assert.equal(plain["x-forwarded-for"], "127.0.0.1");
    assert.equal(plain["x-forwarded-proto"], "http");
  }
});

test("an absolute-form target: the app sees its path and its host as Host (RFC 9112 §3.2.2)", async (t) => {
  const up = await echo(t);
  const { port } = await startProxy(t, [app("/node", "a")], new TestGate({ a: { port: up.port } }));
  const reply = await raw(port, "GET http://user@example.com:8080/node/x?q HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n");
  const seen = json(reply.slice(reply.indexOf("\r\n\r\n") + 4));
  assert.equal(seen.url, "/node/x?q");
  assert.equal(seen.headers.host, "example.com:8080");
  assert.equal(seen.headers["x-forwarded-host"], "example.com:8080");
});

test("hop-by-hop headers are removed in both directions", async (t) => {
  let seen: http.IncomingHttpHeaders = {};
  const up = await upstream(t, (req, res) => {
    seen = req.headers;
    res.writeHead(200, { connection: "x-secret, keep-alive", "x-secret": "1", "keep-alive": "timeout=99", "proxy-connection": "x", upgrade: "h2c", "x-kept": "yes" });
    res.end("ok");
  });
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const reply = await request(port, "/", {
    headers: { connection: "keep-alive, x-drop", "x-drop": "1", "keep-alive": "timeout=1", "proxy-connection": "keep-alive", te: "gzip", upgrade: "h2c", "x-end-to-end": "yes" },
  });
  assert.equal(reply.status, 200);
  for (const name of ["x-drop", "keep-alive", "proxy-connection", "te", "upgrade"]) assert.equal(seen[name], undefined, `request ${name}`);
  assert.equal(seen.connection, "keep-alive", "zoo's own pooled connection");
  assert.equal(seen["x-end-to-end"], "yes");
  for (const name of ["x-secret", "proxy-connection", "upgrade"]) assert.equal(reply.headers[name], undefined, `response ${name}`);
  assert.notEqual(reply.headers["keep-alive"], "timeout=99", "zoo's own Keep-Alive, not the app's");
  assert.equal(reply.headers["x-kept"], "yes");

  await request(port, "/", { headers: { te: "trailers, deflate" } });
  assert.equal(seen.te, "trailers", "TE: trailers is end to end");
});

test("a client's Connection: close does not close the pooled upstream connection", async (t) => {
  const up = await upstream(t, (_req, res) => res.end("ok"));
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  for (let i = 0; i < 5; i++) {
    const reply = await request(port, "/", { headers: { connection: "close" } });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.connection, "close", "the client's own connection does close");
  }
  assert.equal(up.connections, 1, "one upstream connection served all requests");
  assert.equal(up.open.size, 1);
});

test("query strings pass unchanged, including characters a URL parser would re-encode", async (t) => {
  const up = await echo(t);
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const reply = await raw(port, "GET /p?a='x'&b=%zz&c=a%2Fb&d=\"<>\" HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  const body = reply.slice(reply.indexOf("\r\n\r\n") + 4);
  assert.equal(JSON.parse(body).url, "/p?a='x'&b=%zz&c=a%2Fb&d=\"<>\"");
});

test("HEAD is proxied without a body", async (t) => {
  const up = await upstream(t, (req, res) => {
    res.writeHead(200, { "content-length": 11, "x-method": req.method! });
    res.end(req.method === "HEAD" ? undefined : "hello world");
  });
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const reply = await request(port, "/", { method: "HEAD" });
  assert.equal(reply.status, 200);
  assert.equal(reply.headers["content-length"], "11");
  assert.equal(reply.headers["x-method"], "HEAD");
  assert.equal(reply.body, "");
});

test("Expect: 100-continue gets its 100 and the body goes through", async (t) => {
  const up = await echo(t);
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const socket = net.connect(port, "127.0.0.1");
  socket.write("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
  const [first] = (await once(socket, "data")) as [Buffer];
  assert.match(first.toString(), /^HTTP\/1\.1 100 Continue\r\n/);
  socket.write("hello"); // not end(): Node's server aborts a request whose client half-closes
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  await once(socket, "close");
  const text = Buffer.concat(chunks).toString();
  assert.match(text, /^HTTP\/1\.1 200 OK/);
  assert.equal(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)).body, "hello");
});

test("a request with a Trailer header and trailers completes", async (t) => {
  const up = await echo(t);
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const reply = await raw(
    port,
    "POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\nConnection: close\r\n\r\n" +
      "5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n",
  );
  assert.match(reply, /^HTTP\/1\.1 200 OK/);
  const seen = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4));
  assert.equal(seen.body, "hello");
  assert.equal(seen.headers.trailer, undefined);
});

test("upstream response trailers are not announced when zoo cannot relay them", async (t) => {
  const up = await upstream(t, (_req, res) => {
    res.writeHead(200, { trailer: "x-sum" });
    res.write("data");
    res.addTrailers({ "x-sum": "1" });
    res.end();
  });
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const reply = await request(port, "/");
  assert.equal(reply.body, "data");
  assert.equal(reply.headers.trailer, undefined);
});

test("encoded traversal never reaches an app its resolved path does not route to", async (t) => {
  const [root, node] = await Promise.all([echo(t), echo(t)]);
  const gate = new TestGate({ root: { port: root.port }, node: { port: node.port } });
  const { port } = await startProxy(t, [app("/", "root"), app("/node", "node")], gate);
  const send = (path: string) => raw(port, `GET ${path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
  for (const path of ["/node/../admin", "/node/%2e%2e/admin", "/node/.%2E/admin", "/node/x/../../admin"]) {
    const reply = await send(path);
    assert.match(reply, /^HTTP\/1\.1 200/, path);
    assert.equal(JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4)).url, "/admin", `${path} resolves to /admin on the default app`);
  }
  assert.equal(node.connections, 0, "the node app saw none of them");
  for (const path of ["/node/..%2fadmin", "/node/x%2F..%2F..%2Fadmin", "/node/..%5cadmin", "/node/..\\admin"]) {
    assert.match(await send(path), /^HTTP\/1\.1 400/, path);
  }
  const resolvedIntoNode = await send("/x/../node/y");
  assert.equal(JSON.parse(resolvedIntoNode.slice(resolvedIntoNode.indexOf("\r\n\r\n") + 4)).url, "/node/y");
  assert.equal(node.connections, 1);
});

test("one access log line per request", async (t) => {
  const up = await upstream(t, (_req, res) => res.end("12345"));
  const { port, access } = await startProxy(t, [app("/a", "a")], new TestGate({ a: { port: up.port } }));
  const reply = await request(port, "/a/x?q");
  await request(port, "/nowhere");
  assert.equal(access.length, 2);
  const requestId = reply.headers["x-request-id"];
  assert.deepEqual({ ...access[0], durationMs: 0, bytes: 0 }, { method: "GET", path: "/a/x?q", route: "/a", status: 200, bytes: 0, durationMs: 0, requestId });
  assert.ok(access[0].bytes > 5, "bytes sent include the body");
  assert.equal(access[1].status, 404);
  assert.equal(access[1].route, "-");
});

test("a non-WebSocket Upgrade (h2c) is served as a plain request, without the Upgrade header", async (t) => {
  const up = await echo(t);
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const reply = await raw(port, "GET /plain HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
  assert.match(reply, /^HTTP\/1\.1 200/);
  const seen = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4));
  assert.equal(seen.url, "/plain");
  assert.equal(seen.headers.upgrade, undefined);
  assert.equal(seen.headers["http2-settings"], undefined);
});

test("requests are tracked per app while in flight", async (t) => {
  let release = () => {};
  const up = await upstream(t, (_req, res) => (release = () => res.end("done")));
  const gate = new TestGate({ a: { port: up.port } });
  const { port } = await startProxy(t, [app("/", "a")], gate);
  const pending = request(port, "/");
  await until(() => gate.active.get("a") === 1, "the request to be tracked");
  release();
  await pending;
  await until(() => gate.active.get("a") === 0, "tracking to end");
});
