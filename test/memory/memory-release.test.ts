// Issue 22: zoo boots in V8's efficiency mode (src/memory-settings.ts, BOOT_MODE: TurboFan does not optimize the
// module loader's hot path functions, and the binary's TurboFan code stays out of an idle zoo's RSS), leaves it once
// it is up, and gives back what booting took with a memory-reducing GC: the young generation is back to 1 MB. A
// user's own --efficiency-mode is kept.
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
  const appPort = await freePort();
  writeFileSync(join(dir, "zoo.config.json"), JSON.stringify({ listen: "127.0.0.1:0", apps: { api: { command: ["node", "app.mjs"], port: appPort } }, routes: { "/": "api" } }));
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
    async heap(): Promise<Heap> {
      output = output.replace(/heap: /g, "heap (read): ");
      child.kill("SIGWINCH");
      return JSON.parse((await waitFor(/heap: (.*)\n/))[1]) as Heap;
    },
  };
}

test("zoo boots in V8's efficiency mode, leaves it once up, and its young generation is back to 1 MB", { skip: process.platform !== "linux" }, async (t) => {
  const zoo = await bootedZoo(t, []);
  // The ready line comes from the supervisor; zoo settles right after its start() returns.
  let heap = await zoo.heap();
  for (let i = 0; i < 50 && heap.efficiencyMode; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    heap = await zoo.heap();
  }
  assert.equal(heap.bootEfficiencyMode, true, "zoo booted in efficiency mode");
  assert.equal(heap.efficiencyMode, false, "zoo left efficiency mode once up");
  assert.ok(heap.newSpaceKB <= 1024, `the young generation is ${heap.newSpaceKB} KB after boot`);
});

test("a user's own --efficiency-mode on node's command line is kept", { skip: process.platform !== "linux" }, async (t) => {
  const zoo = await bootedZoo(t, ["--efficiency-mode"]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const heap = await zoo.heap();
  assert.equal(heap.bootEfficiencyMode, true);
  assert.equal(heap.efficiencyMode, true, "zoo kept the user's efficiency mode");
});
