// The seed story end to end: the root zoo.config.json, the real Python, Node and Go apps, checked byte for byte
// through zoo's one port, then a SIGTERM that must leave no process behind.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { descendantsOf, freePort, isAlive, listeningPort, ROOT, startZoo, stopZoo, type ZooProcess } from "../helpers/zoo-process.ts";
import { checkSeedRoutes, get, waitFor200 } from "./seed-checks.ts";

const CONFIG = join(ROOT, "zoo.config.json");

/** Each app's own check (`run.sh --check`): undefined when it can run here, else its one-line reason. */
function missing(app: "python" | "go"): string | undefined {
  const check = spawnSync(join(ROOT, "fixtures", app, "run.sh"), ["--check"], { encoding: "utf8" });
  if (check.status === 0) return undefined;
  return check.stderr.trim() || `${app}/run.sh --check failed (${check.error?.message ?? `exit ${check.status}`})`;
}

/** Skips with the reason, except in CI, where every toolchain must be there and a skip would hide a gap. */
function requireApps(t: TestContext, ...apps: ("python" | "go")[]): boolean {
  const reasons = apps.map(missing).filter((reason) => reason !== undefined);
  if (reasons.length === 0) return true;
  if (process.env.CI) assert.fail(`CI must run the seed apps: ${reasons.join("; ")}`);
  t.skip(reasons.join("; "));
  return false;
}

async function startSeed(t: TestContext, env: NodeJS.ProcessEnv = {}): Promise<{ zoo: ZooProcess; port: number }> {
  const [PYTHON_PORT, NODE_PORT, GO_PORT] = await Promise.all([freePort(), freePort(), freePort()]);
  const ports = { PYTHON_PORT: String(PYTHON_PORT), NODE_PORT: String(NODE_PORT), GO_PORT: String(GO_PORT) };
  const zoo = startZoo(["start", "--config", CONFIG, "--listen", "127.0.0.1:0"], { env: { ...ports, ...env } });
  // Only after a failure is anything still running.
  t.after(() => stopZoo(zoo));
  return { zoo, port: await listeningPort(zoo) };
}

/** SIGTERM, then exit code 0 and none of zoo's processes left. */
async function stopAndCheck(zoo: ZooProcess, runningApps: number): Promise<void> {
  const tree = descendantsOf(zoo.child.pid!);
  assert.ok(tree.length >= runningApps, `expected ${runningApps} apps below zoo, found pids ${tree.join(", ")}\n${zoo.output()}`);
  zoo.child.kill("SIGTERM");
  const { code, signal } = await zoo.exited;
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, zoo.output());
  assert.deepEqual(tree.filter(isAlive), [], `processes left after zoo exited\n${zoo.output()}`);
}

test("the seed config serves Python, Node, Go, static files and the Google redirect; SIGTERM leaves nothing behind", { timeout: 180_000 }, async (t) => {
  if (!requireApps(t, "python", "go")) return;
  const { zoo, port } = await startSeed(t);
  // A cold `go build` on a current Go compiles the standard library first: allow for it.
  await waitFor200(port, ["/", "/node", "/go"], 150_000);
  await checkSeedRoutes(port);
  await stopAndCheck(zoo, 3);
});

test("without FastAPI, zoo still serves the other apps, answers the Python routes 503 and says what to install", { timeout: 120_000 }, async (t) => {
  if (!requireApps(t, "go")) return;
  // An interpreter that does not exist stands for one without FastAPI and uvicorn: run.sh's check fails the same way.
  const { zoo, port } = await startSeed(t, { PYTHON: "/nonexistent/python3" });
  await zoo.waitFor(/python .*FastAPI and uvicorn are not installed.*install them: apt-get install python3-fastapi python3-uvicorn/);
  await waitFor200(port, ["/node", "/go"], 100_000);
  assert.deepEqual((await get(port, "/node/x")).body, Buffer.from("I'm Node!\r\n[/node/x]\r\n"));

  const python = await get(port, "/a/b/c");
  assert.equal(python.status, 503, python.body.toString());
  await stopAndCheck(zoo, 2);
});

// fixtures/go/run.sh where Go is not installed: a copy of it in a directory of its own, run with a PATH that has
// only what a slim image has (sh, dirname, find), not go.
function goRunShWithoutGo(t: TestContext, prebuilt: string | undefined) {
  const dir = mkdtempSync(join(tmpdir(), "zoo-seed-go-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, "bin");
  const app = join(dir, "app");
  mkdirSync(bin);
  mkdirSync(app);
  for (const tool of ["sh", "dirname", "find"]) {
    const found = spawnSync("/bin/sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    symlinkSync(found, join(bin, tool));
  }
  for (const file of ["run.sh", "main.go", "go.mod"]) copyFileSync(join(ROOT, "fixtures/go", file), join(app, file));
  if (prebuilt !== undefined) {
    writeFileSync(join(app, "go-app"), prebuilt);
    chmodSync(join(app, "go-app"), 0o755);
  }
  return spawnSync(join(bin, "sh"), [join(app, "run.sh")], { encoding: "utf8", env: { PATH: bin, PORT: "1" } });
}

test("go/run.sh without Go and without a prebuilt binary says in one line what to install, and exits 127", (t) => {
  const run = goRunShWithoutGo(t, undefined);
  assert.equal(run.status, 127, run.stderr);
  assert.match(run.stderr, /^go app: Go is not installed and there is no prebuilt \.\/go-app; install Go: apt-get install golang-go.*\n$/);
});

test("go/run.sh without Go runs the prebuilt binary, as in the Docker image", (t) => {
  const run = goRunShWithoutGo(t, "#!/bin/sh\necho prebuilt on port $PORT\n");
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, "prebuilt on port 1\n");
});
