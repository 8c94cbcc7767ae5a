// Host routes and same-host redirects through a real ZooProxy on the plain listener.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Route } from "../../src/config/types.ts";
import { TestGate } from "./helpers/gate.ts";
import { app, echo, request, startProxy } from "./helpers/net.ts";

test("the Host header picks the host's routes: exact, then wildcard, then any host", async (t) => {
  const [any, api, wild] = await Promise.all([echo(t), echo(t), echo(t)]);
  const routes: Route[] = [app("/", "any"), { ...app("/", "api"), host: "api.example.com" }, { ...app("/", "wild"), host: "*.example.com" }];
  const gate = new TestGate({ any: { port: any.port }, api: { port: api.port }, wild: { port: wild.port } });
  const { port, access } = await startProxy(t, routes, gate);
  const cases: [host: string, expected: number][] = [
    ["api.example.com", api.port],
    ["API.EXAMPLE.COM:8080", api.port],
    ["www.example.com", wild.port],
    ["example.com", any.port],
    ["a.b.example.com", any.port],
    [`127.0.0.1:${port}`, any.port],
  ];
  for (const [host, expected] of cases) {
    const reply = await request(port, "/x", { headers: { host } });
    assert.equal(reply.status, 200, host);
    assert.equal(JSON.parse(reply.body).headers.host, host, "the app sees the Host as sent");
    const seenBy = [any, api, wild].find((u) => u.port === expected)!;
    assert.ok(seenBy.connections > 0, `${host} reached its app`);
  }
  // An absolute-form target's host routes like a Host header.
  const absolute = await request(port, "http://api.example.com/y", { headers: { host: "other.test" } });
  assert.equal(JSON.parse(absolute.body).headers.host, "api.example.com");
  assert.equal(access.length, cases.length + 1);
});

test("a same-host redirect keeps path and query and never becomes protocol-relative", async (t) => {
  const routes: Route[] = [
    { prefix: "/old", kind: "redirect", to: "/new", status: 308 },
    { prefix: "/home", kind: "redirect", to: "/", status: 302 },
  ];
  const { port } = await startProxy(t, routes, new TestGate());
  const cases: [path: string, location: string][] = [
    ["/old", "/new"],
    ["/old/a/b?q=1", "/new/a/b?q=1"],
    ["/old//evil.com", "/new//evil.com"],
    ["/home", "/"],
    ["/home?x", "/?x"],
    ["/home//evil.com/x", "/evil.com/x"],
    ["/home/%5Cevil.com", "/%5Cevil.com"],
  ];
  for (const [path, location] of cases) {
    const reply = await request(port, path);
    assert.equal(reply.headers.location, location, path);
    assert.ok(!/^[/\\]{2}/.test(reply.headers.location!), `${path}: not protocol-relative`);
  }
});
