// Hostile and broken peers on real loopback sockets: clients that pipeline, smuggle, half-close or vanish, and apps
// that answer with what no app should. zoo never crashes, never hangs a client, never leaks a socket, and an app
// never sees a request zoo did not route to it.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { once } from "node:events";
import { readdir } from "node:fs/promises";
import { TestGate } from "./helpers/gate.ts";
import { app, raw, request, startProxy, until, upstream } from "./helpers/net.ts";
import { serveInProcess } from "./helpers/process.ts";

const WS_HEAD = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

/** The body of the last response in a raw reply. */
const bodyOf = (reply: string) => reply.slice(reply.lastIndexOf("\r\n\r\n") + 4);

/** The number of open files of a process (sockets included). */
async function openFiles(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

/** Polls a process's open files until they are back to `before` (closed sockets are released asynchronously). */
async function untilOpenFiles(pid: number, before: number, timeoutMs: number): Promise<void> {
  let now = await openFiles(pid);
  for (const deadline = Date.now() + timeoutMs; now > before && Date.now() < deadline; now = await openFiles(pid)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(now <= before, `${before} open files before, ${now} after`);
}

/** An upstream that records every request it parsed (method, url, body) and answers "ok <url>". */
async function recorder(t: TestContext) {
  const seen: string[] = [];
  const up = await upstream(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push(`${req.method} ${req.url}${body ? ` ${body}` : ""}`);
      res.end(`ok ${req.url}`);
    });
  });
  return { up, seen };
}

/** A raw TCP upstream: `answer` runs once per request head received and writes whatever bytes it likes. */
async function rawUpstream(t: TestContext, answer: (socket: net.Socket, n: number) => void) {
  const open = new Set<net.Socket>();
  let n = 0;
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    socket.on("error", () => {});
    let buffered = "";
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      let end;
      while ((end = buffered.indexOf("\r\n\r\n")) !== -1) {
        buffered = buffered.slice(end + 4);
        answer(socket, n++);
      }
      // Only a head's end is looked for: keep the bytes that may begin one, not a whole upload (quadratic to rescan).
      if (buffered.length > 3) buffered = buffered.slice(-3);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => {
    for (const socket of open) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as net.AddressInfo).port, open };
}

// ---- Client side ----

test("a chunked DELETE or OPTIONS body reaches the app as that request's body, never as a second request", async (t) => {
  // http-proxy-3's deleteLength pass used to send these as "Content-Length: 0" followed by the body (CL.TE smuggling).
  const { up, seen } = await recorder(t);
  const { port } = await startProxy(t, [app("/node", "node")], new TestGate({ node: { port: up.port } }));
  const inner = "GET /secret HTTP/1.1\r\nHost: h\r\n\r\n";
  const chunked = `${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`;
  for (const method of ["DELETE", "OPTIONS"]) {
    const reply = await raw(port, `${method} /node/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked}`);
    assert.match(reply, /^HTTP\/1\.1 200/, method);
    assert.equal(bodyOf(reply), "ok /node/x");
  }
  // A bodiless DELETE still goes through as one request.
  assert.equal((await request(port, "/node/y", { method: "DELETE" })).body, "ok /node/y");
  assert.deepEqual(seen, [`DELETE /node/x ${inner}`, `OPTIONS /node/x ${inner}`, "DELETE /node/y"]);
});

