// zoo reload for real: only the difference applied, under load; a broken file changes nothing.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CLI, freePort, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";
import { app, get, isGone, pidOf, runZoo } from "./helpers.ts";
import { startLoad } from "./load.ts";

test("a reload that changes node's env replaces it under load with no failed request; the unchanged app keeps its pid", async (t) => {
  const config = (mode: string) => ({
    apps: { node: app({ MODE: mode }), other: app({ MODE: "other" }) },
    routes: { "/": "node", "/other": "other" },
  });
  const z = await runZoo(t, config("a"));
  await z.zoo.waitFor(/node: ready/);
  await z.zoo.waitFor(/other: ready/);
  const nodePid = await pidOf(z.port);
  const otherPid = await pidOf(z.port, "/other");
  const load = startLoad(z.port);
  await load.reached(300);
  z.rewrite(config("b"));
  const dry = await z.cli("reload", "--dry-run");
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would do:\n {2}node: replaced \(env changed\)\n$/);
  assert.equal(await pidOf(z.port), nodePid, "a dry run changes nothing");
  const reloaded = await z.cli("reload");
  assert.equal(reloaded.code, 0, reloaded.stdout + reloaded.stderr);
  assert.match(reloaded.stdout, /reloaded:\n {2}node: replaced \(env changed\)/);
  const result = await load.stop();
  assert.equal(result.failed, 0, `failed requests: ${result.failures.join("; ")} of ${result.sent}`);
  assert.deepEqual([...result.bodies].sort(), ["a", "b"], "answers came from the old app, then from the new one");
  assert.equal((await get(z.port)).body.split(" ")[0], "b");
  assert.equal(await pidOf(z.port, "/other"), otherPid, "the unchanged app was not touched");
  for (let i = 0; i < 100 && !isGone(nodePid); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(isGone(nodePid), "the old node is gone");
});

test("a broken config: zoo reload exits 2 printing every error, and the old config keeps serving", async (t) => {
  const z = await runZoo(t, { apps: { node: app() }, routes: { "/": "node" } });
  await z.zoo.waitFor(/node: ready/);
  const pid = await pidOf(z.port);
  z.rewrite({ apps: { node: { ...app(), colour: "red" }, second: { command: "x", port: 70000 } }, routes: { "/": "node" } });
  const reloaded = await z.cli("reload");
  assert.equal(reloaded.code, 2);
  assert.match(reloaded.stderr, /apps\.node: unknown key `colour`/);
  assert.match(reloaded.stderr, /apps\.second\.port/);
  await z.zoo.waitFor(/reload \(zoo reload\): the new config is invalid, nothing changed:[^]*unknown key `colour`/); // logged too
  assert.equal(await pidOf(z.port), pid);
});

test("routes are swapped at once; added apps start, removed apps stop; listen changes are refused", async (t) => {
  const z = await runZoo(t, { apps: { node: app({ MODE: "node" }), old: app({ MODE: "old" }) }, routes: { "/": "node", "/old": "old" } });
  await z.zoo.waitFor(/old: ready/);
  const oldPid = await pidOf(z.port, "/old");
  z.rewrite({ apps: { node: app({ MODE: "node" }), fresh: app({ MODE: "fresh" }) }, routes: { "/": "node", "/fresh": "fresh" } });
  const reloaded = await z.cli("reload");
  assert.equal(reloaded.code, 0, reloaded.stderr);
  assert.match(reloaded.stdout, /fresh: added/);
  assert.match(reloaded.stdout, /old: removed/);
  assert.equal((await get(z.port, "/fresh")).body.split(" ")[0], "fresh");
  assert.equal((await get(z.port, "/old")).body.split(" ")[0], "node", "/old now falls through to /");
  for (let i = 0; i < 100 && !isGone(oldPid); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(isGone(oldPid));

  z.rewrite({ listen: "127.0.0.1:1", apps: { node: app({ MODE: "node" }) }, routes: { "/": "node" } });
  const refused = await z.cli("reload");
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /listen changed .* restart zoo/);
});

