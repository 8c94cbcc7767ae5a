// Apps that cannot run at all fail with a one-line reason; the others keep running.
import assert from "node:assert/strict";
import net from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { app, FIXTURES, supervise, waitState } from "./helpers.ts";

test("missing binary: failed, naming the command and how to install it; the others keep running", async (t) => {
  const python = await app("python", { command: ["uvicorn-not-installed-here", "main:app"] });
  const go = await app("go", { command: ["./no-such-go-app"] });
  const web = await app("web");
  const { supervisor, log } = supervise(t, [python, go, web]);
  await supervisor.start();
  const failed = await waitState(supervisor, "python", "failed");
  assert.equal(failed!.reason, "command not found: uvicorn-not-installed-here (looked in PATH)");
  const goFailed = await waitState(supervisor, "go", "failed");
  assert.equal(goFailed!.reason, `command not found: ./no-such-go-app (looked in ${FIXTURES})`);
  assert.equal(await supervisor.waitReady("web", 5000), true);
  const lines = log.records.zoo.filter((z) => z.level === "error").map((z) => z.message);
  assert.deepEqual(lines, [
    "python: failed: command not found: uvicorn-not-installed-here (looked in PATH)",
    `go: failed: command not found: ./no-such-go-app (looked in ${FIXTURES})`,
  ]);
});

test("missing binary of a well-known command: the reason says how to install it", async (t) => {
  // The command is looked up in the app's PATH: one without uvicorn.
  const python = await app("python", { command: ["uvicorn", "main:app"], env: { PATH: "/nonexistent" } });
  const { supervisor } = supervise(t, [python]);
  await supervisor.start();
  const failed = await waitState(supervisor, "python", "failed");
  assert.equal(
    failed!.reason,
    "command not found: uvicorn (looked in PATH); install it with: apt-get install python3-uvicorn python3-fastapi",
  );
});

test("bad cwd: failed with the directory named; the others keep running", async (t) => {
  const lost = await app("lost", { cwd: join(FIXTURES, "no-such-dir") });
  const web = await app("web");
  const { supervisor } = supervise(t, [lost, web]);
  await supervisor.start();
  const failed = await waitState(supervisor, "lost", "failed");
  assert.equal(failed!.reason, `working directory does not exist: ${join(FIXTURES, "no-such-dir")}`);
  assert.equal(await supervisor.waitReady("web", 5000), true);
});

test("a cwd that is a file: failed", async (t) => {
  const odd = await app("odd", { cwd: join(FIXTURES, "idle.js") });
  const { supervisor } = supervise(t, [odd]);
  await supervisor.start();
  const failed = await waitState(supervisor, "odd", "failed");
  assert.equal(failed!.reason, `working directory is not a directory: ${join(FIXTURES, "idle.js")}`);
});

test("port taken by another process: failed before spawning; the others keep running", async (t) => {
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
  t.after(() => squatter.close());
  const port = (squatter.address() as net.AddressInfo).port;
  const web = await app("web", { port });
  const other = await app("other");
  const { supervisor, events } = supervise(t, [web, other]);
  await supervisor.start();
  const failed = await waitState(supervisor, "web", "failed");
  assert.equal(failed!.reason, `port ${port} is already in use by another process`);
  assert.ok(!events.some((e) => e.app === "web" && e.to === "starting"), "never spawned");
  assert.equal(await supervisor.waitReady("other", 5000), true);
});

test("a file that is not executable: failed with permission denied", async (t) => {
  const script = await app("script", { command: [join(FIXTURES, "idle.js")] });
  const { supervisor } = supervise(t, [script]);
  await supervisor.start();
  const failed = await waitState(supervisor, "script", "failed");
  assert.equal(failed!.reason, `permission denied: ${join(FIXTURES, "idle.js")} is not executable`);
});

test("unknown dependencies and cycles are refused up front", async () => {
  const { Supervisor } = await import("../../src/supervisor/index.ts");
  const { silentLogger } = await import("../../src/log.ts");
  const a = await app("a", { dependsOn: { b: "ready" } });
  const b = await app("b", { dependsOn: { a: "started" } });
  assert.throws(() => new Supervisor([a], { log: silentLogger }), /app a depends on unknown app b/);
  assert.throws(() => new Supervisor([a, b], { log: silentLogger }), /dependency cycle: a → b → a/);
});
