// `npm pack` gives a tarball that installs into an empty project, where `npx zoo validate` and `npx zoo start` work:
// on the Node 24 that runs the tests, and on the machine's own Node when it is 22.18 or newer (an older one must get
// zoo's "too old" message, exit code 1).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { descendantsOf, ROOT } from "./helpers/zoo-process.ts";
import { get, waitFor200 } from "./e2e/seed-checks.ts";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string };

/** PATH without any node_modules/.bin, with `nodeDir` first: `npx` and the `zoo` bin run on that Node. */
function envFor(nodeDir: string): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? "").split(delimiter).filter((dir) => dir && !dir.includes("node_modules"));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: [nodeDir, ...path].join(delimiter), NO_COLOR: "1" };
  // What `npm test` sets for this package must not leak into npm commands run for another one.
  for (const key of Object.keys(env)) if (/^npm_(package|lifecycle)_|^npm_command$|^INIT_CWD$/.test(key)) delete env[key];
  return env;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 5 * 60_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}${result.error ?? ""}` };
}

/** The machine's own `node` (not node_modules'), if any. */
function systemNode(): { path: string; version: string } | undefined {
  const found = spawnSync("sh", ["-c", "command -v node"], { env: envFor(""), encoding: "utf8" }).stdout.trim();
  if (!found) return undefined;
  return { path: found, version: spawnSync(found, ["--version"], { encoding: "utf8" }).stdout.trim().slice(1) };
}

const atLeast = (version: string, [major, minor]: [number, number]) => {
  const [a, b] = version.split(".").map(Number);
  return a > major || (a === major && b >= minor);
};

/** `npx zoo start` with a tiny config: it serves the app, and SIGTERM to zoo ends it (and npx) with exit code 0. */
async function startAndStop(t: TestContext, project: string, env: NodeJS.ProcessEnv): Promise<void> {
  const npx = spawn("npx", ["zoo", "start"], { cwd: project, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => {
    try {
      process.kill(-npx.pid!, "SIGKILL");
    } catch {}
  });
  let output = "";
  npx.stdout.on("data", (chunk) => (output += chunk));
  npx.stderr.on("data", (chunk) => (output += chunk));
  const exited = once(npx, "exit");

  const port = await new Promise<number>((resolvePort, reject) => {
    const check = () => {
      const match = /listening on http:\/\/\S+:(\d+)/.exec(output);
      if (match) resolvePort(Number(match[1]));
    };
    npx.stdout.on("data", check);
    npx.stderr.on("data", check);
    void exited.then(() => reject(new Error(`npx zoo start exited before listening:\n${output}`)));
  });
  await waitFor200(port, ["/"], 30_000);
  assert.equal((await get(port, "/")).body.toString(), "hello from the app");

  // npx does not forward signals: SIGTERM goes to zoo itself, as a process manager would send it.
  const zoo = descendantsOf(npx.pid!).find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("node_modules/.bin/zoo"));
  assert.ok(zoo, `no zoo process below npx:\n${output}`);
  process.kill(zoo, "SIGTERM");
  const [code, signal] = await exited;
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, output);
}

test(`npm pack: ${pkg.name} installs into an empty project, where npx zoo validate and npx zoo start work`, { timeout: 10 * 60_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), "zoo-pack-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const node24 = envFor(dirname(process.execPath));

  const packed = run("npm", ["pack", "--pack-destination", work, "--no-fund", "--no-audit"], ROOT, node24);
  assert.equal(packed.code, 0, packed.output);
  const tarball = join(work, `${pkg.name}-${pkg.version}.tgz`);
  assert.ok(existsSync(tarball), `npm pack made no ${tarball}:\n${packed.output}`);
  const listing = run("tar", ["-tzf", tarball], work, node24).output.split("\n");
  assert.ok(listing.includes("package/dist/cli.js"), "the tarball holds the compiled dist/cli.js");
  assert.ok(!listing.some((file) => file.includes("zoo-linux-") || file.includes("dist/sea/")), "the tarball holds no single executable");
  // prepack's `npm run build` builds the malloc_trim addon for this machine (scripts/build-native.ts).
  const addon = `package/native/build/malloc-trim-${process.platform}-${process.arch}.node`;
  assert.ok(listing.includes(addon) && listing.includes("package/native/malloc-trim.c"), `the tarball holds ${addon} and its source`);

  const project = join(work, "project");
  mkdirSync(join(project, "app"), { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "empty-project", private: true }));
  writeFileSync(
    join(project, "app/app.js"),
    'require("node:http").createServer((req, res) => res.end("hello from the app")).listen(process.env.PORT, "127.0.0.1");\n',
  );
  writeFileSync(
    join(project, "zoo.config.json"),
    JSON.stringify({ listen: "127.0.0.1:0", apps: { app: { command: ["node", "app.js"], cwd: "app" } }, routes: { "/": "app" } }),
  );
  // The dependencies come from npm's cache when they are there (CI ran `npm ci`); the registry otherwise.
  const installed = run("npm", ["install", tarball, "--prefer-offline", "--no-fund", "--no-audit"], project, node24);
  assert.equal(installed.code, 0, installed.output);

  await t.test(`Node ${process.versions.node}`, async (t) => {
    // The compiled src/malloc-trim.ts finds the addon from dist/.
    const trim = run(process.execPath, ["--input-type=module", "-e", `import { mallocTrimAvailable } from "${pkg.name}/dist/malloc-trim.js"; console.log(mallocTrimAvailable());`], project, node24);
    assert.equal(trim.output.trim(), "true", `the installed package loads its malloc_trim addon: ${trim.output}`);
    const validate = run("npx", ["zoo", "validate"], project, node24);
    assert.equal(validate.code, 0, validate.output);
    assert.match(validate.output, /zoo\.config\.json: valid/);
    await startAndStop(t, project, node24);
  });

  const system = systemNode();
  await t.test(`the machine's Node (${system ? system.version : "none"})`, async (t) => {
    if (!system || resolve(system.path) === resolve(process.execPath)) return t.skip("no other Node on PATH");
    const env = envFor(dirname(system.path));
    const validate = run("npx", ["zoo", "validate"], project, env);
    if (!atLeast(system.version, [22, 18])) {
      // package.json's engines says >=22.18; the bin says why it stops.
      t.diagnostic(`Node ${system.version} is older than 22.18: zoo refuses to run`);
      assert.equal(validate.code, 1, validate.output);
      assert.match(validate.output, /zoo needs Node 22\.18 or newer/);
      return;
    }
    assert.equal(validate.code, 0, validate.output);
    await startAndStop(t, project, env);
  });
});
