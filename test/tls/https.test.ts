// HTTPS on a real ZooProxy: strict SNI, ALPN (h2 and http/1.1 on one port), the plain listener beside it
// (308 to HTTPS, ACME challenges), and the proxy's behaviour over both protocols.
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import tls from "node:tls";
import { describe, test } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import type { Route } from "../../src/config/types.ts";
import { TestGate } from "../proxy/helpers/gate.ts";
import { app, closedPort, echo, request, upstream } from "../proxy/helpers/net.ts";
import { issue, makeCa } from "./certs.ts";
import { PROTOCOLS, fetchTls, handshake, startTlsProxy } from "./helpers.ts";

const ca = makeCa();
const siteA = issue(ca, ["a.test", "www.a.test"]);
const siteB = issue(ca, ["*.b.test"]);
const json = (body: string) => JSON.parse(body) as { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

test("strict SNI: each name gets its own certificate; an unknown name or no name gets none", async (t) => {
  const up = await echo(t);
  const { tlsPort, lines } = await startTlsProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }), [siteA, siteB]);
  assert.equal(await handshake(tlsPort, "a.test", ca.ca), "DNS:a.test, DNS:www.a.test");
  assert.equal(await handshake(tlsPort, "WWW.A.TEST", ca.ca), "DNS:a.test, DNS:www.a.test");
  assert.equal(await handshake(tlsPort, "x.b.test", ca.ca), "DNS:*.b.test");
  for (const name of ["c.test", "b.test", "x.y.b.test", undefined]) {
    await assert.rejects(handshake(tlsPort, name, ca.ca), `no certificate for ${name}`);
  }
  assert.match(lines.join("\n"), /TLS handshake refused for c\.test: no certificate covers "c\.test"/);
  // The listener goes on.
  assert.equal((await fetchTls("h2", tlsPort, { host: "a.test", path: "/", ca: ca.ca })).status, 200);
});

test("ALPN: h2 and http/1.1 on the same port, same answer", async (t) => {
  const up = await echo(t);
  const { tlsPort } = await startTlsProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }), [siteA]);
  for (const protocol of PROTOCOLS) {
    const reply = await fetchTls(protocol, tlsPort, { host: "a.test", path: "/x?y=1", ca: ca.ca });
    assert.equal(reply.alpn, protocol);
    assert.equal(reply.status, 200);
    assert.equal(json(reply.body).url, "/x?y=1");
  }
});

describe("the proxy over HTTP/1.1 and HTTP/2", () => {
  for (const protocol of PROTOCOLS) {
    test(`${protocol}: routing by host and path, headers as an HTTP/1.1 app expects them`, async (t) => {
      const [web, api] = await Promise.all([echo(t), echo(t)]);
      const routes: Route[] = [app("/", "web"), { ...app("/", "api"), host: "www.a.test" }, { ...app("/v1", "api", true), host: "*.b.test" }];
      const { tlsPort } = await startTlsProxy(t, routes, new TestGate({ web: { port: web.port }, api: { port: api.port } }), [siteA, siteB]);
      const fetch = (host: string, path: string, headers: Record<string, string> = {}) => fetchTls(protocol, tlsPort, { host, path, ca: ca.ca, headers });

      const toWeb = await fetch("a.test", "/p", { "x-forwarded-proto": "http", "x-custom": "kept" });
      const seen = json(toWeb.body);
      assert.equal(seen.url, "/p");
      assert.equal(seen.headers.host, `a.test:${tlsPort}`, "Host from :authority");
      assert.equal(seen.headers["x-forwarded-proto"], "https");
      assert.equal(seen.headers["x-forwarded-host"], `a.test:${tlsPort}`);
      assert.equal(seen.headers["x-forwarded-for"], "127.0.0.1");
      assert.equal(seen.headers["x-custom"], "kept");
      for (const name of Object.keys(seen.headers)) assert.ok(!name.startsWith(":"), `no pseudo-header ${name} upstream`);
      assert.equal(seen.headers.connection, "keep-alive", "zoo's own pooled connection, nothing from the client");

      const toApi = json((await fetch("www.a.test", "/p")).body);
      assert.equal(toApi.url, "/p");
      assert.equal(toApi.headers.host, `www.a.test:${tlsPort}`);
      const stripped = json((await fetch("x.b.test", "/v1/users")).body);
      assert.equal(stripped.url, "/users");
      assert.equal((await fetch("x.b.test", "/other")).status, 200, "the wildcard has no /other: the any-host / serves it");
    });

    test(`${protocol}: request and response bodies stream through; response headers keep repeats`, async (t) => {
      const big = Buffer.alloc(3 * 1024 * 1024, "z");
      const up = await upstream(t, (req, res) => {
        let n = 0;
        req.on("data", (chunk: Buffer) => (n += chunk.length));
        req.on("end", () => {
          res.writeHead(201, "Made", [["set-cookie", "a=1"], ["set-cookie", "b=2"], ["x-received", String(n)], ["connection", "keep-alive"], ["keep-alive", "timeout=5"]].flat());
          res.end(big);
        });
      });
      const { tlsPort, access } = await startTlsProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }), [siteA]);
      const reply = await fetchTls(protocol, tlsPort, { host: "a.test", path: "/up", ca: ca.ca, method: "POST", body: Buffer.alloc(2 * 1024 * 1024, "u") });
      assert.equal(reply.status, 201);
      // The access log's bytes: the whole response on HTTP/1.1 (head and body), the body on HTTP/2 (a shared connection).
      await until(() => access.length === 1);
      if (protocol === "h2") assert.equal(access[0].bytes, big.length);
      else assert.ok(access[0].bytes > big.length && access[0].bytes < big.length + 1024, `bytes ${access[0].bytes}`);
      assert.equal(reply.headers["x-received"], String(2 * 1024 * 1024));
      assert.deepEqual(reply.headers["set-cookie"], ["a=1", "b=2"]);
      assert.equal(reply.body.length, big.length);
      if (protocol === "h2") assert.equal(reply.headers.connection, undefined, "no connection-specific header in HTTP/2");
    });

    test(`${protocol}: errors — 404, 502, 504 — and a held request that goes through once the app is ready`, async (t) => {
      const slow = await upstream(t, () => {}); // never answers
      const up = await echo(t);
      const gate = new TestGate({ down: { port: await closedPort() }, slow: { port: slow.port }, later: { port: up.port, ready: false } });
      const routes: Route[] = [app("/down", "down"), app("/slow", "slow"), app("/later", "later"), { ...app("/", "down"), host: "www.a.test" }];
      const { tlsPort } = await startTlsProxy(t, routes, gate, [siteA], { upstreamTimeout: 300 });
      const fetch = (path: string, host = "a.test") => fetchTls(protocol, tlsPort, { host, path, ca: ca.ca });

      const missing = await fetch("/nothing");
      assert.equal(missing.status, 404);
      assert.match(missing.body, /^404 Not Found: no route for \/nothing/);
      const down = await fetch("/down/x");
      assert.equal(down.status, 502);
      assert.match(down.body, /route \/down → app down: connection refused/);
      assert.equal((await fetch("/slow")).status, 504);

      const held = fetch("/later/x");
      await until(() => gate.waiting("later") === 1);
      gate.setReady("later", true);
      const reply = await held;
      assert.equal(reply.status, 200);
      assert.equal(json(reply.body).url, "/later/x");
    });
  }
});

