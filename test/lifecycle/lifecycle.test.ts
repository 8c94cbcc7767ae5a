// zoo as a whole process: signals, exit codes, and no process left behind — also as PID 1 in its own namespace.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { descendantsOf, isAlive, listeningPort, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";

const TREE_APP = join(import.meta.dirname, "tree-app.js");
const UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc"];

function treeConfig(app: Record<string, unknown> = {}) {
  return tempConfig({
    apps: { tree: { command: [process.execPath, TREE_APP], stopTimeout: "1s", ...app } },
    routes: { "/": "tree" },
  });
}

/** zoo on a one-app config (the tree fixture), on a free port, stopped after the test whatever happens. */
async function startTreeZoo(t: TestContext, app: Record<string, unknown> = {}, prefix?: string[]) {
  const { file } = treeConfig(app);
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"], { prefix });
  t.after(() => stopZoo(zoo));
  return { zoo, port: await listeningPort(zoo) };
}

async function get(port: number, path = "/"): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

const canUnshare = (() => {
  try {
    execFileSync("unshare", ["--pid", "--fork", "--mount-proc", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

test("SIGTERM stops every process of the app's tree, grandchildren in other sessions included, and exits 0", async (t) => {
  const { zoo, port } = await startTreeZoo(t);
  await zoo.waitFor(/tree: ready/);
  assert.deepEqual(await get(port, "/x"), { status: 200, body: "tree /x\n" });

  const tree = descendantsOf(zoo.child.pid!);
  assert.ok(tree.length >= 3, `expected the app, its child and its setsid grandchild, found ${tree}`);
  zoo.child.kill("SIGTERM");
  const { code } = await zoo.exited;
  assert.equal(code, 0, zoo.output());
  assert.deepEqual(tree.filter(isAlive), [], "processes left after zoo exited");
});

test("an app that ignores SIGTERM is killed after stopTimeout", async (t) => {
  const { zoo } = await startTreeZoo(t, { env: { IGNORE_TERM: "1" } });
  await zoo.waitFor(/tree: ready/);
  const tree = descendantsOf(zoo.child.pid!);
  zoo.child.kill("SIGTERM");
  await zoo.waitFor(/ignoring SIGTERM/);
  const { code } = await zoo.exited;
  assert.equal(code, 0, zoo.output());
  assert.deepEqual(tree.filter(isAlive), []);
});

test("a second SIGTERM kills everything at once", async (t) => {
  const { zoo } = await startTreeZoo(t, { env: { IGNORE_TERM: "1" }, stopTimeout: "60s" });
  await zoo.waitFor(/tree: ready/);
  const tree = descendantsOf(zoo.child.pid!);
  zoo.child.kill("SIGTERM");
  await zoo.waitFor(/ignoring SIGTERM/);
  zoo.child.kill("SIGTERM");
  const { code } = await zoo.exited;
  assert.notEqual(code, 0);
  assert.match(zoo.output(), /killing everything now/);
  assert.deepEqual(tree.filter(isAlive), []);
});

test("SIGUSR1 and SIGUSR2 are forwarded to the apps; SIGHUP reloads the config (here unchanged) and zoo keeps running", async (t) => {
  const { zoo, port } = await startTreeZoo(t);
  await zoo.waitFor(/tree: ready/);
  zoo.child.kill("SIGUSR1");
  await zoo.waitFor(/tree\s*\| got SIGUSR1/);
  zoo.child.kill("SIGUSR2");
  await zoo.waitFor(/tree\s*\| got SIGUSR2/);
  zoo.child.kill("SIGHUP");
  await zoo.waitFor(/reload \(SIGHUP\): nothing changed/);
  assert.equal((await get(port)).status, 200);
  zoo.child.kill("SIGTERM");
  assert.equal((await zoo.exited).code, 0);
});

test("an essential app that fails for good stops zoo with the app's exit code", async (t) => {
  const { zoo } = await startTreeZoo(t, { essential: true, restart: "never", env: { EXIT_CODE: "7" } });
  const { code } = await zoo.exited;
  assert.equal(code, 7, zoo.output());
  assert.match(zoo.output(), /essential/);
});

test("as PID 1 in a new PID namespace: warns about the missing init, handles SIGTERM, exits 0", { skip: !canUnshare && "unshare --pid needs root" }, async (t) => {
  const { zoo, port } = await startTreeZoo(t, { env: { IGNORE_TERM: "1" } }, UNSHARE);
  await zoo.waitFor(/PID 1 without an init/);
  await zoo.waitFor(/tree: ready/);
  assert.equal((await get(port)).status, 200);
  // unshare does not forward signals: signal zoo itself, the namespace's PID 1, by its pid out here.
  const [zooPid] = descendantsOf(zoo.child.pid!);
  const tree = descendantsOf(zooPid);
  assert.ok(tree.length >= 3, `expected the app tree below zoo, found ${tree}`);
  process.kill(zooPid, "SIGTERM");
  // Once PID 1 exits the kernel kills the whole namespace, so look while zoo is still saying goodbye.
  await zoo.waitFor(/stopped, exit code 0/);
  assert.deepEqual(tree.filter(isAlive), [], "processes left when zoo said it had stopped");
  const { code } = await zoo.exited;
  assert.equal(code, 0, zoo.output());
});

test("as PID 1: an essential app's failure becomes zoo's exit code", { skip: !canUnshare && "unshare --pid needs root" }, async (t) => {
  const { zoo } = await startTreeZoo(t, { essential: true, restart: "never", env: { EXIT_CODE: "5" } }, UNSHARE);
  assert.equal((await zoo.exited).code, 5, zoo.output());
});

test("a listen port that is taken: zoo says so, starts no app, and exits 1", async (t) => {
  const blocker = createServer().listen(0, "127.0.0.1");
  await once(blocker, "listening");
  t.after(() => blocker.close());
  const port = (blocker.address() as AddressInfo).port;
  const { file } = treeConfig();
  const zoo = startZoo(["start", "--config", file, "--listen", `127.0.0.1:${port}`]);
  t.after(() => stopZoo(zoo));
  const { code } = await zoo.exited;
  assert.equal(code, 1, zoo.output());
  assert.match(zoo.output(), new RegExp(`cannot listen on 127.0.0.1:${port}: the address is already in use`));
  assert.doesNotMatch(zoo.output(), /tree: starting/);
});
