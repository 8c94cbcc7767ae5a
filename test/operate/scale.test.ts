// zoo scale as a user meets it: a refused scale changes nothing; scale to zero and back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort } from "../helpers/zoo-process.ts";
import { app, get, pidOf, runZoo } from "./helpers.ts";

test("zoo scale b 2 on a fixed-port app is refused (exit 2): nothing logged as scaled, the next reload plans nothing", async (t) => {
  const port = await freePort();
  const config = { apps: { b: app({}, { port }) }, routes: { "/": "b" } };
  const z = await runZoo(t, config);
  await z.zoo.waitFor(/b: ready/);
  const pid = await pidOf(z.port);
  const scaled = await z.cli("scale", "b", "2");
  assert.equal(scaled.code, 2, scaled.stdout + scaled.stderr);
  assert.match(scaled.stderr, /zoo scale: cannot run 2 replicas of b on its fixed port \d+: each replica needs a port of its own/);
  const dry = await z.cli("reload", "--dry-run");
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would do:\n {2}nothing changed\n$/);
  assert.doesNotMatch(z.zoo.output(), /scaled to/);
  assert.equal(await pidOf(z.port), pid, "the app was not touched");
});

test("a reload that takes an app from 2 replicas to 1 says \"scaled to 1 replica\"", async (t) => {
  const z = await runZoo(t, { apps: { b: app({}, { replicas: 2 }) }, routes: { "/": "b" } });
  await z.zoo.waitFor(/b\.0: ready[^]*b\.1: ready|b\.1: ready[^]*b\.0: ready/);
  z.rewrite({ apps: { b: app() }, routes: { "/": "b" } });
  const dry = await z.cli("reload", "--dry-run");
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /b: scaled to 1 replica\n/);
  assert.equal((await get(z.port)).status, 200);
});

test("zoo scale node 0 stops every replica (routes answer 503 \"scaled to zero\"); zoo scale node 1 brings it back", async (t) => {
  const z = await runZoo(t, { apps: { node: app({}, { replicas: 2 }) }, routes: { "/": "node" } });
  await z.zoo.waitFor(/node\.0: ready[^]*node\.1: ready|node\.1: ready[^]*node\.0: ready/);
  const zero = await z.cli("scale", "node", "0");
  assert.equal(zero.code, 0, zero.stdout + zero.stderr);
  assert.match(zero.stdout, /node: 2 → 0 replicas/);
  const answer = await get(z.port);
  assert.equal(answer.status, 503);
  assert.match(answer.body, /scaled to zero \(zoo scale node N runs it again\)/);
  const status = await z.cli("status");
  assert.match(status.stdout, /^node\s+stopped \(scaled to zero/m);
  assert.doesNotMatch(status.stdout, /^node\.\d/m);
  const one = await z.cli("scale", "node", "1");
  assert.equal(one.code, 0, one.stdout + one.stderr);
  assert.match(one.stdout, /node: 0 → 1 replica; started/);
  assert.equal((await get(z.port)).status, 200);
});

test("a lazy app scaled to zero is not woken by a request (503); scaled back, it sleeps and the next request wakes it", async (t) => {
  const z = await runZoo(t, { apps: { node: app({}, { lazy: true }) }, routes: { "/": "node" } });
  await z.zoo.waitFor(/node: .*sleeping/);
  assert.equal((await z.cli("scale", "node", "0")).code, 0);
  const asleep = await get(z.port);
  assert.equal(asleep.status, 503);
  assert.match(asleep.body, /scaled to zero/);
  assert.doesNotMatch(z.zoo.output(), /woken/);
  const one = await z.cli("scale", "node", "1");
  assert.equal(one.code, 0, one.stdout + one.stderr);
  assert.match(one.stdout, /sleeping until its first request/);
  assert.equal((await get(z.port)).status, 200);
  assert.match(z.zoo.output(), /node: woken by GET \//);
});
