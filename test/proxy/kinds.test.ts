// Redirect and static routes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Route } from "../../src/config/types.ts";
import { TestGate } from "./helpers/gate.ts";
import { raw, request, startProxy } from "./helpers/net.ts";

test("redirects append the rest of the path and the query; statuses as configured", async (t) => {
  const routes: Route[] = [
    { prefix: "/google", kind: "redirect", to: "https://google.com", status: 302 },
    { prefix: "/moved", kind: "redirect", to: "https://example.com/new/", status: 301 },
    { prefix: "/tmp", kind: "redirect", to: "https://example.com", status: 307 },
    { prefix: "/perm", kind: "redirect", to: "https://example.com/p", status: 308 },
    { prefix: "/q", kind: "redirect", to: "https://example.com/s?src=zoo", status: 302 },
  ];
  const { port } = await startProxy(t, routes, new TestGate());
  const cases: [string, number, string][] = [
    ["/google", 302, "https://google.com"],
    ["/google/", 302, "https://google.com/"],
    ["/google/search?q=zoo&x=%2F", 302, "https://google.com/search?q=zoo&x=%2F"],
    ["/google?q=1", 302, "https://google.com?q=1"],
    ["/moved/a/b", 301, "https://example.com/new/a/b"],
    ["/tmp/x", 307, "https://example.com/x"],
    ["/perm/y?z", 308, "https://example.com/p/y?z"],
    ["/google//evil.com", 302, "https://google.com//evil.com"],
    ["/q/x?y=1", 302, "https://example.com/s/x?src=zoo&y=1"],
    ["/q", 302, "https://example.com/s?src=zoo"],
  ];
  for (const [path, status, location] of cases) {
    const reply = await request(port, path, { headers: { host: "attacker.example" } });
    assert.equal(reply.status, status, path);
    assert.equal(reply.headers.location, location, path);
  }
});

test("a redirect to a relative target never becomes protocol-relative", async (t) => {
  const { port } = await startProxy(t, [{ prefix: "/", kind: "redirect", to: "/", status: 302 }], new TestGate());
  for (const path of ["//evil.com", "//evil.com/x", "/\\evil.com"]) {
    const reply = await raw(port, `GET ${path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
    const location = /\r\nlocation: ([^\r]*)/i.exec(reply)?.[1];
    assert.ok(location?.startsWith("/") && !location.startsWith("//") && !location.startsWith("/\\"), `${path} → ${location}`);
  }
});

function staticDir(t: import("node:test").TestContext): string {
  const base = mkdtempSync(join(tmpdir(), "zoo-static-"));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, "public");
  mkdirSync(join(root, "sub"), { recursive: true });
  mkdirSync(join(root, "empty"));
  writeFileSync(join(root, "index.html"), "<h1>home</h1>");
  writeFileSync(join(root, "app.css"), "body{}");
  writeFileSync(join(root, "data.json"), "0123456789");
  writeFileSync(join(root, "sub", "index.html"), "sub home");
  writeFileSync(join(root, ".env"), "SECRET=1");
  writeFileSync(join(base, "secret.txt"), "outside the root");
  return root;
}

test("static: index.html, content types, 404, no dotfiles, no listing", async (t) => {
  const root = staticDir(t);
  const { port } = await startProxy(t, [{ prefix: "/static", kind: "static", dir: root }], new TestGate());
  const home = await request(port, "/static/");
  assert.equal(home.status, 200);
  assert.equal(home.body, "<h1>home</h1>");
  assert.match(home.headers["content-type"]!, /^text\/html/);
  assert.equal((await request(port, "/static")).body, "<h1>home</h1>");
  const css = await request(port, "/static/app.css");
  assert.match(css.headers["content-type"]!, /^text\/css/);
  assert.match((await request(port, "/static/data.json")).headers["content-type"]!, /^application\/json/);
  const missing = await request(port, "/static/missing.txt");
  assert.equal(missing.status, 404);
  assert.match(missing.body, /route \/static → static/);
  assert.equal((await request(port, "/static/.env")).status, 404);
  assert.equal((await request(port, "/static/empty/")).status, 404, "a directory without index.html is not listed");
  const dir = await request(port, "/static/sub?x=1");
  assert.equal(dir.status, 301);
  assert.equal(dir.headers.location, "/static/sub/?x=1", "the redirect keeps the public prefix");
  assert.equal((await request(port, "/static/sub/")).body, "sub home");
  const post = await request(port, "/static/app.css", { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, "GET, HEAD");
});

test("static: no traversal, plain or encoded", async (t) => {
  const root = staticDir(t);
  const { port } = await startProxy(t, [{ prefix: "/static", kind: "static", dir: root }], new TestGate());
  for (const path of ["/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/..%2fsecret.txt", "/static/..%5csecret.txt", "/static/sub/..%2f..%2fsecret.txt"]) {
    const reply = await raw(port, `GET ${path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
    assert.doesNotMatch(reply, /outside the root/, path);
    assert.match(reply, /^HTTP\/1\.1 (400|403|404)/, path);
  }
});

test("static: ETag and Last-Modified give 304, Range gives 206, HEAD has no body", async (t) => {
  const root = staticDir(t);
  const { port } = await startProxy(t, [{ prefix: "/", kind: "static", dir: root }], new TestGate());
  const first = await request(port, "/data.json");
  assert.ok(first.headers.etag && first.headers["last-modified"]);
  assert.equal((await request(port, "/data.json", { headers: { "if-none-match": first.headers.etag } })).status, 304);
  assert.equal((await request(port, "/data.json", { headers: { "if-modified-since": first.headers["last-modified"] } })).status, 304);
  const range = await request(port, "/data.json", { headers: { range: "bytes=2-5" } });
  assert.equal(range.status, 206);
  assert.equal(range.body, "2345");
  assert.equal(range.headers["content-range"], "bytes 2-5/10");
  const head = await request(port, "/data.json", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers["content-length"], "10");
  assert.equal(head.body, "");
});
