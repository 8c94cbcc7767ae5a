// `metrics`: off by default, its own address, and an address that collides with the public listener is an error.
import assert from "node:assert/strict";
import { test } from "node:test";
import { build, describeProblems, problemsOf } from "./helpers.ts";

const good = { apps: { web: { command: "node server.js", port: 9000 } }, routes: { "/": "web" } };

test("metrics are off unless configured; {} serves them on 127.0.0.1:9464", () => {
  assert.equal(build(good).metrics, undefined);
  assert.deepEqual(build({ ...good, metrics: {} }).metrics, { listen: { host: "127.0.0.1", port: 9464 } });
  assert.deepEqual(build({ ...good, metrics: { listen: 9100 } }).metrics, { listen: { host: "0.0.0.0", port: 9100 } });
  assert.deepEqual(build({ ...good, metrics: { listen: "[::1]:9464" } }).metrics, { listen: { host: "::1", port: 9464 } });
  assert.deepEqual(build({ ...good, listen: 0, metrics: { listen: "127.0.0.1:0" } }).metrics, { listen: { host: "127.0.0.1", port: 0 } });
  // Same port on two different addresses does not collide.
  assert.deepEqual(build({ ...good, listen: "127.0.0.1:9464", metrics: { listen: "127.0.0.2:9464" } }).metrics, { listen: { host: "127.0.0.2", port: 9464 } });
});

test("a metrics address that collides with the public listen address is a config error at metrics.listen", () => {
  const cases: Array<{ config: unknown; listen?: string; message: RegExp }> = [
    { config: { ...good, listen: 8000, metrics: { listen: "127.0.0.1:8000" } }, message: /127\.0\.0\.1:8000 collides with zoo's public listen address 0\.0\.0\.0:8000/ },
    { config: { ...good, listen: "127.0.0.1:9464", metrics: {} }, message: /127\.0\.0\.1:9464 collides with zoo's public listen address 127\.0\.0\.1:9464/ },
    { config: { ...good, metrics: { listen: 9464 } }, listen: "localhost:9464", message: /0\.0\.0\.0:9464 collides with zoo's public listen address localhost:9464/ },
  ];
  for (const { config, listen, message } of cases) {
    const problems = problemsOf(config, {}, listen);
    assert.equal(problems.length, 1, describeProblems(problems));
    assert.deepEqual(problems[0].path, ["metrics", "listen"]);
    assert.equal(problems[0].code, "ZOO_ERR_CONFIG_PORT_CONFLICT");
    assert.match(problems[0].message, message);
    assert.match(problems[0].message, /metrics need their own port/);
  }
});

test("bad metrics settings name their path", () => {
  const bad = problemsOf({ ...good, metrics: { listen: "localhost:http" } });
  assert.equal(describeProblems(bad), 'metrics.listen: expected a port from 0 to 65535 or "host:port", found "localhost:http"');
  const unknown = problemsOf({ ...good, metrics: { port: 9464 } });
  assert.match(describeProblems(unknown), /^metrics: unknown key `port`/);
  // A collision is reported even when another part of the config is invalid.
  const both = problemsOf({ ...good, listen: 9464, metrics: {}, upstreamTimeout: "soon" });
  assert.deepEqual(both.map((p) => p.path.join(".")).sort(), ["metrics.listen", "upstreamTimeout"]);
});

test("zoo validate shows where metrics are served", async () => {
  const { summarize } = await import("../../src/config/summary.ts");
  assert.match(summarize(build({ ...good, metrics: {} })), /^metrics http:\/\/127\.0\.0\.1:9464\/metrics$/m);
  assert.doesNotMatch(summarize(build(good)), /metrics/);
});
