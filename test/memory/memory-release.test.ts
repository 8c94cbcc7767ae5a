// Issue 22: zoo runs in V8's efficiency mode while quiet (src/memory-settings.ts, QUIET_MODE: TurboFan does not
// optimize the module loader's hot path functions, and the binary's TurboFan code stays out of an idle zoo's RSS),
// leaves it the first time it gets busy, and gives back what booting took with a memory-reducing GC: the young
// generation is back to 1 MB. A user's own --efficiency-mode is kept.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CLI, freePort } from "../helpers/zoo-process.ts";

const HOOK = join(import.meta.dirname, "heap-at-idle.ts");

interface Heap {
  bootEfficiencyMode: boolean;
  efficiencyMode: boolean;
  newSpaceKB: number;
}

async function bootedZoo(t: import("node:test").TestContext, nodeFlags: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "zoo-memory-release-"));
  writeFileSync(join(dir, "app.mjs"), `import { createServer } from "node:http";\ncreateServer((req, res) => res.end("hello")).listen(process.env.PORT, "127.0.0.1");\n`);
  const [port, appPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, "zoo.config.json"), JSON.stringify({ listen: `127.0.0.1:${port}`, apps: { api: { command: ["node", "app.mjs"], port: appPort } }, routes: { "/": "api" } }));
  const env = { ...process.env, NO_COLOR: "1", NODE_OPTIONS: "", ZOO_MEMORY_SETTINGS: undefined };
  const child = spawn(process.execPath, ["--allow-natives-syntax", `--import=${HOOK}`, ...nodeFlags, CLI, "start"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const waiters = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk: Buffer) => ((output += chunk), waiters.forEach((wake) => wake())));
  t.after(() => child.kill("SIGTERM"));
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${output}`)), 30_000);
      const check = () => {
        const match = pattern.exec(output);
        if (!match) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(match);
      };
      waiters.add(check);
      check();
    });
  await waitFor(/api: ready/);
  return {
    url: `http://127.0.0.1:${port}/`,
    async heap(): Promise<Heap> {
      output = output.replace(/heap: /g, "heap (read): ");
      child.kill("SIGWINCH");
      return JSON.parse((await waitFor(/heap: (.*)\n/))[1]) as Heap;
    },
  };
}

/** The heap once zoo has given back what starting took (right after its start() returns, a moment after the ready line). */
async function settledHeap(zoo: Awaited<ReturnType<typeof bootedZoo>>): Promise<Heap> {
  let heap = await zoo.heap();
  for (let i = 0; i < 50 && heap.newSpaceKB > 1024; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    heap = await zoo.heap();
  }
  return heap;
}

test("zoo starts in V8's efficiency mode, stays in it while quiet, its young generation back to 1 MB, and leaves it once busy", { skip: process.platform !== "linux" }, async (t) => {
  const zoo = await bootedZoo(t, []);
  let heap = await settledHeap(zoo);
  assert.equal(heap.bootEfficiencyMode, true, "zoo started in efficiency mode");
  assert.ok(heap.newSpaceKB <= 1024, `the young generation is ${heap.newSpaceKB} KB after boot`);
  // Quiet: a few requests and several of the once-a-second busy checks.
  for (let i = 0; i < 3; i++) assert.equal((await fetch(zoo.url)).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  heap = await zoo.heap();
  assert.equal(heap.efficiencyMode, true, "a few requests leave zoo quiet");
  // Busy: requests back to back, ten at a time, until zoo has left the mode (a busy second), for at most 20 s.
  const deadline = Date.now() + 20_000;
  while (heap.efficiencyMode && Date.now() < deadline) {
    const until = Date.now() + 500;
    await Promise.all(Array.from({ length: 10 }, async () => {
      while (Date.now() < until) assert.equal((await (await fetch(zoo.url)).text()), "hello");
    }));
    heap = await zoo.heap();
  }
  assert.equal(heap.efficiencyMode, false, "zoo left efficiency mode once busy");
});

test("a user's own --efficiency-mode on node's command line is kept", { skip: process.platform !== "linux" }, async (t) => {
  const zoo = await bootedZoo(t, ["--efficiency-mode"]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const heap = await zoo.heap();
  assert.equal(heap.bootEfficiencyMode, true);
  assert.equal(heap.efficiencyMode, true, "zoo kept the user's efficiency mode");
});
