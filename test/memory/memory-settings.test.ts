// zoo start runs with V8's young generation capped and glibc's arenas limited (src/memory-settings.ts): the same
// process (execve keeps the pid) with the settings added, unless the user gave their own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BOOT_MODE, MALLOC_ARENAS, NO_MAGLEV, SEMI_SPACE_MB, missingMemorySettings } from "../../src/memory-settings.ts";
import { ROOT, listeningPort, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";

const SERVER = join(ROOT, "fixtures/supervisor/server.js");

const argsOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
const envOf = (pid: number) => Object.fromEntries(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));

async function startedZoo(t: import("node:test").TestContext, env: NodeJS.ProcessEnv) {
  const { file } = tempConfig({ apps: { web: { command: [process.execPath, SERVER] } }, routes: { "/": "web" } });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"], { env });
  t.after(() => stopZoo(zoo));
  const port = await listeningPort(zoo);
  await zoo.waitFor(/web: ready/);
  const reply = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(reply.status, 200);
  return { zoo, pid: zoo.child.pid! };
}

test("zoo start puts --max-semi-space-size and MALLOC_ARENA_MAX in place in the same process, and it serves", { skip: process.platform !== "linux" }, async (t) => {
  const { zoo, pid } = await startedZoo(t, { MALLOC_ARENA_MAX: undefined, NODE_OPTIONS: undefined, ZOO_MEMORY_SETTINGS: undefined });
  assert.ok(argsOf(pid).includes(`--max-semi-space-size=${SEMI_SPACE_MB}`), argsOf(pid).join(" "));
  assert.ok(argsOf(pid).includes(NO_MAGLEV), argsOf(pid).join(" "));
  for (const flag of BOOT_MODE.flags) assert.ok(argsOf(pid).includes(flag), argsOf(pid).join(" "));
  assert.equal(envOf(pid).MALLOC_ARENA_MAX, String(MALLOC_ARENAS));
  assert.doesNotMatch(zoo.output(), /ExperimentalWarning|execve/);
  // The apps get the environment zoo was given, not what zoo added for itself.
  const appPid = Number(/web: starting \(pid (\d+)/.exec(zoo.output())![1]);
  assert.equal(envOf(appPid).MALLOC_ARENA_MAX, undefined);
  assert.equal(envOf(appPid).ZOO_ADDED_ENV, undefined);
  assert.equal(envOf(appPid).ZOO_BOOT_FLAGS, undefined);
});

test("a user's own MALLOC_ARENA_MAX and --max-semi-space-size (NODE_OPTIONS) are kept as given", { skip: process.platform !== "linux" }, async (t) => {
  const { pid } = await startedZoo(t, { MALLOC_ARENA_MAX: "4", NODE_OPTIONS: "--max-semi-space-size=16", ZOO_MEMORY_SETTINGS: undefined });
  assert.ok(!argsOf(pid).some((arg) => arg.startsWith("--max-semi-space-size")), argsOf(pid).join(" "));
  assert.equal(envOf(pid).MALLOC_ARENA_MAX, "4");
});

test("what is missing: each setting only when the user did not give it; the arena limit only on Linux", () => {
  const semi = `--max-semi-space-size=${SEMI_SPACE_MB}`;
  const boots = ["--efficiency-mode", "--efficiency-mode-disable-turbofan"];
  assert.deepEqual(BOOT_MODE.flags, boots);
  const all = [semi, NO_MAGLEV, ...boots];
  const boot = { ZOO_BOOT_FLAGS: boots.join(" ") };
  const arenas = { MALLOC_ARENA_MAX: String(MALLOC_ARENAS) };
  assert.deepEqual(missingMemorySettings([], {}, "linux"), { execArgv: all, env: { ...arenas, ...boot } });
  assert.deepEqual(missingMemorySettings(["--max-semi-space-size=32"], {}, "linux"), { execArgv: [NO_MAGLEV, ...boots], env: { ...arenas, ...boot } });
  assert.deepEqual(missingMemorySettings(["--max-semi-space-size=32", "--maglev"], {}, "linux"), { execArgv: boots, env: { ...arenas, ...boot } });
  assert.deepEqual(missingMemorySettings(["--max-semi-space-size=32", "--maglev", "--no-efficiency-mode"], {}, "linux"), { execArgv: [], env: arenas });
  assert.deepEqual(missingMemorySettings(["--efficiency-mode"], {}, "linux"), { execArgv: [semi, NO_MAGLEV], env: arenas });
  assert.deepEqual(missingMemorySettings([], { NODE_OPTIONS: "--enable-source-maps --max-semi-space-size 8" }, "linux"), { execArgv: [NO_MAGLEV, ...boots], env: { ...arenas, ...boot } });
  assert.deepEqual(missingMemorySettings([], { MALLOC_ARENA_MAX: "8" }, "linux"), { execArgv: all, env: boot });
  assert.deepEqual(missingMemorySettings([], {}, "darwin"), { execArgv: all, env: boot });
  assert.deepEqual(missingMemorySettings(["--max-old-space-size=100"], {}, "linux"), { execArgv: all, env: { ...arenas, ...boot } });
});