test("pipelined requests on one connection are answered in order, zoo's own pages included", async (t) => {
  const { up, seen } = await recorder(t);
  const { port } = await startProxy(t, [app("/node", "node")], new TestGate({ node: { port: up.port } }));
  const head = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: h\r\n${extra}\r\n`;
  const reply = await raw(port, head("/node/1") + head("/node/2") + head("/nowhere") + head("/node/%2e%2e%2fx") + head("/node/5", "Connection: close\r\n"));
  const statuses = [...reply.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
  assert.deepEqual(statuses, [200, 200, 404, 400, 200]);
  const bodies = [...reply.matchAll(/ok \/node\/\d/g)].map((m) => m[0]);
  assert.deepEqual(bodies, ["ok /node/1", "ok /node/2", "ok /node/5"]);
  assert.deepEqual(seen, ["GET /node/1", "GET /node/2", "GET /node/5"]);
});

test("smuggling shapes get 400 and never reach the app as a request", async (t) => {
  const { up, seen } = await recorder(t);
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const shapes: Record<string, string> = {
    "two Content-Lengths": "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nhello",
    "two equal Content-Lengths": "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    "chunked not last": "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "space before the colon": "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "obs-fold": "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n",
    "bare LF": "GET / HTTP/1.1\nHost: h\n\n",
    "NUL in a header": "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n",
    "invalid chunk size": "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
  };
  for (const [name, data] of Object.entries(shapes)) {
    const connections = up.connections;
    assert.match(await raw(port, data), /^HTTP\/1\.1 400/, name);
    // A bad chunk is found only once the head has been forwarded: the app sees a body cut short, never a request.
    // It comes last: after zoo aborts that request, undici may open a fresh (idle) connection to the app.
    if (name !== "invalid chunk size") assert.equal(up.connections, connections, `${name}: the app saw nothing`);
  }
  assert.match(await raw(port, `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${"a".repeat(17 * 1024)}\r\n\r\n`), /^HTTP\/1\.1 431/);
  assert.deepEqual(seen, [], "the app parsed no request");
  await until(() => up.open.size === 0, "the cut-short upload's connection to close");
});

test("request targets: absolute form routes by its path only; OPTIONS *, CONNECT, Expect and HTTP/1.0 shapes", async (t) => {
  const { up, seen } = await recorder(t);
  const { port } = await startProxy(t, [app("/node", "node")], new TestGate({ node: { port: up.port } }));
  const send = (line: string, headers = "Host: h\r\n") => raw(port, `${line}\r\n${headers}Connection: close\r\n\r\n`);
  assert.match(await send("GET http://evil.example/x HTTP/1.1"), /^HTTP\/1\.1 404[^]*no route for \/x/);
  assert.match(await send("GET http://evil.example/node/../secret HTTP/1.1"), /^HTTP\/1\.1 404[^]*no route for \/secret/);
  assert.equal(bodyOf(await send("GET http://evil.example/node/y?q HTTP/1.1")), "ok /node/y?q");
  assert.equal(bodyOf(await send("GET http://user@evil.example/node/z HTTP/1.1")), "ok /node/z");
  assert.match(await send("OPTIONS * HTTP/1.1"), /^HTTP\/1\.1 400/);
  // Node would drop a CONNECT without a word; zoo answers it.
  assert.match(await raw(port, "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n"), /^HTTP\/1\.1 400[^]*CONNECT is not supported/);
  // An expectation zoo cannot meet: 417, and the app never hears of it.
  assert.match(await raw(port, "POST /node/e HTTP/1.1\r\nHost: h\r\nExpect: something-else\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), /^HTTP\/1\.1 417/);
  // HTTP/1.0 without Host is valid: served, then closed.
  const old = await raw(port, "GET /node/old HTTP/1.0\r\n\r\n");
  assert.match(old, /^HTTP\/1\.1 200[^]*Connection: close/i);
  assert.deepEqual(seen, ["GET /node/y?q", "GET /node/z", "GET /node/old"]);
});

test("upgrade requests zoo will not proxy get a 4xx; bytes after an upgrade head never become a request", async (t) => {
  const { up, seen } = await recorder(t);
  const routes = [app("/node", "node"), { prefix: "/r", kind: "redirect" as const, to: "https://example.com", status: 302 as const }];
  const { port } = await startProxy(t, routes, new TestGate({ node: { port: up.port } }));
  assert.match(await raw(port, `GET /r/x HTTP/1.1\r\nHost: h\r\n${WS_HEAD}\r\n`), /^HTTP\/1\.1 400[^]*no WebSockets here/);
  assert.match(await raw(port, `POST /node/ws HTTP/1.1\r\nHost: h\r\n${WS_HEAD}Content-Length: 5\r\n\r\nhello`), /^HTTP\/1\.1 400/);
  // The app answers the upgrade with plain HTTP: the smuggled request after the head goes nowhere.
  const reply = await raw(port, `GET /node/ws HTTP/1.1\r\nHost: h\r\n${WS_HEAD}\r\nGET /secret HTTP/1.1\r\nHost: h\r\n\r\n`);
  assert.match(reply, /^HTTP\/1\.1 200/);
  assert.deepEqual(seen, ["GET /node/ws"]);
});

test("a client that half-closes or resets before the response: no hang, the app's request is torn down, 499", async (t) => {
  let answered = 0;
  const up = await upstream(t, (_req, res) => {
    const timer = setTimeout(() => (answered++, res.end("late")), 2000);
    res.on("close", () => clearTimeout(timer));
  });
  const { port, access } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  // FIN right after the request: Node's server (like Go's and nginx's defaults) takes it as the client leaving.
  const halfClosed = raw(port, "GET /fin HTTP/1.1\r\nHost: h\r\n\r\n", { end: true });
  await halfClosed;
  const reset = net.connect(port, "127.0.0.1");
  reset.on("error", () => {});
  reset.write("GET /rst HTTP/1.1\r\nHost: h\r\n\r\n");
  await until(() => access.length === 1 && up.open.size === 1, "the second request to reach the app");
  reset.resetAndDestroy();
  await until(() => access.length === 2, "both access lines");
  assert.deepEqual(access.map((a) => [a.path, a.status]), [["/fin", 499], ["/rst", 499]]);
  await until(() => up.open.size === 0, "the app's connections to close");
  assert.equal(answered, 0, "both upstream requests were aborted before the app answered");
});

test("thousands of quick connects, half requests and resets leave zoo serving with no socket leaked", async (t) => {
  const { up } = await recorder(t);
  const { child, port } = await serveInProcess(t, { routes: [app("/a", "a")], apps: { a: { port: up.port } } });
  assert.equal((await request(port, "/a/warm")).status, 200);
  const before = await openFiles(child.pid!);
  const shapes = [
    (s: net.Socket) => s.end(),
    (s: net.Socket) => s.resetAndDestroy(),
    (s: net.Socket) => (s.write("GET /a/x HTTP/1.1\r\nHo"), s.resetAndDestroy()),
    (s: net.Socket) => (s.write("GET /nowhere HTTP/1.1\r\nHost: h\r\n\r\n"), s.resetAndDestroy()),
    (s: net.Socket) => s.end("GET /nowhere HTTP/1.1\r\nHost: h\r\n\r\n"),
  ];
  const cycle = async (i: number) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.resume();
    await once(socket, "connect");
    shapes[i % shapes.length](socket);
    if (!socket.destroyed) await once(socket, "close");
  };
  for (let batch = 0; batch < 100; batch++) await Promise.all(Array.from({ length: 20 }, (_, i) => cycle(batch * 20 + i)));
  assert.equal((await request(port, "/a/after")).body, "ok /a/after");
  assert.equal(child.exitCode, null, "zoo is still running");
  await untilOpenFiles(child.pid!, before, 5000);
});

test("a client that never closes after a refused upgrade or CONNECT does not keep its socket in zoo", async (t) => {
  const { child, port } = await serveInProcess(t, { routes: [app("/a", "a")], apps: {} });
  const before = await openFiles(child.pid!);
  const clients: net.Socket[] = [];
  t.after(() => clients.forEach((socket) => socket.destroy()));
  const asks = ["CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n", `GET /nowhere HTTP/1.1\r\nHost: h\r\n${WS_HEAD}\r\n`];
  for (let i = 0; i < 20; i++) {
    // allowHalfOpen: the client reads zoo's answer and its FIN but never closes its own side.
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    clients.push(socket);
    let reply = "";
    socket.on("data", (c: Buffer) => (reply += c));
    socket.write(asks[i % 2]);
    await once(socket, "end");
    assert.match(reply, /^HTTP\/1\.1 4\d\d/);
  }
  // Detached from the HTTP server, these sockets have none of its timeouts: zoo closes them after a grace period.
  await untilOpenFiles(child.pid!, before, 5000);
});

// ---- App side ----

test("1xx before the final response (103 Early Hints, an unasked 100): the client gets the final response", async (t) => {
  const up = await rawUpstream(t, (s) =>
    s.write("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
  );
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const reply = await request(port, "/");
  assert.equal(reply.status, 200);
  assert.equal(reply.body, "ok");
});

test("a 204 or 304 with body bytes: the client still gets its response; the stray bytes never reach another request", async (t) => {
  for (const status of ["204 No Content", "304 Not Modified"]) {
    const up = await rawUpstream(t, (s, n) => s.write(n === 0 ? `HTTP/1.1 ${status}\r\nContent-Length: 5\r\n\r\nhello` : "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"));
    const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
    const reply = await request(port, "/");
    assert.equal(reply.status, Number(status.slice(0, 3)), status);
    assert.equal(reply.body, "");
    const next = await request(port, "/");
    assert.equal(next.status, 200);
    assert.equal(next.body, "next");
  }
});

test("a 101 to a plain request → 502, not a client left waiting", { timeout: 5000 }, async (t) => {
  const up = await rawUpstream(t, (s) => s.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\nraw bytes"));
  const { port, access } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }), { upstreamTimeout: 60_000 });
  const reply = await request(port, "/");
  assert.equal(reply.status, 502);
  assert.match(reply.body, /route \/ → app a: the app switched protocols/);
  await until(() => up.open.size === 0 && access.length === 1, "the app's connection to close");
});

test("response heads Node will not parse or repeat → 502, and zoo keeps serving", async (t) => {
  const heads: Record<string, string> = {
    "Content-Length and Transfer-Encoding": "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "two Content-Lengths": "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
    "status out of range": "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",
    "status below 100": "HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nok",
    // Parsed by Node's client but refused by its server: this one used to crash zoo (its 502 page threw too).
    "control character in the reason": "HTTP/1.1 200 O\x7fK\r\nContent-Length: 2\r\n\r\nok",
    "control character in a header": "HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\nok",
    "a header block over 16 KiB": `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(20_000)}\r\nContent-Length: 2\r\n\r\nok`,
    "closed inside the head": "HTTP/1.1 200 OK\r\nContent-Le",
  };
  for (const [name, head] of Object.entries(heads)) {
    const up = await rawUpstream(t, (s) => (name.startsWith("closed") ? s.end(head) : s.write(head)));
    const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
    const reply = await request(port, "/");
    assert.equal(reply.status, 502, name);
    assert.match(reply.body, /route \/ → app a/, name);
    await until(() => up.open.size === 0, `${name}: the app's connection to close`);
  }
});

