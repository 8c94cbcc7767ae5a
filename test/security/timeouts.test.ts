// Finding 3: nothing a client holds is unbounded. A connection that sends nothing is closed after headerTimeout
// (before: kept for good), an idle keep-alive connection after keepAliveTimeout (HTTP/2 too: before, an idle HTTP/2
// connection stayed open for good), and a request body that stops for bodyTimeout ends its request: 408, and the
// request to the app is aborted (before: the app waited for the rest for good). Small limits keep the test short.
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import net from "node:net";
import { after, before, test } from "node:test";
import tls from "node:tls";
import { request } from "../proxy/helpers/net.ts";
import { startSecurityZoo, type SecurityZoo } from "./helpers.ts";

const LIMITS = { headerTimeout: "1s", keepAliveTimeout: "700ms", bodyTimeout: "1s" };
let zooWithLimits: SecurityZoo;
const cleanups: Array<() => unknown> = [];
before(async () => {
  zooWithLimits = await startSecurityZoo({ after: (fn) => cleanups.push(fn) }, { limits: LIMITS });
});
after(() => Promise.all(cleanups.map((fn) => fn())));

/** Resolves with the milliseconds until the socket closes, or rejects after `withinMs`. */
function closesWithin(socket: net.Socket, withinMs: number): Promise<number> {
  const started = Date.now();
  socket.on("error", () => {});
  socket.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${withinMs} ms`));
    }, withinMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

test("headerTimeout: a connection that sends nothing is closed, plain, HTTPS/1.1 and HTTP/2 alike", { timeout: 30_000 }, async () => {
  const { port, tlsPort, ca } = zooWithLimits;
  const plain = net.connect(port, "127.0.0.1");
  const overTls = tls.connect({ host: "127.0.0.1", port: tlsPort, servername: "a.test", ca: ca.ca, ALPNProtocols: ["http/1.1"] });
  const h2 = tls.connect({ host: "127.0.0.1", port: tlsPort, servername: "a.test", ca: ca.ca, ALPNProtocols: ["h2"] });
  await Promise.all([once(plain, "connect"), once(overTls, "secureConnect"), once(h2, "secureConnect")]);
  h2.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00"); // the preface, then nothing
  const waited = await Promise.all([plain, overTls, h2].map((socket) => closesWithin(socket, 4000)));
  for (const ms of waited) assert.ok(ms >= 800, `closed after ${waited.join(", ")} ms: not before headerTimeout`);
});

test("headerTimeout: a request head trickled in for longer gets 408", { timeout: 30_000 }, async (t) => {
  const { port } = zooWithLimits;
  const socket = net.connect(port, "127.0.0.1");
  await once(socket, "connect");
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.write("GET / HTTP/1.1\r\nHost: a.test\r\n");
  const trickle = setInterval(() => socket.write("X-A: b\r\n"), 200);
  t.after(() => clearInterval(trickle));
  await closesWithin(socket, 4000);
  clearInterval(trickle);
  assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 408 /);
});

test("keepAliveTimeout: an idle keep-alive connection is closed after a request, on HTTP/1.1 and HTTP/2", { timeout: 30_000 }, async (t) => {
  const { port, tlsPort, ca } = zooWithLimits;
  const agent = new http.Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
      const connection = res.socket;
      res.resume();
      res.on("end", () => resolve(connection));
    }).on("error", reject);
  });
  const h1 = closesWithin(socket, 3000);
  // HTTP/1.1 over TLS: the same limit on the HTTPS listener.
  const tlsAgent = new https.Agent({ keepAlive: true, ca: ca.ca, servername: "a.test" });
  t.after(() => tlsAgent.destroy());
  const tlsSocket = await new Promise<net.Socket>((resolve, reject) => {
    https.get({ host: "127.0.0.1", port: tlsPort, path: "/", agent: tlsAgent, headers: { host: "a.test" } }, (res) => {
      const connection = res.socket;
      res.resume();
      res.on("end", () => resolve(connection));
    }).on("error", reject);
  });
  const overTls = closesWithin(tlsSocket, 3000);

  const session = http2.connect("https://a.test", { createConnection: () => tls.connect({ host: "127.0.0.1", port: tlsPort, servername: "a.test", ca: ca.ca, ALPNProtocols: ["h2"] }) });
  session.on("error", () => {});
  const stream = session.request({ ":path": "/" });
  stream.resume();
  await once(stream, "end");
  const h2Closed = once(session, "close");
  const goaway = once(session, "goaway");
  await Promise.race([h2Closed, new Promise((_, reject) => setTimeout(() => reject(new Error("HTTP/2 session still open after 3 s")), 3000))]);
  await goaway;
  await h1;
  await overTls;
});

test("bodyTimeout: a body that stops gets 408 and the request to the app is aborted, on HTTP/1.1 and HTTP/2", { timeout: 30_000 }, async (t) => {
  const { zoo, port, tlsPort, ca } = zooWithLimits;

  const req = http.request({ host: "127.0.0.1", port, path: "/upload/h1", method: "POST", headers: { "content-length": 1000 }, agent: false });
  req.write("x".repeat(10));
  const [res] = (await once(req, "response")) as [http.IncomingMessage];
  assert.equal(res.statusCode, 408);
  assert.equal(res.headers.connection, "close");
  await zoo.waitFor(/aborted \/upload\/h1/, 2000);
  await zoo.waitFor(/POST \/upload\/h1 → \/ 408/, 2000);
  req.destroy();

  const session = http2.connect("https://a.test", { createConnection: () => tls.connect({ host: "127.0.0.1", port: tlsPort, servername: "a.test", ca: ca.ca, ALPNProtocols: ["h2"] }) });
  session.on("error", () => {});
  t.after(() => session.destroy());
  const stream = session.request({ ":path": "/upload/h2", ":method": "POST", "content-length": "1000" });
  stream.on("error", () => {});
  stream.write("x".repeat(10));
  const [head] = (await once(stream, "response")) as [http2.IncomingHttpHeaders];
  assert.equal(head[":status"], 408);
  await zoo.waitFor(/aborted \/upload\/h2/, 2000);
  await zoo.waitFor(/POST \/upload\/h2 → \/ 408/, 2000);
});

test("a response that stays quiet longer than every limit (2 s) is served whole, on HTTP/1.1 and HTTP/2", { timeout: 30_000 }, async (t) => {
  const { port, tlsPort, ca } = zooWithLimits;
  const h1 = new Promise<string>((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: "/quiet/h1", agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk));
      res.on("end", () => resolve(`${res.statusCode} ${body}`));
    }).on("error", reject);
  });
  const session = http2.connect("https://a.test", { createConnection: () => tls.connect({ host: "127.0.0.1", port: tlsPort, servername: "a.test", ca: ca.ca, ALPNProtocols: ["h2"] }) });
  session.on("error", () => {});
  t.after(() => session.destroy());
  const stream = session.request({ ":path": "/quiet/h2" });
  let body = "";
  stream.on("data", (chunk: Buffer) => (body += chunk));
  const [head] = (await once(stream, "response")) as [http2.IncomingHttpHeaders];
  await once(stream, "end");
  assert.equal(`${head[":status"]} ${body}`, "200 slow\n");
  assert.equal(await h1, "200 slow\n");
});

test("bodyTimeout counts the client's silence only: an app that reads late (2 s) gets the whole 32 MiB body", { timeout: 30_000 }, async () => {
  const { port } = zooWithLimits;
  const body = Buffer.alloc(32 * 1024 * 1024, "x");
  const reply = await request(port, "/late-reader", { method: "POST", body });
  assert.equal(`${reply.status} ${reply.body}`, `200 got ${body.length}\n`);
});
