// Real processes: readiness by each probe kind, health-driven restarts, the restart policy, onFatal.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { app, isReady, NODE, FIXTURES, statesOf, supervise, tcp, tempDir, waitFor, waitState } from "./helpers.ts";

test("ready via tcp probe, promptly after the port opens; logs one line per transition", async (t) => {
  const web = await app("web", { env: { LISTEN_DELAY_MS: "150" } });
  const { supervisor, log, events } = supervise(t, [web]);
  await supervisor.start();
  assert.equal(isReady(supervisor, "web"), false);
  assert.equal(await supervisor.waitReady("web", 5000), true);
  assert.equal(isReady(supervisor, "web"), true);
  // The probe may pass before the app's line has come through its stdout pipe: the line is awaited, not assumed.
  await waitFor(() => log.records.lines.find((l) => l.line.startsWith("listening on")), "the app's own line to be logged");
  assert.deepEqual(statesOf(events, "web"), ["starting", "ready"]);
  const status = supervisor.snapshot()[0];
  assert.equal(status.state, "ready");
  assert.equal(status.port, web.port);
  assert.ok(status.pid && status.startedAt && status.readyAt);
  assert.ok(status.readyAt! - status.startedAt! >= 150);
  assert.ok(log.records.zoo.some((z) => /^web: starting \(pid \d+\)$/.test(z.message)));
  assert.ok(log.records.zoo.some((z) => /^web: ready in \d+ms$/.test(z.message)), JSON.stringify(log.records.zoo));
});

test("readiness is seen within 50ms of the port opening", async (t) => {
  const web = await app("web", { env: { LISTEN_DELAY_MS: "300" } });
  const { supervisor, log } = supervise(t, [web]);
  let listenedAt = 0;
  const realApp = log.app;
  log.app = (name, stream, line) => {
    if (line.startsWith("listening on")) listenedAt = Date.now();
    realApp(name, stream, line);
  };
  await supervisor.start();
  await waitState(supervisor, "web", "ready");
  const readyAt = Date.now();
  // The app's line may come through its stdout pipe after the probe passed (then readiness was prompt): await it.
  await waitFor(() => listenedAt > 0, "the app's listening line");
  assert.ok(readyAt - listenedAt < 50, `ready ${readyAt - listenedAt}ms after listening`);
});

test("ready via http probe: waits for the expected status", async (t) => {
  const dir = tempDir(t);
  const healthFile = join(dir, "health");
  writeFileSync(healthFile, "503");
  const web = await app("web", {
    env: { HEALTH_FILE: healthFile },
    health: { kind: "http", path: "/health", status: 200, timeout: 500, interval: 5000, startTimeout: 5000, failures: 3 },
  });
  const { supervisor } = supervise(t, [web]);
  await supervisor.start();
  await waitFor(() => supervisor.snapshot()[0].health === "http /health: status 503", "a failing http probe");
  assert.equal(isReady(supervisor, "web"), false);
  writeFileSync(healthFile, "200");
  assert.equal(await supervisor.waitReady("web", 5000), true);
  assert.equal(supervisor.snapshot()[0].health, "http /health: status 200");
});

test("ready via exec probe: a command that exits 0", async (t) => {
  const dir = tempDir(t);
  const flag = join(dir, "ready");
  const worker = await app("worker", {
    script: "idle.js",
    port: undefined,
    health: { kind: "exec", command: ["test", "-f", flag], timeout: 1000, interval: 5000, startTimeout: 5000, failures: 3 },
  });
  const { supervisor } = supervise(t, [worker]);
  await supervisor.start();
  await waitFor(() => supervisor.snapshot()[0].health?.includes("exit code 1"), "a failing exec probe");
  assert.equal(isReady(supervisor, "worker"), false);
  writeFileSync(flag, "");
  assert.equal(await supervisor.waitReady("worker", 5000), true);
});

test("health false: ready as soon as spawned", async (t) => {
  const worker = await app("worker", { script: "idle.js", port: undefined, health: { kind: "none" } });
  const { supervisor } = supervise(t, [worker]);
  await supervisor.start();
  assert.equal(await supervisor.waitReady("worker", 2000), true);
});

