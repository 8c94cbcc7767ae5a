// Every bad config is rejected with a problem that names the JSON path, what was expected and what was found.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, formatConfigPath, type ErrorCode } from "../../src/errors.ts";
import { FILE, build, describeProblems, problemsOf } from "./helpers.ts";

const web = { command: "node server.js", port: 9000 };
const good = { apps: { web }, routes: { "/": "web" } };

interface Case {
  name: string;
  config: unknown;
  env?: Record<string, string>;
  listen?: string;
  path: string;
  message: string;
  code?: ErrorCode;
}

const cases: Case[] = [
  // wrong types
  { name: "command of the wrong type", config: { apps: { web: { command: 5 } } }, path: "apps.web.command", message: "expected a string or an array, found 5" },
  { name: "empty command array", config: { apps: { web: { command: [] } } }, path: "apps.web.command", message: "expected at least 1 item(s), found an array []" },
  { name: "missing command", config: { apps: { web: { port: 9000 } } }, path: "apps.web", message: "missing required key `command` (an app zoo runs), or `url` (an app zoo fronts but does not run)" },
  { name: "shell is not a boolean", config: { apps: { web: { ...web, shell: "yes" } } }, path: "apps.web.shell", message: 'expected a boolean, found "yes"' },
  { name: "env value is an object", config: { apps: { web: { ...web, env: { A: { b: 1 } } } } }, path: "apps.web.env.A", message: 'expected a string, a number or a boolean, found an object {"b":1}' },
  { name: "the root is an array", config: [1, 2], path: "(root)", message: "expected an object, found an array [1,2]" },
  { name: "apps is a list", config: { apps: ["web"] }, path: "apps", message: 'expected an object, found an array ["web"]' },
  { name: "health: true", config: { apps: { web: { ...web, health: true } } }, path: "apps.web.health", message: "expected false or an object, found true" },
  { name: "two probe kinds", config: { apps: { web: { ...web, health: { http: "/h", exec: "true" } } } }, path: "apps.web.health", message: "expected at most one of tcp, http, exec" },
  { name: "restart value misspelt", config: { apps: { web: { ...web, restart: "alway" } } }, path: "apps.web.restart", message: 'expected one of "always", "on-failure", "never", found "alway" — did you mean "always"?' },
  { name: "dependsOn condition unknown", config: { apps: { web: { ...web, dependsOn: { db: "healthy" } }, db: { command: "db" } } }, path: "apps.web.dependsOn.db", message: 'expected one of "started", "ready", "completed", found "healthy"' },
  { name: "limits: no connection at all", config: { ...good, limits: { maxConnections: 0 } }, path: "limits.maxConnections", message: "expected a number >= 1, found 0" },
  { name: "limits: a timeout that is no duration", config: { ...good, limits: { headerTimeout: "soon" } }, path: "limits.headerTimeout", message: 'expected a duration such as "500ms", "5s", "2m" or a number of milliseconds, found "soon"' },
  { name: "app name with a space", config: { apps: { "my app": { command: "x" } } }, path: 'apps["my app"]', message: 'invalid key "my app": expected an app name of letters, digits, _ . -' },

  // unknown and misspelt keys
  { name: "misspelt app key", config: { apps: { web: { comand: "node server.js" } } }, path: "apps.web", message: "unknown key `comand` — did you mean `command`?" },
  { name: "misspelt top-level key", config: { ...good, rutes: {} }, path: "(root)", message: "unknown key `rutes` — did you mean `routes`?" },
  { name: "unknown key with no near match", config: { apps: { web: { ...web, banana: 1 } } }, path: "apps.web", message: "unknown key `banana` (expected one of: command, url, shell, cwd, env, port, health" },
  { name: "a longer form of a key", config: { apps: { web: { ...web, environment: { A: "1" } } } }, path: "apps.web", message: "unknown key `environment` — did you mean `env`?" },
  { name: "a signal without SIG", config: { apps: { web: { ...web, stopSignal: "TERM" } } }, path: "apps.web.stopSignal", message: 'found "TERM" — did you mean "SIGTERM"?' },
  { name: "misspelt health key", config: { apps: { web: { ...web, health: { http: "/h", intervall: "5s" } } } }, path: "apps.web.health", message: "unknown key `intervall` — did you mean `interval`?" },
  { name: "misspelt route key", config: { ...good, routes: { "/g": { redirct: "https://google.com" } } }, path: 'routes["/g"]', message: "unknown key `redirct` — did you mean `redirect`?" },
  { name: "a key of another route kind", config: { ...good, routes: { "/g": { redirect: "https://google.com", stripPrefix: true } } }, path: 'routes["/g"]', message: "unknown key `stripPrefix` (expected one of: redirect, status)" },
  { name: "route value of the wrong type", config: { ...good, routes: { "/": 5 } }, path: 'routes["/"]', message: "expected a string, an object with `app`, an object with `redirect`, an object with `proxy` or an object with `static`, found 5" },
  { name: "redirect status not a redirect", config: { ...good, routes: { "/g": { redirect: "https://google.com", status: 303 } } }, path: 'routes["/g"].status', message: "expected 301, 302, 307 or 308, found 303" },
  { name: "stripPrefix of an app route is not a boolean", config: { ...good, routes: { "/w": { app: "web", stripPrefix: "yes" } } }, path: 'routes["/w"].stripPrefix', message: 'expected a boolean, found "yes"' },

  // ports and listen
  { name: "port above 65535", config: { apps: { web: { ...web, port: 70000 } } }, path: "apps.web.port", message: "expected a port from 1 to 65535, found 70000" },
  { name: "port 0", config: { apps: { web: { ...web, port: 0 } } }, path: "apps.web.port", message: "expected a port from 1 to 65535, found 0" },
  { name: "port not a number", config: { apps: { web: { ...web, port: "http" } } }, path: "apps.web.port", message: 'expected a port number, found "http"' },
  { name: "listen not host:port", config: { ...good, listen: "localhost:http" }, path: "listen", message: 'expected a port from 0 to 65535 or "host:port", found "localhost:http"' },
  { name: "listen port too big", config: { ...good, listen: 65536 }, path: "listen", message: 'expected a port from 0 to 65535 or "host:port", found 65536' },
  { name: "listen of the wrong type", config: { ...good, listen: true }, path: "listen", message: "expected a number or a string, found true" },
  { name: "$PORT is not a port", config: good, env: { PORT: "eighty" }, path: "listen", message: '$PORT: expected a port from 0 to 65535 or "host:port", found "eighty"' },
  { name: "--listen is not a port", config: good, listen: "nope", path: "listen", message: '--listen: expected a port from 0 to 65535 or "host:port", found "nope"' },

  // durations
  { name: "duration with an unknown unit", config: { apps: { web: { ...web, stopTimeout: "5 parsecs" } } }, path: "apps.web.stopTimeout", message: 'expected a duration such as "500ms", "5s", "2m" or a number of milliseconds, found "5 parsecs"' },
  { name: "negative duration", config: { ...good, upstreamTimeout: -5 }, path: "upstreamTimeout", message: "expected a number >= 0, found -5" },
  { name: "duration of the wrong type", config: { apps: { web: { ...web, health: { timeout: true } } } }, path: "apps.web.health.timeout", message: "expected a number or a string, found true" },

  // collisions
  { name: "two apps on one port", config: { apps: { web, api: { command: "api", port: 9000 } } }, path: "apps.api.port", message: "port 9000 is already used by app `web`", code: "ZOO_ERR_CONFIG_PORT_CONFLICT" },
  { name: "an app on zoo's listen port", config: { ...good, listen: 9000 }, path: "apps.web.port", message: "port 9000 is zoo's own listen port", code: "ZOO_ERR_CONFIG_PORT_CONFLICT" },
  { name: "an app on the default listen port", config: { apps: { web: { command: "x", port: 8000 } } }, path: "apps.web.port", message: "port 8000 is zoo's own listen port", code: "ZOO_ERR_CONFIG_PORT_CONFLICT" },
  { name: "an app on $PORT", config: { apps: { web: { command: "x", port: 3000 } } }, env: { PORT: "3000" }, path: "apps.web.port", message: "port 3000 is zoo's own listen port", code: "ZOO_ERR_CONFIG_PORT_CONFLICT" },

  // routes
  { name: "route to an unknown app", config: { ...good, routes: { "/": "wbe" } }, path: 'routes["/"]', message: "route to unknown app `wbe` — did you mean `web`?", code: "ZOO_ERR_CONFIG_UNKNOWN_APP" },
  { name: "app route to an unknown app", config: { ...good, routes: { "/x": { app: "zzz" } } }, path: 'routes["/x"].app', message: "route to unknown app `zzz` (apps: web)", code: "ZOO_ERR_CONFIG_UNKNOWN_APP" },
  { name: "prefix without a leading slash", config: { ...good, routes: { api: "web" } }, path: "routes.api", message: 'expected a path prefix starting with "/", found "api"', code: "ZOO_ERR_CONFIG_ROUTE_PREFIX" },
  { name: "two prefixes the same once normalised", config: { ...good, routes: { "/node": "web", "/node/": "web" } }, path: 'routes["/node/"]', message: 'duplicate prefix: "/node/" and "/node" are both "/node"', code: "ZOO_ERR_CONFIG_ROUTE_PREFIX" },
  { name: "host key without a path", config: { ...good, routes: { "api.example.com": "web" } }, path: 'routes["api.example.com"]', message: 'expected a path prefix starting with "/", found "api.example.com" (or a host and a path, such as "api.example.com/")', code: "ZOO_ERR_CONFIG_ROUTE_PREFIX" },
  { name: "host with a port", config: { ...good, routes: { "example.com:8080/": "web" } }, path: 'routes["example.com:8080/"]', message: 'invalid host "example.com:8080": hosts are matched without a port; write the name only in "example.com:8080/"', code: "ZOO_ERR_CONFIG_ROUTE_PREFIX" },
  { name: "host with a bad character", config: { ...good, routes: { "ex ample.com/": "web" } }, path: 'routes["ex ample.com/"]', message: 'invalid host "ex ample.com": not a valid host name', code: "ZOO_ERR_CONFIG_ROUTE_PREFIX" },
  { name: "host with an underscore", config: { ...good, routes: { "my_app.example.com/": "web" } }, path: 'routes["my_app.example.com/"]', message: 'invalid host "my_app.example.com": expected labels of letters, digits and inner hyphens', code: "ZOO_ERR_CONFIG_ROUTE_PREFIX" },
  { name: "host with an empty label", config: { ...good, routes: { "a..example.com/": "web" } }, path: 'routes["a..example.com/"]', message: 'invalid host "a..example.com"', code: "ZOO_ERR_CONFIG_ROUTE_PREFIX" },
  { name: "wildcard not in the first label", config: { ...good, routes: { "api.*.example.com/": "web" } }, path: 'routes["api.*.example.com/"]', message: 'invalid host "api.*.example.com": a wildcard is allowed only as the whole first label, as in "*.example.com"', code: "ZOO_ERR_CONFIG_ROUTE_PREFIX" },
  { name: "wildcard inside a label", config: { ...good, routes: { "api-*.example.com/": "web" } }, path: 'routes["api-*.example.com/"]', message: "a wildcard is allowed only as the whole first label", code: "ZOO_ERR_CONFIG_ROUTE_PREFIX" },
  { name: "wildcard over a top-level domain", config: { ...good, routes: { "*.com/": "web" } }, path: 'routes["*.com/"]', message: "a wildcard needs a domain of at least two labels", code: "ZOO_ERR_CONFIG_ROUTE_PREFIX" },
  { name: "two host keys the same once normalised", config: { ...good, routes: { "API.Example.com/": "web", "api.example.com": "web", "api.example.com//": "web" } }, path: 'routes["api.example.com//"]', message: 'duplicate prefix: "api.example.com//" and "API.Example.com/" are both "api.example.com/"', code: "ZOO_ERR_CONFIG_ROUTE_PREFIX" },
  { name: "an IDN and its ASCII form", config: { ...good, routes: { "bücher.example/": "web", "xn--bcher-kva.example/": "web" } }, path: 'routes["xn--bcher-kva.example/"]', message: 'both "xn--bcher-kva.example/"', code: "ZOO_ERR_CONFIG_ROUTE_PREFIX" },
  { name: "redirect protocol-relative", config: { ...good, routes: { "/g": { redirect: "//evil.com" } } }, path: 'routes["/g"].redirect', message: 'expected a path on this host such as "/new" or an absolute http(s) URL, found "//evil.com"', code: "ZOO_ERR_CONFIG_URL" },
  { name: "redirect with a backslash", config: { ...good, routes: { "/g": { redirect: "/\\evil.com" } } }, path: 'routes["/g"].redirect', message: "a browser reads it as another host", code: "ZOO_ERR_CONFIG_URL" },
  { name: "tls without certificates or acme", config: { ...good, tls: { listen: 8443 } }, path: "tls", message: "expected `certificates` or `acme` (HTTPS needs at least one certificate)" },
  { name: "tls on the plain port", config: { ...good, listen: 8080, tls: { listen: 8080, certificates: [{ cert: "a.pem", key: "a.key" }] } }, path: "tls.listen", message: "port 8080 is also zoo's plain listen port", code: "ZOO_ERR_CONFIG_PORT_CONFLICT" },
  { name: "misspelt tls key", config: { ...good, tls: { certificates: [{ cert: "a.pem", key: "a.key" }], redirectHTTP: true } }, path: "tls", message: "unknown key `redirectHTTP` — did you mean `redirectHttp`?" },
  { name: "acme without a directory", config: { ...good, tls: { acme: { email: "a@b.c" } } }, path: "tls.acme", message: "missing required key `directory`" },
  { name: "redirect to a relative URL", config: { ...good, routes: { "/g": { redirect: "google.com" } } }, path: 'routes["/g"].redirect', message: 'expected an absolute http(s) URL such as "https://example.com", found "google.com"', code: "ZOO_ERR_CONFIG_URL" },
  { name: "proxy to a non-http URL", config: { ...good, routes: { "/p": { proxy: "ftp://example.com" } } }, path: 'routes["/p"].proxy', message: 'found "ftp://example.com"', code: "ZOO_ERR_CONFIG_URL" },

  // variables
  { name: "unset variable", config: { apps: { web: { ...web, command: "node ${ENTRY}" } } }, path: "apps.web.command", message: "variable ${ENTRY} is not set and has no default", code: "ZOO_ERR_CONFIG_UNSET_VARIABLE" },
  { name: "unclosed ${", config: { apps: { web: { ...web, command: "node ${ENTRY" } } }, path: "apps.web.command", message: 'unclosed "${" in "node ${ENTRY"' },
  { name: "bad variable name", config: { apps: { web: { ...web, command: "node ${1X}" } } }, path: "apps.web.command", message: 'expected a variable name in "${1X}"' },

  // dependsOn
  { name: "dependsOn an unknown app", config: { apps: { web: { ...web, dependsOn: ["dbb"] }, db: { command: "db" } } }, path: "apps.web.dependsOn", message: "dependency on unknown app `dbb` — did you mean `db`?", code: "ZOO_ERR_CONFIG_UNKNOWN_APP" },
  { name: "dependsOn itself", config: { apps: { web: { ...web, dependsOn: ["web"] } } }, path: "apps.web.dependsOn", message: "app `web` depends on itself", code: "ZOO_ERR_CONFIG_DEPENDENCY" },
  {
    name: "a dependency cycle",
    config: { apps: { a: { command: "a", dependsOn: ["b"] }, b: { command: "b", dependsOn: { a: "started" } } } },
    path: "apps.a.dependsOn",
    message: "dependency cycle: a → b → a",
    code: "ZOO_ERR_CONFIG_DEPENDENCY",
  },
  {
    name: "a longer dependency cycle",
    config: { apps: { a: { command: "a", dependsOn: ["b"] }, b: { command: "b", dependsOn: ["c"] }, c: { command: "c", dependsOn: ["a"] } } },
    path: "apps.a.dependsOn",
    message: "dependency cycle: a → b → c → a",
    code: "ZOO_ERR_CONFIG_DEPENDENCY",
  },

  // apps zoo fronts by url
  { name: "url with a command", config: { apps: { web: { url: "http://node:9100", command: "x" } } }, path: "apps.web.command", message: "`command` is for an app zoo runs; this app has a `url`, so zoo does not run it" },
  { name: "url with a port", config: { apps: { web: { url: "http://node:9100", port: 9100 } } }, path: "apps.web.port", message: "`port` is for an app zoo runs" },
  { name: "url with a path", config: { apps: { web: { url: "http://node:9100/api" } } }, path: "apps.web.url", message: 'expected an address such as "http://node:9100" (http, a host, a port, no path), found "http://node:9100/api"', code: "ZOO_ERR_CONFIG_URL" },
  { name: "url not http", config: { apps: { web: { url: "https://node:9100" } } }, path: "apps.web.url", message: "expected an address such as", code: "ZOO_ERR_CONFIG_URL" },
  { name: "url not a URL", config: { apps: { web: { url: "node:9100" } } }, path: "apps.web.url", message: "expected an address such as", code: "ZOO_ERR_CONFIG_URL" },
  // commands
  { name: "unclosed quote in a command", config: { apps: { web: { ...web, command: "sh -c 'echo hi" } } }, path: "apps.web.command", message: `cannot split "sh -c 'echo hi" into words: unclosed single quote` },
  { name: "shell with an array command", config: { apps: { web: { ...web, command: ["a", "b"], shell: true } } }, path: "apps.web.command", message: "expected a string when `shell` is true, found an array" },
  { name: "unclosed quote in an exec probe", config: { apps: { web: { ...web, health: { exec: 'test "x' } } } }, path: "apps.web.health.exec", message: "unclosed double quote" },
];

