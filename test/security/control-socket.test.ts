// The control socket against other local users: it is never connectable by them, not even while it is being
// created (umask 000); its default directory is the user's own, 0700; zoo refuses a directory someone else owns or
// may write in; and the CLI never talks to a socket that belongs to another user (an impostor).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { CLI, freePort, listeningPort, ROOT, startZoo, stopZoo, tempConfig, type ZooProcess } from "../helpers/zoo-process.ts";

const NOBODY = 65534;
const uid = process.getuid!();
/** "Another user" is played by chowning to nobody, which only root may do. */
const asRoot = { skip: uid !== 0 && "chowning to another user needs root" };
const SERVER = join(ROOT, "fixtures/supervisor/server.js");
const PRELOAD = pathToFileURL(join(import.meta.dirname, "socket-birth-preload.js")).href;

/** A temp directory that stands in for the machine's tmpdir (TMPDIR), so this test's control directories are its own. */
function privateTmp(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "zoo-sec-tmp-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** zoo with TMPDIR pointed at `tmp` and no XDG_RUNTIME_DIR, under umask 000, reporting each socket's mode at birth. */
function zooIn(t: TestContext, tmp: string, config: unknown, port?: number): ZooProcess {
  const { file } = tempConfig(config);
  const listen = `127.0.0.1:${port ?? 0}`;
  const zoo = startZoo(["start", "--config", file, "--listen", listen], {
    prefix: ["sh", "-c", 'umask 000; exec "$0" "$@"'],
    env: { TMPDIR: tmp, XDG_RUNTIME_DIR: undefined, NODE_OPTIONS: `--import ${PRELOAD}` },
  });
  t.after(() => stopZoo(zoo));
  return zoo;
}

function cli(args: string[], tmp: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp, XDG_RUNTIME_DIR: undefined, NO_COLOR: "1" }, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

const APP = { apps: { web: { command: ["node", SERVER] } }, routes: { "/": "web" } };

test("under umask 000 the control socket is born 0600 in a 0700 directory of zoo's user", async (t) => {
  const tmp = privateTmp(t);
  const zoo = zooIn(t, tmp, APP);
  const port = await listeningPort(zoo);
  await zoo.waitFor(/web: ready/);
  const socket = join(tmp, `zoo-${uid}`, `zoo-${port}.sock`);
  const birth = new RegExp(`socket-birth (\\S+\\.sock) (\\d+)`).exec(zoo.output());
  assert.ok(birth, zoo.output());
  assert.equal(birth[1], socket, "the default socket is in <tmpdir>/zoo-<uid>/");
  assert.equal(birth[2], "600", "no moment in which the socket is connectable by others");
  const dir = statSync(dirname(socket));
  assert.equal(dir.mode & 0o777, 0o700);
  assert.equal(dir.uid, uid);
  assert.equal(statSync(socket).mode & 0o777, 0o600);
  const status = await cli(["status", "--config", tempConfig(APP).file, "--listen", `127.0.0.1:${port}`], tmp);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /web\s+ready/);
});

test("a configured socket in a shared directory is born 0600 too", async (t) => {
  const tmp = privateTmp(t);
  const shared = join(tmp, "shared");
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const zoo = zooIn(t, tmp, { ...APP, control: join(shared, "zoo.sock") });
  await zoo.waitFor(/web: ready/);
  assert.match(zoo.output(), new RegExp(`socket-birth ${join(shared, "zoo.sock")} 600`));
});

for (const [what, prepare, reason] of [
  ["belongs to another user", (dir: string) => chownSync(dir, NOBODY, NOBODY), `belongs to uid ${NOBODY}, not to zoo's user`],
  ["is writable by every user", (dir: string) => chmodSync(dir, 0o777), "is writable by every user \\(mode 777\\)"],
  ["is writable by its group", (dir: string) => chmodSync(dir, 0o770), "is writable by its group \\(mode 770\\)"],
] as const) {
  test(`zoo refuses a control directory that ${what}, and keeps serving`, what.startsWith("belongs") ? asRoot : {}, async (t) => {
    const tmp = privateTmp(t);
    const dir = join(tmp, `zoo-${uid}`);
    mkdirSync(dir);
    prepare(dir);
    const zoo = zooIn(t, tmp, APP);
    const port = await listeningPort(zoo);
    await zoo.waitFor(new RegExp(`refusing the control directory ${dir}: it ${reason}`));
    await zoo.waitFor(/web: ready/);
    assert.doesNotMatch(zoo.output(), /socket-birth/, "nothing was bound there");
    const reply = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(reply.status, 200);
  });
}

/** A server that answers like a healthy zoo, bound by "another user" (the socket is chowned to nobody). */
async function impostor(t: TestContext, path: string): Promise<void> {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(req.url === "/health" ? JSON.stringify({ healthy: true, reasons: [] }) : JSON.stringify({ listening: true, listen: { host: "x", port: 1 }, apps: [] }));
  });
  server.listen(path);
  await once(server, "listening");
  chownSync(path, NOBODY, NOBODY);
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

test("the CLI refuses to talk to a control socket owned by another user", asRoot, async (t) => {
  const tmp = privateTmp(t);
  const socket = join(tmp, "impostor.sock");
  await impostor(t, socket);
  const { file } = tempConfig({ ...APP, control: socket });
  for (const command of ["health", "status", "stop web"]) {
    const run = await cli([...command.split(" "), "--config", file], tmp);
    assert.equal(run.code, 1, `${command}: ${run.stdout}`);
    assert.match(run.stderr, new RegExp(`refusing to talk to the control socket ${socket}: it belongs to uid ${NOBODY}, not to you \\(uid ${uid}\\) or root`), command);
    assert.doesNotMatch(run.stdout, /healthy/);
  }
});

test("another user's socket at the old default <tmpdir>/zoo-PORT.sock neither blocks zoo nor fools zoo health", asRoot, async (t) => {
  const tmp = privateTmp(t);
  const port = await freePort();
  await impostor(t, join(tmp, `zoo-${port}.sock`));
  const down = { apps: { web: { command: ["node", "-e", "process.exit(3)"], restart: "never" } }, routes: { "/": "web" } };
  const zoo = zooIn(t, tmp, down, port);
  await zoo.waitFor(/web: .*(failed|stopped|exited)/);
  assert.doesNotMatch(zoo.output(), /control socket .*: /, "zoo has its own control socket");
  const health = await cli(["health", "--config", tempConfig(down).file, "--listen", `127.0.0.1:${port}`], tmp);
  assert.equal(health.code, 1, health.stdout);
  assert.match(health.stdout, /unhealthy: web is/);
});
