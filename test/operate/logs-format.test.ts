// zoo's logs read one way: `zoo logs --json` and `--log-format json` write the same record, text prefixes line up
// across app names, `-n N` is the last N lines of them all, and a multi-line message keeps its prefix on every line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { app, get, runZoo } from "./helpers.ts";

const APPS = { a: app(), "long-name": app() };
const ROUTES = { "/a": "a", "/long": "long-name" };

test("zoo logs --json writes the records --log-format json writes: time, app, stream, msg", async (t) => {
  const z = await runZoo(t, { apps: APPS, routes: ROUTES }, ["--log-format", "json"]);
  await z.zoo.waitFor(/"msg":"a: ready[^\n]*\n/);
  await get(z.port, "/a/say?text=hello-json");
  const live = JSON.parse((await z.zoo.waitFor(/\{[^\n]*"msg":"hello-json"[^\n]*\}/)));
  const logs = await z.cli("logs", "a", "--json", "-n", "50");
  assert.equal(logs.code, 0, logs.stderr);
  const records = logs.stdout.trim().split("\n").map((line) => JSON.parse(line));
  const kept = records.find((record) => record.msg === "hello-json");
  assert.deepEqual({ ...kept, time: undefined }, { ...live, time: undefined }, "the same record in both");
  assert.ok(Math.abs(Date.parse(kept.time) - Date.parse(live.time)) < 1000, "the same moment");
  assert.deepEqual(Object.keys(kept), ["time", "app", "stream", "msg"]);
  assert.ok(!Number.isNaN(Date.parse(kept.time)));
  // zoo's own lines about the app: stream "zoo", with a level, in both.
  const ready = records.find((record) => /^a: ready/.test(record.msg));
  assert.deepEqual({ app: ready.app, stream: ready.stream, level: ready.level }, { app: "a", stream: "zoo", level: "info" });
  const liveReady = JSON.parse(/\{[^\n]*"msg":"a: ready[^\n]*\}/.exec(z.zoo.output())![0]);
  // The live line may carry more fields (state, reason); the ones zoo logs keeps are the same.
  assert.deepEqual({ app: liveReady.app, stream: liveReady.stream, level: liveReady.level, msg: liveReady.msg }, { app: "a", stream: "zoo", level: "info", msg: ready.msg });
});

test("zoo logs: prefixes padded to the longest name; -n 3 is the last 3 lines of all the apps", async (t) => {
  const z = await runZoo(t, { apps: APPS, routes: ROUTES });
  await z.zoo.waitFor(/a: ready[^]*long-name: ready|long-name: ready[^]*a: ready/);
  for (const text of ["one", "two"]) await get(z.port, `/a/say?text=${text}`);
  await get(z.port, "/long/say?text=three");
  await get(z.port, "/a/say?text=four");
  const logs = await z.cli("logs", "-n", "3");
  assert.equal(logs.code, 0, logs.stderr);
  assert.equal(logs.stdout, "a         | two\nlong-name | three\na         | four\n");
  const one = await z.cli("logs", "a", "-n", "1");
  assert.equal(one.stdout, "a   | four\n", "padded to the names of the apps shown (at least zoo's 3)");
});

test("a reload's multi-line error keeps zoo's prefix on every line of zoo's output", async (t) => {
  const z = await runZoo(t, { apps: { a: app() }, routes: { "/": "a" } });
  await z.zoo.waitFor(/a: ready/);
  z.rewrite({ apps: { a: { ...app(), port: "x", health: { tcp: 1 } } }, routes: { "/": "a" } });
  const reload = await z.cli("reload");
  assert.equal(reload.code, 2);
  await z.zoo.waitFor(/the new config is invalid, nothing changed:\n(.*\n){2}/);
  const output = z.zoo.output();
  const block = output.slice(output.lastIndexOf("\n", output.indexOf("the new config is invalid")) + 1).trimEnd().split("\n");
  assert.ok(block.length >= 3, output);
  for (const line of block) assert.match(line, /^zoo +\| /, `every line is labelled: ${JSON.stringify(line)}`);
});
