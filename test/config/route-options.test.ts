// compress, basicAuth, headers and maxBodySize in the config: defaults and overrides, ${VAR} in header values, every
// mistake reported at once (with the file, the JSON path and the fix), and what `zoo validate` shows.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { buildConfig } from "../../src/config/load.ts";
import { parseSize } from "../../src/config/route-options.ts";
import { DEFAULT_COMPRESS_TYPES } from "../../src/config/types.ts";
import { ConfigError } from "../../src/errors.ts";
import { build, describeProblems, problemsOf, tempTree } from "./helpers.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const HASH = "$2b$10$KZqkOyLx/qoZ2hHqL1p2XeWCe3hr5g7bUdLpU6Yb1ZaWm8DcxJqSa";
const web = { command: "node server.js", port: 9000 };

test("sizes: k, m and g are 1024-based, a number is bytes", () => {
  assert.equal(parseSize("10mb"), 10 * 1024 * 1024);
  assert.equal(parseSize("512KB"), 512 * 1024);
  assert.equal(parseSize("1 g"), 1024 ** 3);
  assert.equal(parseSize("100"), 100);
  assert.equal(parseSize("1.5k"), 1536);
  assert.equal(parseSize("10 parsecs"), undefined);
});

test("the top-level compress and maxBodySize apply to every route that says nothing; a route's own value wins", () => {
  const config = build(
    {
      compress: true,
      maxBodySize: "1mb",
      apps: { web },
      routes: {
        "/": "web",
        "/own": { app: "web", compress: { minLength: 1000, types: ["text/html"] }, maxBodySize: 2048 },
        "/off": { app: "web", compress: false, maxBodySize: false },
        "/r": { redirect: "/x" },
      },
    },
    {},
  );
  const [root, own, off, redirect] = ["/", "/own", "/off", "/r"].map((prefix) => config.routes.find((route) => route.prefix === prefix)!);
  assert.deepEqual(root.compress, { types: [...DEFAULT_COMPRESS_TYPES], minLength: 512 });
  assert.equal(root.maxBodySize, 1024 * 1024);
  assert.deepEqual(own.compress, { types: ["text/html"], minLength: 1000 });
  assert.equal(own.maxBodySize, 2048);
  assert.equal(off.compress, undefined);
  assert.equal(off.maxBodySize, undefined);
  assert.equal(redirect.compress, undefined);
  assert.equal(config.maxBodySize, 1024 * 1024);
});

test("header values use ${VAR} like the rest of the config", () => {
  const config = build({ apps: { web }, routes: { "/": { app: "web", headers: { request: { set: { "X-Env": "${STAGE}" } }, response: { add: { "X-Build": "${BUILD:-dev}" } } } } } }, { STAGE: "prod" });
  assert.deepEqual(config.routes[0].headers, {
    request: { set: { "X-Env": "prod" }, add: {}, remove: [] },
    response: { set: {}, add: { "X-Build": "dev" }, remove: [] },
  });
});