test("an app that answers 413 before reading the upload: the client gets it, the rest is read away, the connection goes on", async (t) => {
  const appSockets: net.Socket[] = [];
  const up = await upstream(t, (req, res) => {
    appSockets.push(req.socket);
    res.writeHead(413, { "content-length": 8 });
    res.end("too big\n");
  });
  const { port, access } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const socket = net.connect(port, "127.0.0.1");
  t.after(() => socket.destroy());
  let reply = "";
  socket.on("data", (c: Buffer) => (reply += c));
  const total = 16 * 1024 * 1024;
  socket.write(`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ${total}\r\n\r\n`);
  let written = 0;
  const chunk = Buffer.alloc(64 * 1024, 120);
  const pump = () => {
    while (written < total) {
      written += chunk.length;
      if (!socket.write(chunk)) return void socket.once("drain", pump);
    }
  };
  pump();
  await until(() => reply.includes("too big\n"), "the 413");
  assert.match(reply, /^HTTP\/1\.1 413/);
  // Once the app has answered, zoo ends the app's side of the upload and discards the rest (as nginx does), so the
  // client's upload completes instead of stalling and its keep-alive connection serves the next request.
  await until(() => appSockets[0].destroyed, "the app's connection for the answered upload to close");
  await until(() => written >= total && socket.writableLength === 0, "the whole upload to be taken", 5000);
  socket.write("GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
  await until(() => reply.split("too big\n").length === 3, "the second answer on the same connection");
  assert.deepEqual(access.map((a) => a.status), [413, 413]);
});

test("an app that never reads the upload and never answers → 504, and zoo drops its connection to the app", async (t) => {
  let appSocket: net.Socket | undefined;
  const up = await rawUpstream(t, (s) => {
    appSocket = s;
    s.pause(); // reads nothing more, answers nothing
  });
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }), { upstreamTimeout: 200 });
  const socket = net.connect(port, "127.0.0.1");
  t.after(() => socket.destroy());
  let reply = "";
  socket.on("data", (c: Buffer) => (reply += c));
  socket.on("error", () => {});
  socket.write("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100000000\r\n\r\n");
  let stop = false;
  const chunk = Buffer.alloc(64 * 1024, 120);
  const pump = () => {
    while (!stop) if (!socket.write(chunk)) return void socket.once("drain", pump);
  };
  pump();
  await until(() => reply.includes("\r\n\r\n"), "an answer");
  stop = true;
  assert.match(reply, /^HTTP\/1\.1 504[^]*no response within 200 ms/);
  appSocket!.resume(); // the app reads again and finds zoo gone
  await until(() => up.open.size === 0, "zoo's connection to the app to be closed");
});

test("bytes after a complete response never reach the next request on the pooled connection", async (t) => {
  const up = await rawUpstream(t, (s, n) => {
    s.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n${n}!`);
    if (n === 0) setTimeout(() => s.write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nPOISON"), 20);
  });
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  assert.equal((await request(port, "/")).body, "0!");
  await until(() => up.open.size === 0, "zoo to drop the connection that sent bytes nobody asked for");
  for (let i = 0; i < 3; i++) {
    const reply = await request(port, "/");
    assert.equal(reply.status, 200);
    assert.doesNotMatch(reply.body, /POISON/);
  }
});

test("a WebSocket answered with plain HTTP by an app that dies mid-body: the client is cut, not left waiting", { timeout: 5000 }, async (t) => {
  const up = await rawUpstream(t, (s) => {
    s.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 100\r\n\r\npartial");
    setTimeout(() => s.destroy(), 20);
  });
  const { port, access } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }), { upstreamTimeout: 60_000 });
  const reply = await raw(port, `GET / HTTP/1.1\r\nHost: h\r\n${WS_HEAD}\r\n`);
  assert.match(reply, /^HTTP\/1\.1 403[^]*partial$/);
  await until(() => access.length === 1, "the access line");
});