test("a new instance that never becomes ready is stopped; the old one keeps serving and the reload reports why", async (t) => {
  const health = { startTimeout: "1s" };
  const z = await runZoo(t, { apps: { node: app({ MODE: "a" }, { health }) }, routes: { "/": "node" } });
  await z.zoo.waitFor(/node: ready/);
  const pid = await pidOf(z.port);
  z.rewrite({ apps: { node: app({ MODE: "b", NEVER_LISTEN: "1" }, { health }) }, routes: { "/": "node" } });
  const reloaded = await z.cli("reload");
  assert.equal(reloaded.code, 1, reloaded.stdout + reloaded.stderr);
  assert.match(reloaded.stderr, /node: .*not ready after 1s.*connection refused/);
  assert.equal(await pidOf(z.port), pid);
  assert.equal((await get(z.port)).body.split(" ")[0], "a");
});

test("zoo start --watch reloads when the config file changes", async (t) => {
  const z = await runZoo(t, { apps: { node: app({ MODE: "a" }) }, routes: { "/": "node" } }, ["--watch"]);
  await z.zoo.waitFor(/node: ready/);
  z.rewrite({ apps: { node: app({ MODE: "b" }) }, routes: { "/": "node" } });
  await z.zoo.waitFor(/reloaded: .*node: replaced/, 20_000);
  assert.equal((await get(z.port)).body.split(" ")[0], "b");
});

test("SIGHUP reloads", async (t) => {
  const z = await runZoo(t, { apps: { node: app({ MODE: "a" }) }, routes: { "/": "node" } });
  await z.zoo.waitFor(/node: ready/);
  z.rewrite({ apps: { node: app({ MODE: "b" }) }, routes: { "/": "node" } });
  z.zoo.child.kill("SIGHUP");
  await z.zoo.waitFor(/reloaded: .*node: replaced/, 20_000);
  assert.equal((await get(z.port)).body.split(" ")[0], "b");
});

test("zoo reload finds the zoo running the file after the file moved listen or control, or broke: refused or invalid, logged", async (t) => {
  const listen = `127.0.0.1:${await freePort()}`;
  const config = { listen, apps: { node: app() }, routes: { "/": "node" } };
  const { dir, file } = tempConfig(config);
  const zoo = startZoo(["start", "-c", file], { cwd: dir });
  t.after(() => stopZoo(zoo));
  await zoo.waitFor(/node: ready/);
  // As a user runs it: no --listen, the edited file is all the command has to go on.
  const reload = () => runCli(["reload", "-c", file], dir);

  writeFileSync(file, JSON.stringify({ ...config, listen: `127.0.0.1:${await freePort()}` }));
  const moved = await reload();
  assert.equal(moved.code, 2, moved.stdout + moved.stderr);
  assert.match(moved.stderr, /listen changed .* restart zoo/);

  writeFileSync(file, JSON.stringify({ ...config, control: join(dir, "elsewhere.sock") }));
  const control = await reload();
  assert.equal(control.code, 2, control.stdout + control.stderr);
  assert.match(control.stderr, /control changed .* restart zoo/);

  writeFileSync(file, '{ "listen": "127.0.0.1:1", "apps": { ');
  const broken = await reload();
  assert.equal(broken.code, 2, broken.stdout + broken.stderr);
  assert.match(broken.stderr, /ZOO_ERR_CONFIG_SYNTAX|syntax|Unexpected|JSON/i);
  await zoo.waitFor(/reload \(zoo reload\): the new config is invalid, nothing changed/);

  writeFileSync(file, JSON.stringify(config));
  const back = await reload();
  assert.equal(back.code, 0, back.stdout + back.stderr);
  assert.match(back.stdout, /nothing changed/);
});

function runCli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}