test("WebSockets over HTTPS/1.1 on the TLS port", async (t) => {
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  wss.on("connection", (socket, req) => socket.on("message", (data) => socket.send(`${req.url} ${data}`)));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => {
    for (const client of wss.clients) client.terminate();
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  const { tlsPort } = await startTlsProxy(t, [app("/ws", "ws")], new TestGate({ ws: { port } }), [siteA]);
  const ws = new WebSocket(`wss://a.test:${tlsPort}/ws/chat`, {
    createConnection: () => tls.connect({ host: "127.0.0.1", port: tlsPort, servername: "a.test", ca: ca.ca, ALPNProtocols: ["http/1.1"] }),
  } as object);
  await once(ws, "open");
  ws.send("hi");
  const [message] = await once(ws, "message");
  assert.equal(String(message), "/ws/chat hi");
  ws.close();
});

test("plain listener beside HTTPS: 308 to the same URL over HTTPS, ACME challenges answered before that", async (t) => {
  const up = await echo(t);
  const tokens = new Map([["tok-1", "tok-1.keyauth"]]);
  const { port, tlsPort } = await startTlsProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }), [siteA], {
    redirectHttp: true,
    acmeChallenge: (token) => tokens.get(token),
  });
  const redirected = await request(port, "/a/b?c=1", { headers: { host: `A.test:${port}` } });
  assert.equal(redirected.status, 308);
  assert.equal(redirected.headers.location, `https://a.test:${tlsPort}/a/b?c=1`);
  const challenge = await request(port, "/.well-known/acme-challenge/tok-1", { headers: { host: "a.test" } });
  assert.equal(challenge.status, 200);
  assert.equal(challenge.body, "tok-1.keyauth");
  const unknown = await request(port, "/.well-known/acme-challenge/other", { headers: { host: "a.test" } });
  assert.equal(unknown.status, 308, "an unknown token is no challenge of zoo's");
  const oddHost = await request(port, "/x", { headers: { host: "evil.test/@x" } });
  assert.notEqual(oddHost.status, 308, "a Host that is no name is never put in a Location");
});

test("without redirectHttp the plain listener serves as before", async (t) => {
  const up = await echo(t);
  const { port } = await startTlsProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }), [siteA]);
  const reply = await request(port, "/x", { headers: { host: "a.test" } });
  assert.equal(reply.status, 200);
  assert.equal(json(reply.body).headers["x-forwarded-proto"], "http");
});

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("a reload re-reads the certificate files: loadCertificates into the store, the next handshake sees them", async (t) => {
  const { copyFileSync } = await import("node:fs");
  const path = await import("node:path");
  const { buildConfig } = await import("../../src/config/load.ts");
  const { loadCertificates } = await import("../../src/tls/certificates.ts");
  const up = await echo(t);
  const live = { cert: path.join(ca.dir, "live.pem"), key: path.join(ca.dir, "live.key") };
  copyFileSync(siteA.cert, live.cert);
  copyFileSync(siteA.key, live.key);
  const { tlsPort, store } = await startTlsProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }), [live]);
  assert.equal(await handshake(tlsPort, "a.test", ca.ca), "DNS:a.test, DNS:www.a.test");
  await assert.rejects(handshake(tlsPort, "c.test", ca.ca));

  const renewed = issue(ca, ["a.test", "c.test"]);
  copyFileSync(renewed.cert, live.cert);
  copyFileSync(renewed.key, live.key);
  const config = buildConfig({ tls: { listen: 0, certificates: [live] } }, { file: path.join(ca.dir, "zoo.config.json"), env: {} });
  store.setFiles(loadCertificates(config));
  assert.equal(await handshake(tlsPort, "c.test", ca.ca), "DNS:a.test, DNS:c.test");
  await assert.rejects(handshake(tlsPort, "www.a.test", ca.ca), "the old certificate's names are gone");
});
