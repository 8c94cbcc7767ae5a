// zoo's own bugs on paths nobody awaits (an exit handler, a probe loop, a restart after backoff, an uncaught
// exception anywhere): one policy. The stack is logged, every app is stopped cleanly, zoo exits 70 (EX_SOFTWARE).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { Supervisor } from "../../src/supervisor/index.ts";
import { realProber, type Prober } from "../../src/supervisor/probe.ts";
import { startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";
import { virtualSupervisor } from "./fakes.ts";
import { app, FIXTURES, NODE, pidAlive, recordingLogger, tempDir, waitFor } from "./helpers.ts";

test("a probe that throws (a bug, not a failed probe) reaches onInternalError; the hook can stop every app cleanly", async (t) => {
  const web = await app("web");
  const other = await app("other");
  const failing: Prober = {
    ...realProber,
    run: (probe, target, signal) => (target.port === web.port ? Promise.reject(new Error("prober bug")) : realProber.run(probe, target, signal)),
  };
  const log = recordingLogger();
  const reported: string[] = [];
  let stopped: Promise<void> | undefined;
  const supervisor: Supervisor = new Supervisor([web, other], {
    log,
    prober: failing,
    onInternalError: (error, what) => {
      reported.push(`${what}: ${error.message}`);
      stopped ??= supervisor.stop();
    },
  });
  t.after(() => supervisor.killAll());
  await supervisor.start();
  await waitFor(() => reported.length > 0, "the hook to be called");
  await stopped;
  assert.deepEqual(reported, ["web: health checks: prober bug"]);
  const logged = log.records.zoo.find((z) => z.message.startsWith("internal error"));
  assert.ok(logged, "the error is logged");
  assert.equal(logged.level, "error");
  assert.match(logged.message, /^internal error \(a bug in zoo\) in web: health checks: Error: prober bug\n\s+at /, "with its stack");
  for (const status of supervisor.snapshot()) assert.equal(status.state, "stopped", `${status.name} is stopped`);
  const pids = log.records.zoo.map((z) => /starting \(pid (\d+)\)/.exec(z.message)?.[1]).filter(Boolean).map(Number);
  assert.equal(pids.length, 2);
  for (const pid of pids) assert.equal(pidAlive(pid), false, `pid ${pid} is gone`);
});

test("a launch that rejects after backoff (the restart timer's path) reaches onInternalError", async (t) => {
  const web = await app("web", { health: { kind: "none" }, backoff: { initial: 100, max: 100, resetAfter: 30_000 } });
  let checks = 0;
  const { supervisor, clock, spawner, internalErrors } = virtualSupervisor(t, [web], () => ({
    run: async () => ({ ok: true, detail: "no probe" }),
    isPortInUse: async () => {
      checks += 1;
      if (checks > 1) throw new Error("port check bug");
      return false;
    },
  }));
  await supervisor.start();
  spawner.last.exit(1);
  await clock.advance(100);
  assert.deepEqual(internalErrors.map(([error, what]) => `${what}: ${error.message}`), ["web: restarting after backoff: port check bug"]);
});

/** A zoo with one app, and a bug that fires once the test writes `kind` to the trigger file. */
async function zooWithBug(t: import("node:test").TestContext) {
  const dir = tempDir(t);
  const trigger = join(dir, "trigger");
  const marker = `bug-${Math.random()}`;
  const { file } = tempConfig({
    logFormat: "text",
    // The app must not load the preload: NODE_OPTIONS is cleared in its environment.
    apps: { app: { command: [NODE, join(FIXTURES, "server.js"), marker], env: { NODE_OPTIONS: "" }, stopTimeout: "5s" } },
    routes: { "/": "app" },
  });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"], {
    env: { NODE_OPTIONS: `--import ${pathToFileURL(join(import.meta.dirname, "zoo-bug-preload.js")).href}`, ZOO_TEST_BUG_TRIGGER: trigger },
  });
  t.after(() => stopZoo(zoo));
  const started = await zoo.waitFor(/app: starting \(pid \d+\)/);
  const pid = Number(/pid (\d+)/.exec(started)![1]);
  // If zoo fails this test by dying without stopping its app, the app must not outlive the test.
  t.after(() => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  });
  await zoo.waitFor(/app: ready/);
  return { zoo, pid, fire: (kind: "throw" | "reject") => writeFileSync(trigger, kind) };
}

for (const [kind, origin] of [["throw", "uncaughtException"], ["reject", "unhandledRejection"]] as const) {
  test(`zoo CLI: an ${origin} in zoo logs the stack, stops the apps cleanly (SIGTERM) and exits 70`, async (t) => {
    const { zoo, pid, fire } = await zooWithBug(t);
    assert.ok(pidAlive(pid));
    fire(kind);
    const { code } = await zoo.exited;
    const output = zoo.output();
    assert.equal(code, 70, output);
    assert.match(output, new RegExp(`internal error \\(a bug in zoo\\), ${origin}: Error: injected bug[^\\n]*\\nzoo \\| +at `), "the stack is logged, each line behind zoo's prefix");
    assert.match(output, /app: stopping \(sending SIGTERM\)/, "stopped cleanly, not killed");
    assert.match(output, /app: stopped \(killed by SIGTERM\)/);
    assert.match(output, /stopped, exit code 70/);
    assert.equal(pidAlive(pid), false, "the app was left behind");
  });
}