test("an app that is not ready within startTimeout is restarted", async (t) => {
  const stuck = await app("stuck", { script: "idle.js", health: tcp({ startTimeout: 200 }), stopTimeout: 500 });
  const { supervisor, events, log } = supervise(t, [stuck]);
  await supervisor.start();
  await waitFor(() => statesOf(events, "stuck").filter((s) => s === "starting").length >= 2, "a second start");
  assert.deepEqual(statesOf(events, "stuck").slice(0, 4), ["starting", "stopping", "backoff", "starting"]);
  const stopping = events.find((e) => e.to === "stopping")!;
  assert.match(stopping.reason!, /^not ready after 200ms \(tcp \d+: connection refused\)$/);
  assert.ok(log.records.zoo.some((z) => z.message.startsWith("stuck: stopping (not ready after 200ms")));
  assert.equal(supervisor.snapshot()[0].restarts >= 1, true);
});

test("N consecutive liveness failures restart the app; one failure makes it unhealthy", async (t) => {
  const dir = tempDir(t);
  const healthFile = join(dir, "health");
  const web = await app("web", {
    env: { HEALTH_FILE: healthFile },
    health: { kind: "http", path: "/health", timeout: 500, interval: 30, startTimeout: 5000, failures: 3 },
  });
  const { supervisor, events } = supervise(t, [web]);
  await supervisor.start();
  await waitState(supervisor, "web", "ready");
  const firstPid = supervisor.snapshot()[0].pid;
  writeFileSync(healthFile, "500");
  await waitState(supervisor, "web", "backoff");
  writeFileSync(healthFile, "200");
  await waitFor(() => statesOf(events, "web").filter((s) => s === "ready").length >= 2, "ready again after restart");
  assert.deepEqual(statesOf(events, "web").slice(0, 6), ["starting", "ready", "unhealthy", "stopping", "backoff", "starting"]);
  assert.match(events.find((e) => e.to === "stopping")!.reason!, /^3 failed probes \(http \/health: status 500\)$/);
  assert.notEqual(supervisor.snapshot()[0].pid, firstPid);
});

test("an unhealthy app that recovers goes back to ready without a restart", async (t) => {
  const dir = tempDir(t);
  const healthFile = join(dir, "health");
  const web = await app("web", {
    env: { HEALTH_FILE: healthFile },
    health: { kind: "http", path: "/health", timeout: 500, interval: 30, startTimeout: 5000, failures: 1000 },
  });
  const { supervisor, events } = supervise(t, [web]);
  await supervisor.start();
  await waitState(supervisor, "web", "ready");
  writeFileSync(healthFile, "500");
  await waitState(supervisor, "web", "unhealthy");
  assert.equal(isReady(supervisor, "web"), false, "unhealthy apps are not routed to");
  writeFileSync(healthFile, "200");
  await waitState(supervisor, "web", "ready");
  assert.deepEqual(statesOf(events, "web"), ["starting", "ready", "unhealthy", "ready"]);
});

test("a crashing app is restarted with growing delays, then fails as a crash loop", async (t) => {
  const dir = tempDir(t);
  const marker = join(dir, "runs");
  const crasher = await app("crasher", {
    script: "exit.js",
    port: undefined,
    health: { kind: "none" },
    env: { MARKER_FILE: marker, EXIT_CODE: "3" },
    backoff: { initial: 20, max: 80, resetAfter: 30_000 },
    crashLoop: { restarts: 4, window: 60_000 },
  });
  const { supervisor, events } = supervise(t, [crasher]);
  await supervisor.start();
  const failed = await waitState(supervisor, "crasher", "failed");
  assert.match(failed!.reason!, /^exited with code 3; crash loop: 4 restarts within 1m$/);
  const backoffs = events.filter((e) => e.to === "backoff").map((e) => Number(/restarting in (\d+)ms/.exec(e.reason!)![1]));
  assert.equal(backoffs.length, 4);
  // 20, 40, 80, 80 each ±20%, capped at 80
  const expected = [20, 40, 80, 80];
  backoffs.forEach((d, i) => assert.ok(d >= expected[i] * 0.8 && d <= Math.min(80, expected[i] * 1.2), `delay ${i}: ${d}`));
  assert.equal(supervisor.snapshot()[0].restarts, 4);
  assert.deepEqual(supervisor.snapshot()[0].lastExit?.code, 3);
  assert.equal(await supervisor.waitReady("crasher", 1000), false, "waitReady is false for a failed app");
});

