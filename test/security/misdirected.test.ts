// Finding 8: on TLS, a request for a host that the connection's certificate does not cover (SNI a.test, Host b.test,
// where b.test has a certificate of its own) gets 421 Misdirected Request on HTTP/1.1 and HTTP/2, instead of being
// served by b.test's route; a host the same certificate covers (the connection reuse browsers do) is served.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Route } from "../../src/config/types.ts";
import { TestGate } from "../proxy/helpers/gate.ts";
import { echo } from "../proxy/helpers/net.ts";
import { issue, makeCa } from "../tls/certs.ts";
import { PROTOCOLS, fetchTls, startTlsProxy } from "../tls/helpers.ts";

test("SNI a.test, Host b.test: 421 on HTTP/1.1 and HTTP/2; a name the same certificate covers is served", async (t) => {
  const ca = makeCa();
  const siteA = await echo(t);
  const siteB = await echo(t);
  const routes: Route[] = [
    { prefix: "/", host: "a.test", kind: "app", app: "a", stripPrefix: false },
    { prefix: "/", host: "www.a.test", kind: "app", app: "a", stripPrefix: false },
    { prefix: "/", host: "b.test", kind: "app", app: "b", stripPrefix: false },
  ];
  const gate = new TestGate({ a: { port: siteA.port }, b: { port: siteB.port } });
  const { tlsPort, access } = await startTlsProxy(t, routes, gate, [issue(ca, ["a.test", "*.a.test"]), issue(ca, ["b.test"])]);

  for (const protocol of PROTOCOLS) {
    const authority = protocol === "h2" ? ":authority" : "host";
    const misdirected = await fetchTls(protocol, tlsPort, { host: "a.test", path: "/x", ca: ca.ca, headers: { [authority]: "b.test" } });
    assert.equal(misdirected.status, 421, protocol);
    assert.match(misdirected.body, /^421 Misdirected Request: /);
    assert.match(misdirected.certificate ?? "", /DNS:a\.test/);
    // With a port, in another case: the same host.
    const withPort = await fetchTls(protocol, tlsPort, { host: "a.test", path: "/x", ca: ca.ca, headers: { [authority]: `B.TEST:${tlsPort}` } });
    assert.equal(withPort.status, 421, protocol);

    const covered = await fetchTls(protocol, tlsPort, { host: "a.test", path: "/x", ca: ca.ca, headers: { [authority]: "www.a.test" } });
    assert.equal(covered.status, 200, protocol);
    assert.equal(JSON.parse(covered.body).headers.host, "www.a.test");
    const own = await fetchTls(protocol, tlsPort, { host: "b.test", path: "/x", ca: ca.ca });
    assert.equal(own.status, 200, protocol);
  }
  assert.equal(siteB.connections, 1, "b.test's app saw only the request made for it (HTTP/1.1, then HTTP/2 on the pooled connection)");
  assert.equal(access.filter((entry) => entry.status === 421).length, 4);
});

test("an absolute-form target names the host too: GET https://b.test/ on a.test's connection is 421", async (t) => {
  const ca = makeCa();
  const site = await echo(t);
  const routes: Route[] = [{ prefix: "/", kind: "app", app: "web", stripPrefix: false }];
  const { tlsPort } = await startTlsProxy(t, routes, new TestGate({ web: { port: site.port } }), [issue(ca, ["a.test"]), issue(ca, ["b.test"])]);
  const reply = await fetchTls("http/1.1", tlsPort, { host: "a.test", path: "https://b.test/x", ca: ca.ca, headers: { host: "a.test" } });
  assert.equal(reply.status, 421);
});