for (const c of cases) {
  test(`rejects ${c.name}`, () => {
    const problems = problemsOf(c.config, c.env, c.listen);
    const match = problems.find((p) => formatConfigPath(p.path) === c.path && p.message.includes(c.message));
    assert.ok(match, `no problem at ${c.path} with "${c.message}"; got:\n${describeProblems(problems)}`);
    if (c.code) assert.equal(match.code, c.code);
  });
}

test("the table has at least 25 cases", () => {
  assert.ok(cases.length >= 25);
});

test("every problem is reported at once, including cross-checks next to type errors", () => {
  const problems = problemsOf({
    listen: 8000,
    apps: {
      web: { command: "node server.js", port: 8000, restart: "sometimes" },
      api: { command: "api", port: 9000 },
      db: { command: "db", port: 9000 },
    },
    routes: { "/": "nope", "/g": { redirect: "google.com" }, "/x": { app: "web", stripprefix: true } },
    apiPort: 1,
  });
  const lines = describeProblems(problems);
  for (const expected of [
    'apps.web.restart: expected one of "always", "on-failure", "never", found "sometimes"',
    "apps.db.port: port 9000 is already used by app `api`",
    "routes[\"/\"]: route to unknown app `nope`",
    'routes["/g"].redirect: expected an absolute http(s) URL',
    'routes["/x"]: unknown key `stripprefix` — did you mean `stripPrefix`?',
    "(root): unknown key `apiPort`",
  ]) {
    assert.ok(lines.includes(expected), `missing "${expected}" in:\n${lines}`);
  }
});

