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