test("every mistake in the route options is reported at once, each with its path", (t) => {
  const dir = tempTree(t, { "bad.htpasswd": `carol:${HASH}\ndave:{SHA}abc=\nnocolon\n` });
  let error: unknown;
  try {
    buildConfig(
      {
        apps: { web },
        routes: {
          "/a": { app: "web", headers: { request: { set: { "Bad Name": "x", "X-Forwarded-For": "1.2.3.4" }, add: { "X-Ok": "line\r\nbreak" } }, response: { remove: ["Content-Length"] } } },
          "/b": { app: "web", basicAuth: { users: { alice: "hunter2" } } },
          "/c": { app: "web", basicAuth: { htpasswd: "missing.htpasswd" } },
          "/d": { app: "web", basicAuth: { htpasswd: "bad.htpasswd" } },
          "/e": { app: "web", basicAuth: { users: { alice: HASH }, htpasswd: "bad.htpasswd" } },
          "/f": { app: "web", maxBodySize: "ten megs", compress: { types: ["json"] } },
        },
      },
      { file: path.join(dir, "zoo.config.json"), env: {} },
    );
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof ConfigError);
  assert.equal(error.exitCode, 2);
  const text = describeProblems(error.problems);
  for (const expected of [
    /routes\["\/a"\]\.headers\.request\.set\["Bad Name"\]: invalid key "Bad Name": expected a header name/,
    /routes\["\/a"\]\.headers\.request\.set\.X-Forwarded-For: .*zoo itself sets or frames this header on the request/,
    /routes\["\/a"\]\.headers\.request\.add\.X-Ok: a header value may not hold CR, LF/,
    /routes\["\/a"\]\.headers\.response\.remove\[0\]: .*zoo itself sets or frames this header on the response/,
    /routes\["\/b"\]\.basicAuth\.users\.alice: expected a bcrypt hash .* found something else \(not shown\)/,
    /routes\["\/c"\]\.basicAuth\.htpasswd: cannot read the htpasswd file .*missing\.htpasswd: ENOENT/,
    /routes\["\/d"\]\.basicAuth\.htpasswd: .*bad\.htpasswd line 2: the hash of user "dave" is not a bcrypt hash/,
    /routes\["\/d"\]\.basicAuth\.htpasswd: .*bad\.htpasswd line 3: expected "user:hash"/,
    /routes\["\/e"\]\.basicAuth: expected exactly one of users, htpasswd/,
    /routes\["\/f"\]\.maxBodySize: expected a size such as "10mb"/,
    /routes\["\/f"\]\.compress\.types\[0\]: expected a media type pattern/,
  ]) {
    assert.match(text, expected);
  }
  assert.doesNotMatch(text, /hunter2/, "a password put where a hash goes is not echoed");
});

test("zoo validate shows each route's options; a bad one exits 2", (t) => {
  const dir = tempTree(t, {
    "users.htpasswd": `bob:${HASH}\n`,
    "zoo.config.json": JSON.stringify({
      listen: 8123,
      compress: true,
      apps: { web },
      routes: {
        "/": { app: "web", maxBodySize: "10mb", headers: { response: { set: { "X-Frame-Options": "DENY" } } } },
        "/admin": { app: "web", basicAuth: { htpasswd: "users.htpasswd" }, compress: false },
      },
    }),
    "bad/zoo.config.json": JSON.stringify({ apps: { web }, routes: { "/": { app: "web", basicAuth: { users: { a: "x" } }, maxBodySize: "big" } } }),
  });
  const validate = (config: string) => spawnSync(process.execPath, [path.join(ROOT, "src/cli.ts"), "validate", "--config", path.join(dir, config)], { encoding: "utf8" });
  const good = validate("zoo.config.json");
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /ROUTE\s+TARGET\s+OPTIONS/);
  assert.match(good.stdout, /\/\s+app web\s+compress, headers \(response 1\), max body 10mb/);
  assert.match(good.stdout, /\/admin\s+app web\s+basic auth \(1 user from users\.htpasswd\)/);
  const bad = validate("bad/zoo.config.json");
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /2 problems/);
});

test("a realm with a quote is refused", () => {
  const problems = problemsOf({ apps: { web }, routes: { "/": { app: "web", basicAuth: { realm: 'a"b', users: { a: HASH } } } } });
  assert.match(describeProblems(problems), /basicAuth\.realm: a realm may not hold quotes/);
});

test("a reload takes new route options at once, top-level compress and maxBodySize included", async () => {
  const { planReload } = await import("../../src/config/diff.ts");
  const before = build({ apps: { web }, routes: { "/": "web" } });
  const after = build({ compress: true, maxBodySize: "1mb", apps: { web }, routes: { "/": { app: "web", headers: { response: { set: { "X-A": "1" } } } } } });
  const plan = planReload(before, after);
  assert.deepEqual(plan.refused, []);
  assert.deepEqual(plan.proxy.sort(), ["compress", "maxBodySize", "routes"]);
});
