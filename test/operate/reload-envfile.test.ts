// Env files are reloadable: a reload that changes an app's envFile path, adds an app with one, or removes one
// applies it (the app restarts with the new env), as the README says.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { app, get, runZoo } from "./helpers.ts";

test("a reload that changes, adds or removes an envFile path restarts the app with the new env", async (t) => {
  const envDir = mkdtempSync(join(tmpdir(), "zoo-envfiles-"));
  t.after(() => rmSync(envDir, { recursive: true, force: true }));
  const A = join(envDir, "a.env");
  const B = join(envDir, "b.env");
  writeFileSync(A, "MODE=from-a\n");
  writeFileSync(B, "MODE=from-b\n");
  const z = await runZoo(t, { apps: { node: app({}, { envFile: A }) }, routes: { "/": "node" } });
  await z.zoo.waitFor(/node: ready/);
  assert.match((await get(z.port)).body, /^from-a /);

  const reload = async (config: unknown, expected: RegExp) => {
    z.rewrite(config);
    const done = await z.cli("reload");
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.match(done.stdout, expected);
  };
  await reload({ apps: { node: app({}, { envFile: B }) }, routes: { "/": "node" } }, /node: replaced \(env changed\)/);
  assert.match((await get(z.port)).body, /^from-b /);

  await reload({ apps: { node: app({}, { envFile: B }), extra: app({}, { envFile: A }) }, routes: { "/": "node", "/extra": "extra" } }, /extra: added, started/);
  assert.match((await get(z.port, "/extra")).body, /^from-a /);

  await reload({ apps: { node: app(), extra: app({}, { envFile: A }) }, routes: { "/": "node", "/extra": "extra" } }, /node: replaced \(env changed\)/);
  assert.match((await get(z.port)).body, /^a /, "without its env file, the app's own default");
});