test("two apps on one port are reported when one of them also misspells a key", () => {
  const problems = problemsOf({
    apps: {
      python: { command: "uvicorn main:app", port: 9100 },
      node: { command: "node main.js", port: 9100, enviroment: { A: "1" } },
    },
  });
  assert.equal(
    describeProblems(problems),
    ["apps.node: unknown key `enviroment` — did you mean `env`?", "apps.node.port: port 9100 is already used by app `python`"].join("\n"),
  );
});

test("the cross-checks read each valid field of an otherwise invalid app or route", () => {
  const problems = problemsOf({
    listen: 9000,
    apps: {
      web: { command: 5, port: 9000, dependsOn: ["wbe"] },
      api: { command: "api", port: "${API_PORT:-9000}", restart: "sometimes" },
    },
    routes: { "/x": { app: "api2", stripPrefix: "yes" }, "/g": { redirect: "google.com", status: 303 } },
  });
  const lines = describeProblems(problems);
  for (const expected of [
    "apps.web.port: port 9000 is zoo's own listen port",
    "apps.api.port: port 9000 is zoo's own listen port",
    "apps.web.dependsOn: dependency on unknown app `wbe` (apps: api)",
    'routes["/x"].app: route to unknown app `api2` — did you mean `api`?',
    'routes["/g"].redirect: expected an absolute http(s) URL',
  ]) {
    assert.ok(lines.includes(expected), `missing "${expected}" in:\n${lines}`);
  }
});

test("an unset variable in a port is reported once, not again as a bad port", () => {
  const problems = problemsOf({ apps: { web: { command: "x", port: "${WEB_PORT}" } } });
  assert.equal(describeProblems(problems), "apps.web.port: variable ${WEB_PORT} is not set and has no default (set it, or write ${WEB_PORT:-default})");
});

test("long values are cut short in the found text", () => {
  const problems = problemsOf({ apps: { web: { command: "x", port: "p".repeat(200) } } });
  const message = problems[0].message;
  assert.match(message, /found "p{20,}\.\.\.$/);
  assert.ok(message.length < 120, message);
});

test("the report lists every problem under a header naming the file", () => {
  assert.throws(
    () => build({ apps: { web: { comand: "x", port: 0 } } }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(
        error.message,
        [
          `invalid config ${FILE} (3 problems):`,
          "  apps.web.port: expected a port from 1 to 65535, found 0",
          "  apps.web: unknown key `comand` — did you mean `command`?",
          "  apps.web: missing required key `command` (an app zoo runs), or `url` (an app zoo fronts but does not run)",
        ].join("\n"),
      );
      return true;
    },
  );
});
