// Replicas for real: N processes behind one route, balanced, killed, scaled and rolled under load, counting failures.
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { app, get, isGone, runZoo, type Running } from "./helpers.ts";
import { startLoad } from "./load.ts";

const ROUTES = { "/": "node" };

/** Waits until `zoo status` shows exactly these replica rows, all ready; returns their pids by name. */
async function readyRows(z: Running, names: string[], timeoutMs = 20_000): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = (await z.cli("status")).stdout;
    const rows = [...last.matchAll(/^(node(?:\.\d+)?)\s+(\S+)\s+(\d+|-)/gm)];
    if (rows.length === names.length && rows.every(([, name, state], i) => name === names[i] && state === "ready")) {
      return new Map(rows.map(([, name, , pid]) => [name, Number(pid)]));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`zoo status never showed ${names.join(", ")} ready:\n${last}`);
}

test("replicas: a fixed port with replicas above 1, a replica named like another app, 0 replicas: config errors that say why", async () => {
  const { tempConfig, CLI } = await import("../helpers/zoo-process.ts");
  const { execFile } = await import("node:child_process");
  const validate = (config: unknown) => {
    const { file, dir } = tempConfig(config);
    return new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [CLI, "validate", "-c", file], { cwd: dir }, (error, _out, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr })),
    );
  };
  const fixed = await validate({ apps: { node: { ...app(), port: 9123, replicas: 2 } } });
  assert.equal(fixed.code, 2);
  assert.match(fixed.stderr, /apps\.node\.replicas/);
  assert.match(fixed.stderr, /each replica needs a port of its own/);
  const clash = await validate({ apps: { node: { ...app(), replicas: 2 }, "node.1": app() } });
  assert.equal(clash.code, 2);
  assert.match(clash.stderr, /`node\.1` is another app's name/);
  const zero = await validate({ apps: { node: { ...app(), replicas: 0 } } });
  assert.equal(zero.code, 2);
});

test("replicas: 1,000 requests over 3 replicas are spread within ±10% of even; each has ZOO_REPLICA and a row", async (t) => {
  const z = await runZoo(t, { apps: { node: app({}, { replicas: 3 }) }, routes: ROUTES });
  const pids = await readyRows(z, ["node.0", "node.1", "node.2"]);
  const replicas = new Set<string>();
  for (let i = 0; i < 6; i++) replicas.add(/replica (\d+)/.exec((await get(z.port, "/replica")).body)?.[1] ?? "?");
  assert.deepEqual([...replicas].sort(), ["0", "1", "2"]);

  // One request at a time: each finds every replica with none in flight, so the spread is the round robin among
  // equals (with requests in parallel, a replica the machine runs slower gets fewer: test/supervisor/replicas-pick.test.ts).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const counts = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < 1000) {
      next++;
      const body = await new Promise<string>((resolve, reject) => {
        http.get({ host: "127.0.0.1", port: z.port, path: "/", agent }, (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (chunk) => (text += chunk)).on("end", () => resolve(`${res.statusCode} ${text}`));
        }).on("error", reject);
      });
      assert.match(body, /^200 /);
      const pid = Number(/pid (\d+)/.exec(body)?.[1]);
      counts.set(pid, (counts.get(pid) ?? 0) + 1);
    }
  };
  await worker();
  assert.deepEqual([...counts.keys()].sort(), [...pids.values()].sort());
  t.diagnostic(`requests per replica: ${[...counts.values()].join(", ")}`);
  for (const [pid, count] of counts) assert.ok(Math.abs(count - 1000 / 3) <= 1000 / 3 / 10, `pid ${pid} got ${count} of 1000: ${JSON.stringify([...counts])}`);
});

test("replicas: kill -9 of one replica under load gives zero failed GETs, and it comes back", async (t) => {
  const z = await runZoo(t, { apps: { node: app({}, { replicas: 3 }) }, routes: ROUTES });
  const pids = await readyRows(z, ["node.0", "node.1", "node.2"]);
  const load = startLoad(z.port);
  await load.reached(300);
  process.kill(pids.get("node.1")!, "SIGKILL");
  await z.zoo.waitFor(/node\.1: [^\n]*SIGKILL/);
  await load.reached(600);
  const result = await load.stop();
  assert.equal(result.failed, 0, `failed requests: ${result.failures.join("; ")} of ${result.sent}`);
  const after = await readyRows(z, ["node.0", "node.1", "node.2"]);
  assert.notEqual(after.get("node.1"), pids.get("node.1"), "node.1 was restarted");
});

test("replicas: zoo scale up and down under load gives zero failed requests", async (t) => {
  const z = await runZoo(t, { apps: { node: app() }, routes: ROUTES });
  const [first] = (await readyRows(z, ["node"])).values();
  const load = startLoad(z.port);
  await load.reached(200);
  const up = await z.cli("scale", "node", "3");
  assert.equal(up.code, 0, up.stdout + up.stderr);
  assert.match(up.stdout, /node: 1 → 3 replicas/);
  await readyRows(z, ["node.0", "node.1", "node.2"]);
  for (let i = 0; i < 100 && !isGone(first); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(isGone(first), "the replica named node was handed over to node.0");
  await load.reached(600);
  const down = await z.cli("scale", "node", "1");
  assert.equal(down.code, 0, down.stdout + down.stderr);
  const [only] = (await readyRows(z, ["node"])).values();
  const result = await load.stop();
  assert.equal(result.failed, 0, `failed requests: ${result.failures.join("; ")} of ${result.sent}`);
  assert.match((await get(z.port)).body, new RegExp(`pid ${only}`));
  const bad = await z.cli("scale", "node", "many");
  assert.equal(bad.code, 2);
  const unknown = await z.cli("scale", "nod", "2");
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /did you mean "node"/);
});

test("replicas: zoo restart rolls them one at a time under load with zero failed requests", async (t) => {
  const z = await runZoo(t, { apps: { node: app({}, { replicas: 2 }) }, routes: ROUTES });
  const before = await readyRows(z, ["node.0", "node.1"]);
  const load = startLoad(z.port);
  await load.reached(200);
  const restarted = await z.cli("restart", "node");
  assert.equal(restarted.code, 0, restarted.stdout + restarted.stderr);
  assert.match(restarted.stdout, /node\.0: restarted[^]*node\.1: restarted/);
  const result = await load.stop();
  assert.equal(result.failed, 0, `failed requests: ${result.failures.join("; ")} of ${result.sent}`);
  const after = await readyRows(z, ["node.0", "node.1"]);
  for (const pid of before.values()) assert.ok(isGone(pid) && ![...after.values()].includes(pid), `old pid ${pid} is gone`);
  // zoo logs node shows every replica's lines.
  const logs = await z.cli("logs", "node", "-n", "1000");
  assert.match(logs.stdout, /^node\.0 +\| listening/m);
  assert.match(logs.stdout, /^node\.1 +\| listening/m);
});
