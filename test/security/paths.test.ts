// What a client can learn or make zoo do with paths: a static 404 names the route and never the server's absolute
// directory; a redirect target is an http(s) URL or a path; a stripped prefix never leaves the app a "//" path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestGate } from "../proxy/helpers/gate.ts";
import { app, echo, raw, request, startProxy } from "../proxy/helpers/net.ts";
import { describeProblems, problemsOf } from "../config/helpers.ts";

test("a static 404 page names the route, never the directory's absolute path", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "zoo-static-secret-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, "index.html"), "home");
  const { port } = await startProxy(t, [{ prefix: "/static", kind: "static", dir: root }], new TestGate());
  for (const [path, status] of [["/static/missing.txt", 404], ["/static/.env", 404], ["/static/index.html", 405]] as const) {
    const reply = await request(port, path, { method: status === 405 ? "POST" : "GET" });
    assert.equal(reply.status, status, path);
    assert.match(reply.body, /route \/static → static/, path);
    assert.ok(!reply.body.includes(root) && !reply.body.includes(tmpdir()), `${path}: ${reply.body}`);
  }
});

test('a redirect target must be an http(s) URL or a path: "http:evil.com" is a config error', () => {
  for (const target of ["http:evil.com", "https:evil.com/x", "http:/evil.com", "javascript:alert(1)", "//evil.com", "/\\evil.com"]) {
    const problems = problemsOf({ routes: { "/go": { redirect: target } } });
    assert.ok(
      problems.some((p) => p.path.join(".") === "routes./go.redirect"),
      `${target}: ${describeProblems(problems)}`,
    );
  }
  for (const target of ["http:evil.com", "https:evil.com"]) {
    const problems = problemsOf({ apps: {}, routes: { "/out": { proxy: target } } });
    assert.ok(problems.some((p) => p.path.join(".") === "routes./out.proxy"), `${target}: ${describeProblems(problems)}`);
  }
  // The forms that stay valid.
  for (const target of ["https://example.com", "HTTP://example.com/a?b", "/new", "/"]) {
    assert.throws(() => problemsOf({ routes: { "/go": { redirect: target } } }), /expected the config to be rejected/, target);
  }
});

test("stripPrefix never hands an app a path that starts with //", async (t) => {
  const upstream = await echo(t);
  const gate = new TestGate({ api: { port: upstream.port } });
  const { port } = await startProxy(t, [app("/api", "api", true), app("/", "api")], gate);
  const cases: [string, string][] = [
    ["/api//evil.com/x", "/evil.com/x"],
    ["/api///evil.com", "/evil.com"],
    ["/api/\\evil.com", "/evil.com"],
    ["/api//evil.com?q=1", "/evil.com?q=1"],
    ["/api/ok", "/ok"],
    ["/api", "/"],
  ];
  for (const [path, seen] of cases) {
    const reply = await raw(port, `GET ${path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
    const body = reply.slice(reply.indexOf("\r\n\r\n") + 4);
    assert.equal(JSON.parse(body).url, seen, path);
  }
});
