// The exchange observer (what metrics read): start and end exactly once per exchange, whatever happens to it,
// and the access log built from the same record.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { WebSocket, WebSocketServer } from "ws";
import type { ExchangeObserver, ExchangeRecord } from "../../src/proxy/record.ts";
import { TestGate } from "./helpers/gate.ts";
import { app, closedPort, raw, request, startProxy, until, upstream } from "./helpers/net.ts";

interface Recorder {
  observer: ExchangeObserver;
  starts: { route: string; app?: string }[];
  ends: ExchangeRecord[];
  /** Exchanges started and not yet ended; never below zero. */
  inFlight: () => number;
}

function recorder(): Recorder {
  const starts: Recorder["starts"] = [];
  const ends: ExchangeRecord[] = [];
  let inFlight = 0;
  return {
    starts,
    ends,
    inFlight: () => inFlight,
    observer: {
      start(info) {
        starts.push(info);
        inFlight++;
      },
      end(record) {
        assert.ok(inFlight > 0, `end before start: ${record.method} ${record.path}`);
        inFlight--;
        ends.push(record);
      },
    },
  };
}

async function staticDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "zoo-observer-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "a.txt"), "static body");
  return dir;
}

test("start and end pair up for every kind of answer, and the access log reads the same record", async (t) => {
  const up = await upstream(t, (req, res) => {
    if (req.url === "/a/slow") return; // never answers: 504
    req.resume();
    req.on("end", () => res.end("hello"));
  });
  const gate = new TestGate({ a: { port: up.port }, dead: { port: await closedPort() }, later: { port: up.port, ready: false } });
  const routes = [
    app("/a", "a"),
    app("/dead", "dead"),
    app("/later", "later"),
    { prefix: "/old", kind: "redirect" as const, to: "https://example.com/new", status: 301 as const },
    { prefix: "/files", kind: "static" as const, dir: await staticDir(t) },
  ];
  const seen = recorder();
  const { port, access } = await startProxy(t, routes, gate, { observer: seen.observer, upstreamTimeout: 300, readyWait: 100 });

  const ok = await request(port, "/a/x", { method: "POST", body: "twelve bytes" });
  assert.equal(ok.status, 200);
  assert.equal((await request(port, "/a/slow")).status, 504);
  assert.equal((await request(port, "/dead")).status, 502);
  assert.equal((await request(port, "/later")).status, 503);
  assert.equal((await request(port, "/old/x")).status, 301);
  assert.equal((await request(port, "/files/a.txt")).status, 200);
  assert.equal((await request(port, "/nowhere")).status, 404);
  assert.match(await raw(port, "GET /a/%%% HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n"), /^HTTP\/1\.1 400/);

  await until(() => seen.ends.length === 8 && access.length === 8, "eight ends");
  assert.equal(seen.starts.length, 8);
  assert.equal(seen.inFlight(), 0);
  assert.deepEqual(seen.starts.slice(0, 4), [
    { route: "/a", app: "a" },
    { route: "/a", app: "a" },
    { route: "/dead", app: "dead" },
    { route: "/later", app: "later" },
  ]);
  assert.deepEqual(seen.starts.slice(4), [{ route: "/old" }, { route: "/files" }, { route: "-" }, { route: "-" }]);

  const [post, slow, dead, later, redirect, file, none, malformed] = seen.ends;
  assert.equal(post.status, 200);
  assert.equal(post.bytesIn, 12, "request body bytes");
  assert.ok(post.bytesOut > 5, "head and body written");
  assert.equal(post.app, "a");
  assert.equal(post.requestId, ok.headers["x-request-id"]);
  assert.ok(post.headersMs !== undefined && post.headersMs <= post.durationMs);
  assert.equal(post.upstreamError, undefined);
  assert.equal(post.websocket, false);
  assert.deepEqual([slow.status, slow.upstreamError], [504, "timeout"]);
  assert.deepEqual([dead.status, dead.upstreamError], [502, "refused"]);
  assert.equal(later.status, 503);
  assert.ok(later.heldMs !== undefined && later.heldMs >= 90, `held for readyWait, got ${later.heldMs}`);
  assert.deepEqual([redirect.status, redirect.route, redirect.app], [301, "/old", undefined]);
  assert.equal(file.status, 200);
  assert.ok(file.headersMs !== undefined);
  assert.deepEqual([none.status, none.route], [404, "-"]);
  assert.deepEqual([malformed.status, malformed.method], [400, "-"]);

  for (const [i, record] of seen.ends.entries()) {
    const entry = access[i];
    assert.deepEqual(
      [entry.method, entry.path, entry.route, entry.status, entry.bytes, entry.durationMs, entry.requestId],
      [record.method, record.path, record.route, record.status, record.bytesOut, record.durationMs, record.requestId],
    );
  }
  assert.equal(gate.active.get("a"), 0, "every instance released");
});

