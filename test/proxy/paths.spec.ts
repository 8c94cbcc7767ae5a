import { test } from "node:test";
import assert from "node:assert/strict";
import { collapseLeadingSlashes, normalizeTarget } from "../../src/proxy/paths.ts";

const cases: [url: string, path: string | undefined, query?: string][] = [
  ["/", "/", ""],
  ["/node/x?q=1&r=%2F", "/node/x", "?q=1&r=%2F"],
  ["/a?", "/a", "?"],
  ["/a?x=../../b", "/a", "?x=../../b"], // the query is never touched
  ["/a/./b", "/a/b"],
  ["/a/../b", "/b"],
  ["/a/b/..", "/a/"],
  ["/a/b/.", "/a/b/"],
  ["/..", "/"],
  ["/../../etc/passwd", "/etc/passwd"],
  ["/node/../secret", "/secret"],
  ["/node/%2e%2e/secret", "/secret"],
  ["/node/%2E%2e/secret", "/secret"],
  ["/node/.%2e/secret", "/secret"],
  ["/node/%2e/x", "/node/x"],
  ["/node/..%2fsecret", undefined],
  ["/node/..%2Fsecret", undefined],
  ["/node/x%2f..%2f..%2fsecret", undefined],
  ["/node/%2e%2e%5csecret", undefined],
  ["/node/..\\secret", undefined],
  ["/node/a%2fb", "/node/a%2fb"], // an encoded slash without dots is data, passed as sent
  ["/node/a%20b", "/node/a%20b"],
  ["/node/.hidden", "/node/.hidden"],
  ["/node/...", "/node/..."],
  ["//evil.com/x", "//evil.com/x"],
  ["http://example.com/node/x?q", "/node/x", "?q"],
  ["http://example.com", "/", ""],
  ["http://user@example.com:8080/a", "/a", ""],
  ["http://a@b@c/x", undefined],
  ["http:///x", undefined],
  ["*", undefined],
  ["node", undefined],
  ["/a#frag", undefined],
];

for (const [url, path, query] of cases) {
  test(`normalizeTarget(${JSON.stringify(url)})`, () => {
    const target = normalizeTarget(url);
    assert.equal(target?.path, path);
    if (query !== undefined) assert.equal(target?.query, query);
  });
}

test("an absolute-form target's host is kept apart from its path, without any user info", () => {
  assert.equal(normalizeTarget("http://example.com/node/x?q")?.authority, "example.com");
  assert.equal(normalizeTarget("HTTP://user:pw@example.com:8080")?.authority, "example.com:8080");
  assert.equal(normalizeTarget("/node/x")?.authority, undefined);
});

test("collapseLeadingSlashes never yields a protocol-relative path", () => {
  assert.equal(collapseLeadingSlashes("/a/b"), "/a/b");
  assert.equal(collapseLeadingSlashes("//evil.com/"), "/evil.com/");
  assert.equal(collapseLeadingSlashes("/\\evil.com"), "/evil.com");
  assert.equal(collapseLeadingSlashes("///x"), "/x");
});