test("restart on-failure and never: exit 0 is stopped", async (t) => {
  const job = await app("job", { script: "exit.js", port: undefined, health: { kind: "none" }, restart: "on-failure", env: { EXIT_CODE: "0" } });
  const once = await app("once", { script: "exit.js", port: undefined, health: { kind: "none" }, restart: "never", env: { EXIT_CODE: "0" } });
  const { supervisor, events } = supervise(t, [job, once]);
  await supervisor.start();
  const [a, b] = await Promise.all([waitState(supervisor, "job", "stopped"), waitState(supervisor, "once", "stopped")]);
  assert.equal(a!.reason, "exited with code 0, restart: on-failure");
  assert.equal(b!.reason, "exited with code 0, restart: never");
  assert.ok(!events.some((e) => e.to === "backoff" || e.to === "failed"));
});

test("restart never: a crash is failed", async (t) => {
  const once = await app("once", { script: "exit.js", port: undefined, health: { kind: "none" }, restart: "never", env: { EXIT_CODE: "2" } });
  const { supervisor } = supervise(t, [once]);
  await supervisor.start();
  const failed = await waitState(supervisor, "once", "failed");
  assert.equal(failed!.reason, "exited with code 2, restart: never");
});

test("essential app failing for good calls onFatal with its exit code; others do not", async (t) => {
  const calls: [string, number][] = [];
  const core = await app("core", { script: "exit.js", port: undefined, health: { kind: "none" }, restart: "never", essential: true, env: { EXIT_CODE: "7" } });
  const side = await app("side", { script: "exit.js", port: undefined, health: { kind: "none" }, restart: "never", env: { EXIT_CODE: "9" } });
  const { supervisor } = supervise(t, [core, side], (name, code) => calls.push([name, code]));
  await supervisor.start();
  await Promise.all([waitState(supervisor, "core", "failed"), waitState(supervisor, "side", "failed")]);
  assert.deepEqual(calls, [["core", 7]]);
  assert.equal(supervisor.snapshot().find((s) => s.name === "core")!.essential, true);
});

test("essential app that exits 0 with restart never is fatal with exit code 1", async (t) => {
  const calls: [string, number][] = [];
  const core = await app("core", { script: "exit.js", port: undefined, health: { kind: "none" }, restart: "never", essential: true, env: { EXIT_CODE: "0" } });
  const { supervisor } = supervise(t, [core], (name, code) => calls.push([name, code]));
  await supervisor.start();
  await waitState(supervisor, "core", "failed");
  assert.deepEqual(calls, [["core", 1]]);
});

test("essential app in a crash loop calls onFatal", async (t) => {
  const calls: [string, number][] = [];
  const core = await app("core", {
    script: "exit.js",
    port: undefined,
    health: { kind: "none" },
    essential: true,
    env: { EXIT_CODE: "4" },
    crashLoop: { restarts: 2, window: 60_000 },
  });
  const { supervisor } = supervise(t, [core], (name, code) => calls.push([name, code]));
  await supervisor.start();
  await waitState(supervisor, "core", "failed");
  assert.deepEqual(calls, [["core", 4]]);
});

test("the app's environment has zoo's, the app's env and PORT", async (t) => {
  process.env.ZOO_TEST_INHERITED = "from-zoo";
  t.after(() => delete process.env.ZOO_TEST_INHERITED);
  const web = await app("web", { env: { GREETING: "hello world", PORT: "1", PRINT_ENV: "PORT,GREETING,ZOO_TEST_INHERITED" } });
  const { supervisor, log } = supervise(t, [web]);
  await supervisor.start();
  await waitState(supervisor, "web", "ready");
  const envLines = log.records.lines.filter((l) => l.line.startsWith("env ")).map((l) => l.line);
  assert.deepEqual(envLines, [`env PORT=${web.port}`, "env GREETING=hello world", "env ZOO_TEST_INHERITED=from-zoo"]);
});