test("start and end pair up when clients abort: held, mid-response, and a WebSocket before and after its upgrade", async (t) => {
  const up = await upstream(t, (req, res) => {
    if (req.url === "/a/stream") {
      res.writeHead(200);
      res.write("first chunk"); // and never ends
      return;
    }
    res.end("plain");
  });
  const wss = new WebSocketServer({ server: up.server });
  wss.on("connection", (ws) => ws.on("message", (data) => ws.send(data)));
  t.after(() => wss.close());
  const gate = new TestGate({ a: { port: up.port }, later: { port: up.port, ready: false } });
  const seen = recorder();
  const { port } = await startProxy(t, [app("/a", "a"), app("/later", "later")], gate, { observer: seen.observer, readyWait: 10_000 });

  // Held while its app is not ready, then the client leaves.
  const held = net.connect(port, "127.0.0.1");
  held.on("error", () => {});
  held.write("GET /later HTTP/1.1\r\nHost: h\r\n\r\n");
  await until(() => gate.waiting("later") === 1, "the request to be held");
  held.destroy();
  await until(() => seen.ends.length === 1, "the held request's end");

  // Leaves in the middle of a response.
  const streaming = net.connect(port, "127.0.0.1");
  streaming.on("error", () => {});
  streaming.write("GET /a/stream HTTP/1.1\r\nHost: h\r\n\r\n");
  await once(streaming, "data");
  streaming.resetAndDestroy();
  await until(() => seen.ends.length === 2, "the streamed request's end");

  // A WebSocket held before its upgrade, then abandoned.
  const heldSocket = net.connect(port, "127.0.0.1");
  heldSocket.on("error", () => {});
  heldSocket.write("GET /later HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  await until(() => gate.waiting("later") === 1, "the upgrade to be held");
  heldSocket.destroy();
  await until(() => seen.ends.length === 3, "the held upgrade's end");

  // A WebSocket session that the client cuts.
  const ws = new WebSocket(`ws://127.0.0.1:${port}/a/chat`);
  await once(ws, "open");
  ws.send("ping");
  await once(ws, "message");
  ws.terminate();
  await until(() => seen.ends.length === 4, "the session's end");

  assert.equal(seen.starts.length, 4);
  assert.equal(seen.inFlight(), 0);
  const [heldEnd, streamEnd, heldUpgrade, session] = seen.ends;
  assert.deepEqual([heldEnd.status, heldEnd.websocket], [499, false]);
  assert.ok(heldEnd.heldMs !== undefined, "the time held is recorded");
  assert.deepEqual([streamEnd.status, streamEnd.upstreamError], [499, undefined]);
  assert.ok(streamEnd.headersMs !== undefined, "the head was written before the client left");
  assert.deepEqual([heldUpgrade.status, heldUpgrade.websocket], [499, true]);
  assert.deepEqual([session.status, session.websocket, session.app], [101, true, "a"]);
  assert.ok(session.bytesIn > 0 && session.bytesOut > 0, "frames counted both ways");
  await until(() => gate.active.get("a") === 0, "every instance released");
  assert.equal(gate.waiting("later"), 0);
});
