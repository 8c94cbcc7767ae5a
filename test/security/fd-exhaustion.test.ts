// zoo out of file descriptors: a client holding more connections than zoo's limit (prlimit --nofile=300) makes
// every timer-driven piece (descendant scan, probes) fail with EMFILE for a while. Each treats that as a skipped
// round: zoo neither exits nor restarts a healthy app, and it serves again once the connections are gone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { SPAWN_RETRY_MS } from "../../src/supervisor/instance.ts";
import { SpawnError } from "../../src/supervisor/spawn.ts";
import { listeningPort, ROOT, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";
import { virtualSupervisor } from "../supervisor/fakes.ts";
import { app, statesOf, tcp } from "../supervisor/helpers.ts";

const LIMIT = 300;
const SERVER = join(ROOT, "fixtures/supervisor/server.js");

function openDescriptors(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function answers(port: number): Promise<boolean> {
  try {
    const reply = await fetch(`http://127.0.0.1:${port}/again`, { signal: AbortSignal.timeout(2000) });
    return reply.status === 200;
  } catch {
    return false;
  }
}

test("out of file descriptors, zoo skips rounds instead of exiting, keeps its app, and serves again", async (t) => {
  // Probes every 200 ms, 3 failures to restart: an EMFILE counted as a failure would restart the app within a second.
  const { file } = tempConfig({ apps: { web: { command: ["node", SERVER], health: { interval: "200ms", failures: 3 } } }, routes: { "/": "web" } });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"], { prefix: ["prlimit", `--nofile=${LIMIT}:${LIMIT}`] });
  t.after(() => stopZoo(zoo));
  const port = await listeningPort(zoo);
  const pid = Number(/web: starting \(pid (\d+)\)/.exec(await zoo.waitFor(/web: starting \(pid \d+\)/))![1]);
  await zoo.waitFor(/web: ready/);

  const sockets: net.Socket[] = [];
  t.after(() => sockets.forEach((socket) => socket.destroy()));
  for (let i = 0; i < LIMIT + 100; i++) {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => {});
    sockets.push(socket);
  }
  await until(() => openDescriptors(zoo.child.pid!) >= LIMIT - 5, "zoo to run out of descriptors");
  await zoo.waitFor(/web: tcp \d+: not probed, zoo is out of file descriptors \(EMFILE\); the probe is skipped/);
  // Long enough for three probe rounds and a walk of /proc to fail: each one would have ended the app or zoo.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(zoo.child.exitCode, null, zoo.output());

  for (const socket of sockets) socket.destroy();
  await until(() => answers(port), "zoo to answer again");
  assert.equal(zoo.child.exitCode, null);
  assert.doesNotMatch(zoo.output(), /internal error|web: stopping|web: unhealthy/, zoo.output());
  assert.equal(zoo.output().match(/web: starting/g)?.length, 1, "the app was never restarted");
  assert.match(zoo.output(), new RegExp(`web: starting \\(pid ${pid}\\)`));
  await stopZoo(zoo);
  assert.match(zoo.output(), /stopped, exit code 0/);
});

test("a walk of /proc out of descriptors is a skipped round, not a table missing every process", async () => {
  // A process with a small limit opens files until EMFILE, then walks /proc as the descendant scan does.
  const script = `
    import { openSync } from "node:fs";
    import { readProcessTable, ProcessTree } from ${JSON.stringify(join(ROOT, "src/supervisor/proctree.ts"))};
    const tree = new ProcessTree(process.pid);
    for (;;) { try { openSync("/dev/null", "r"); } catch (error) { if (error.code === "EMFILE") break; throw error; } }
    let table;
    try { table = readProcessTable() === undefined ? "skipped" : "read"; } catch (error) { table = "threw " + error.code; }
    let refresh;
    try { refresh = String(tree.refresh()); } catch (error) { refresh = "threw " + error.code; }
    console.log(JSON.stringify({ table, refresh, known: tree.known().includes(process.pid), alive: tree.isAlive() }));
  `;
  const out = execFileSync("prlimit", ["--nofile=64:64", process.execPath, "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), { table: "skipped", refresh: "false", known: true, alive: true });
});

test("a spawn that fails for want of descriptors (EMFILE) is tried again, not counted as the app's failure", async (t) => {
  const web = await app("web", { health: tcp() });
  const { supervisor, clock, spawner, prober, events, log } = virtualSupervisor(t, [web]);
  let failures = 3;
  const spawn = spawner.spawn.bind(spawner);
  spawner.spawn = async () => {
    if (failures-- > 0) throw new SpawnError("cannot start node: EMFILE", "EMFILE");
    return spawn();
  };
  prober.healthy = true;
  const started = supervisor.start();
  await clock.advance(3 * SPAWN_RETRY_MS);
  await started;
  assert.deepEqual(statesOf(events, "web"), ["starting", "ready"]);
  assert.equal(spawner.spawned.length, 1);
  assert.deepEqual(
    log.records.zoo.filter((line) => line.level === "warn").map((line) => line.message),
    ["web: cannot start node: EMFILE; trying again every 500ms"],
  );
});
