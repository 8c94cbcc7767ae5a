// Finding 7: the host a request names. `Connection: Host` never removes Host (before: the app saw zoo's upstream
// address and no X-Forwarded-Host); two Host headers, or one that is no host[:port], get 400 (before: the first was
// used); an HTTP/2 request whose `host` differs from :authority gets 400 (before: routed by :authority).
import assert from "node:assert/strict";
import { once } from "node:events";
import http2 from "node:http2";
import { test } from "node:test";
import { TestGate } from "../proxy/helpers/gate.ts";
import { app, echo, raw, request, startProxy } from "../proxy/helpers/net.ts";
import { issue, makeCa } from "../tls/certs.ts";
import { h2Session, startTlsProxy } from "../tls/helpers.ts";

test("Connection: Host keeps Host: the app sees the client's Host and X-Forwarded-Host", async (t) => {
  const up = await echo(t);
  const { port } = await startProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }));
  const reply = await request(port, "/", { headers: { host: "a.test", connection: "keep-alive, Host" } });
  assert.equal(reply.status, 200);
  const seen = JSON.parse(reply.body).headers;
  assert.equal(seen.host, "a.test");
  assert.equal(seen["x-forwarded-host"], "a.test");
});

test("two Host headers, or a Host that is no host[:port]: 400, and nothing reaches the app", async (t) => {
  const up = await echo(t);
  const { port, access } = await startProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }));
  const duplicate = await raw(port, "GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n");
  assert.match(duplicate, /^HTTP\/1\.1 400 [^]*more than one Host header/);
  for (const host of ["a.test/evil", "a.test@b.test", "a b.test", "a.test:80:80", "[::1", "a.test:port"]) {
    const reply = await raw(port, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.match(reply, /^HTTP\/1\.1 400 /, host);
  }
  for (const host of ["a.test", "a.test:8080", "127.0.0.1:1", "[::1]:8000", "xn--bcher-kva.example"]) {
    assert.equal((await request(port, "/", { headers: { host } })).status, 200, host);
  }
  assert.equal(up.connections, 1, "only the good requests reached the app, on one pooled connection");
  assert.ok(access.filter((entry) => entry.status === 400).length >= 7);
});

test("HTTP/2: a host header that differs from :authority gets 400; the same host is served", async (t) => {
  const ca = makeCa();
  const up = await echo(t);
  const { tlsPort } = await startTlsProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }), [issue(ca, ["a.test", "b.test"])]);
  const session = h2Session(tlsPort, "a.test", ca.ca);
  t.after(() => session.close());
  const status = async (headers: http2.OutgoingHttpHeaders) => {
    const stream = session.request({ ":path": "/", ...headers });
    stream.resume();
    const [head] = (await once(stream, "response")) as [http2.IncomingHttpHeaders];
    return head[":status"];
  };
  assert.equal(await status({ ":authority": "a.test", host: "b.test" }), 400);
  assert.equal(await status({ ":authority": "a.test", host: "A.test" }), 200);
  assert.equal(await status({ ":authority": "a.test" }), 200);
});