test("subscribe returns a snapshot and then every later event", async (t) => {
  const a = await app("a", { script: "idle.js", port: undefined, health: { kind: "none" } });
  const b = await app("b", { script: "exit.js", port: undefined, health: { kind: "none" }, restart: "never", env: { EXIT_CODE: "0" } });
  const { supervisor } = supervise(t, [a, b]);
  const before = supervisor.subscribe(() => {});
  assert.deepEqual(before.snapshot.map((s) => [s.name, s.state]), [["a", "idle"], ["b", "idle"]]);
  before.unsubscribe();

  await supervisor.start();
  await waitState(supervisor, "a", "ready");
  const seen: string[] = [];
  const { snapshot, unsubscribe } = supervisor.subscribe((e) => seen.push(`${e.app}:${e.from}→${e.to}`));
  // Replaying the snapshot then the events must give the live state at every step.
  const state = new Map(snapshot.map((s) => [s.name, s.state as string]));
  await waitState(supervisor, "b", "stopped");
  await supervisor.stop();
  unsubscribe();
  for (const entry of seen) {
    const [name, move] = entry.split(":");
    const [from, to] = move.split("→");
    assert.equal(state.get(name), from, `event ${entry} follows the state known so far`);
    state.set(name, to);
  }
  assert.deepEqual(Object.fromEntries(state), { a: "stopped", b: "stopped" });
  assert.deepEqual(new Map(supervisor.snapshot().map((s) => [s.name, s.state])), new Map(state));
});

test("a real crash is restarted and becomes ready again", async (t) => {
  const web = await app("web");
  const { supervisor, events } = supervise(t, [web]);
  await supervisor.start();
  await waitState(supervisor, "web", "ready");
  const pid = supervisor.snapshot()[0].pid!;
  process.kill(pid, "SIGKILL");
  await waitFor(() => statesOf(events, "web").filter((s) => s === "ready").length === 2, "ready again");
  assert.deepEqual(statesOf(events, "web"), ["starting", "ready", "backoff", "starting", "ready"]);
  assert.match(events.find((e) => e.to === "backoff")!.reason!, /^killed by SIGKILL; restarting in \d+ms$/);
  const status = supervisor.snapshot()[0];
  assert.equal(status.restarts, 1);
  assert.equal(status.lastExit?.signal, "SIGKILL");
  void NODE;
  void FIXTURES;
});

test("waitReady is false on timeout, on abort and for an unknown app", async (t) => {
  const stuck = await app("stuck", { script: "idle.js" });
  const { supervisor } = supervise(t, [stuck]);
  await supervisor.start();
  assert.equal(await supervisor.waitReady("nope", 1000), false);
  const began = Date.now();
  assert.equal(await supervisor.waitReady("stuck", 100), false);
  assert.ok(Date.now() - began >= 95, "waited for the timeout (a timer may fire a few ms early against Date.now)");
  const controller = new AbortController();
  const waiting = supervisor.waitReady("stuck", 10_000, controller.signal);
  controller.abort();
  assert.equal(await waiting, false);
  assert.equal(await supervisor.waitReady("stuck", 10_000, AbortSignal.abort()), false);
});

test("waitReady resolves true for an app that becomes ready later, and false once it fails", async (t) => {
  const slow = await app("slow", { env: { LISTEN_DELAY_MS: "100" } });
  const doomed = await app("doomed", { script: "exit.js", port: undefined, health: { kind: "exec", command: ["false"], timeout: 500, interval: 1000, startTimeout: 5000, failures: 1 }, restart: "never" });
  const { supervisor } = supervise(t, [slow, doomed]);
  const readySlow = supervisor.waitReady("slow", 5000);
  const readyDoomed = supervisor.waitReady("doomed", 5000);
  await supervisor.start();
  assert.equal(await readySlow, true);
  assert.equal(await readyDoomed, false);
});
