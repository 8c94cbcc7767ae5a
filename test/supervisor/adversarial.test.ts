// Misbehaving apps: odd output, probes that hang or leave children, apps that leave processes behind,
// dependencies that crash. zoo must not crash, hang, leak a process, or lose or garble output.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { descendantsOf, isAlive, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";
import { LineSplitter } from "../../src/supervisor/lines.ts";
import { app, FIXTURES, NODE, pidAlive, statesOf, supervise, tempDir, waitFor, waitState } from "./helpers.ts";

const node = (script: string) => [NODE, "--input-type=module", "-e", script];
const linesOf = (records: { name: string; stream: string; line: string }[], name: string, stream = "stdout") =>
  records.filter((l) => l.name === name && l.stream === stream).map((l) => l.line);

/** Pids of live processes whose command line is exactly `command` (words joined by spaces). */
function processesWith(command: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim() === command && pidAlive(Number(entry))) found.push(Number(entry));
    } catch {}
  }
  return found;
}

test("output: a line over the 1 MiB cap is cut on a character boundary, never inside a multi-byte character", async (t) => {
  // 3-byte characters: 1 MiB is not a multiple of 3, so a cut at exactly 1 MiB would split one.
  const line = "€".repeat(400_000);
  const writer = await app("writer", { command: node(`process.stdout.write("€".repeat(400000) + "\\n")`), port: undefined, health: { kind: "none" }, restart: "never" });
  const { supervisor, log } = supervise(t, [writer]);
  await supervisor.start();
  await waitState(supervisor, "writer", "stopped");
  const pieces = linesOf(log.records.lines, "writer");
  assert.ok(pieces.length >= 2, "the line was cut");
  assert.ok(!pieces.join("").includes("\uFFFD"), "no replacement character");
  assert.equal(pieces.join(""), line);
  for (const piece of pieces) assert.ok(Buffer.byteLength(piece) <= 1024 * 1024);
});

test("LineSplitter: a cut at the cap keeps every multi-byte character whole (2-, 3- and 4-byte)", () => {
  for (const char of ["é", "€", "😀"]) {
    for (const cap of [4, 5, 6, 7]) {
      const pieces: string[] = [];
      const splitter = new LineSplitter((line) => pieces.push(line), cap);
      const text = char.repeat(10);
      splitter.push(Buffer.from(text + "\n"));
      assert.equal(pieces.join(""), text, `${char} cap ${cap}`);
      for (const piece of pieces) assert.ok(Buffer.byteLength(piece) <= cap && !piece.includes("\uFFFD"), `${char} cap ${cap}: ${pieces}`);
    }
  }
  // Invalid bytes at the cut are passed through as before, not held back forever.
  const pieces: string[] = [];
  const splitter = new LineSplitter((line) => pieces.push(line), 2);
  splitter.push(Buffer.from([0xe2, 0xe2, 0xe2, 0x0a]));
  assert.equal(pieces.join(""), "\uFFFD\uFFFD\uFFFD");
});

test("output: binary and invalid UTF-8, CRLF and lone CR: zoo keeps going and the next lines are intact", async (t) => {
  const script = `
    process.stdout.write(Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x0a]));
    process.stdout.write("crlf\\r\\nlone\\rcr\\n");
    process.stderr.write("err\\r\\n");
    process.stdout.write(Buffer.from([0xe2, 0x82]));
    process.stdout.write("after\\n");
    process.stdout.write("last");`;
  const writer = await app("writer", { command: node(script), port: undefined, health: { kind: "none" }, restart: "never" });
  const { supervisor, log } = supervise(t, [writer]);
  await supervisor.start();
  await waitState(supervisor, "writer", "stopped");
  await waitFor(() => linesOf(log.records.lines, "writer").includes("last"), "the last line");
  assert.deepEqual(linesOf(log.records.lines, "writer"), ["\uFFFD\uFFFD\u0000\uFFFD", "crlf", "lone\rcr", "\uFFFDafter", "last"]);
  assert.deepEqual(linesOf(log.records.lines, "writer", "stderr"), ["err"]);
});

test("output: 200,000 fast lines on stdout and stderr at once all arrive, whole and in order, before the exit line", async (t) => {
  const script = `
    const n = 100000;
    const out = []; const err = [];
    for (let i = 0; i < n; i++) { out.push("out " + i + " " + "o".repeat(i % 50)); err.push("err " + i); }
    process.stdout.write(out.join("\\n") + "\\n");
    process.stderr.write(err.join("\\n") + "\\n");`;
  const writer = await app("writer", { command: node(script), port: undefined, health: { kind: "none" }, restart: "never" });
  const order: string[] = [];
  const { supervisor, log } = supervise(t, [writer]);
  const zoo = log.zoo;
  log.zoo = (level, message, fields) => (order.push(`zoo:${message}`, String(log.records.lines.length)), zoo(level, message, fields));
  await supervisor.start();
  await waitState(supervisor, "writer", "stopped");
  const out = linesOf(log.records.lines, "writer");
  const err = linesOf(log.records.lines, "writer", "stderr");
  assert.equal(out.length, 100_000);
  assert.equal(err.length, 100_000);
  for (let i = 0; i < 100_000; i += 1) {
    if (out[i] !== `out ${i} ${"o".repeat(i % 50)}` || err[i] !== `err ${i}`) assert.fail(`line ${i}: ${out[i]} / ${err[i]}`);
  }
  const stopped = order.indexOf("zoo:writer: stopped (exited with code 0, restart: never)");
  assert.equal(order[stopped + 1], "200000", "every line was logged before the exit line");
});

test("output: an app that closes stdout and stderr early but keeps running stays supervised and stops cleanly", async (t) => {
  const script = `
    import { closeSync } from "node:fs"; import net from "node:net";
    console.log("bye output");
    closeSync(1); closeSync(2);
    net.createServer().listen(Number(process.env.PORT), "127.0.0.1");`;
  const quiet = await app("quiet", { command: node(script) });
  const { supervisor, log } = supervise(t, [quiet]);
  await supervisor.start();
  await waitState(supervisor, "quiet", "ready");
  const pid = supervisor.snapshot()[0].pid!;
  assert.deepEqual(linesOf(log.records.lines, "quiet"), ["bye output"]);
  assert.ok(pidAlive(pid));
  const started = Date.now();
  await supervisor.stop();
  assert.equal(supervisor.snapshot()[0].state, "stopped");
  assert.ok(!pidAlive(pid));
  assert.ok(Date.now() - started < 1000, "stopped at once on SIGTERM");
});

test("exec probe that hangs past its timeout: its whole process group is killed each time; probes do not pile up", async (t) => {
  const marker = `3${Math.floor(Math.random() * 1e6)}`;
  const probe = ["sh", "-c", `sleep ${marker} & sleep ${marker}`];
  const hung = await app("hung", {
    script: "idle.js",
    health: { kind: "exec", command: probe, timeout: 150, interval: 5000, startTimeout: 1200, failures: 3 },
    crashLoop: { restarts: 1, window: 60_000 },
  });
  const { supervisor } = supervise(t, [hung]);
  await supervisor.start();
  let most = 0;
  const failed = waitState(supervisor, "hung", "failed", 8000);
  await waitFor(async () => {
    most = Math.max(most, processesWith(`sleep ${marker}`).length);
    return supervisor.snapshot()[0].state === "failed";
  }, "the app to fail (never ready)", 8000);
  const { reason } = await failed;
  assert.match(reason!, /timed out after 150ms/);
  assert.ok(most <= 2, `at most one probe (2 processes) at a time, saw ${most}`);
  await waitFor(() => processesWith(`sleep ${marker}`).length === 0, "no probe process left", 2000);
});

test("exec probe that passes but leaves background children, one in its group and one setsid'd: both are killed with the probe", async (t) => {
  const marker = `4${Math.floor(Math.random() * 1e6)}`;
  const probe = ["sh", "-c", `sleep ${marker} & setsid sleep ${marker} & sleep 0.05; exit 0`];
  const probed = await app("probed", {
    health: { kind: "exec", command: probe, timeout: 1000, interval: 100, startTimeout: 5000, failures: 3 },
  });
  const { supervisor, events } = supervise(t, [probed]);
  await supervisor.start();
  await waitState(supervisor, "probed", "ready");
  // Liveness probes run every 100ms, each leaving a child: none survives its probe.
  const before = events.length;
  let most = 0;
  const deadline = Date.now() + 400;
  await waitFor(() => {
    most = Math.max(most, processesWith(`sleep ${marker}`).length);
    return Date.now() > deadline;
  }, "a few probes");
  assert.match(supervisor.snapshot()[0].health!, /exit code 0/);
  assert.equal(events.length, before, "the app stayed ready");
  assert.ok(most <= 2, `background children of earlier probes are gone (saw ${most} at once)`);
  await supervisor.stop();
  await waitFor(() => processesWith(`sleep ${marker}`).length === 0, "no probe child left", 2000);
});

test("an app that forks a port-holding child and crashes: the child is killed before the restart, which then gets the port", async (t) => {
  const dir = tempDir(t);
  const runs = join(dir, "runs");
  const script = `
    import { appendFileSync, readFileSync } from "node:fs"; import { spawn } from "node:child_process"; import net from "node:net";
    appendFileSync(${JSON.stringify(runs)}, "run\\n");
    if (readFileSync(${JSON.stringify(runs)}, "utf8").split("\\n").length > 2) {
      net.createServer().listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening myself"));
    } else {
      const holder = spawn(process.execPath, ["-e", 'process.on("SIGTERM", () => {}); require("net").createServer().listen(Number(process.env.PORT), "127.0.0.1", () => console.log("holding"))'], { stdio: ["ignore", "pipe", "inherit"] });
      holder.stdout.once("data", () => { console.log("holder " + holder.pid); process.exit(1); });
    }`;
  const forker = await app("forker", { command: node(script), stopTimeout: 300 });
  const { supervisor, log, events } = supervise(t, [forker]);
  await supervisor.start();
  const holderLine = await waitFor(() => linesOf(log.records.lines, "forker").find((l) => l.startsWith("holder ")), "the holder's pid");
  const holder = Number(holderLine.split(" ")[1]);
  await waitFor(() => linesOf(log.records.lines, "forker").includes("listening myself"), "the second run to listen", 5000);
  await waitState(supervisor, "forker", "ready");
  assert.ok(!pidAlive(holder), "the first run's child is gone");
  assert.ok(!statesOf(events, "forker").includes("failed"), statesOf(events, "forker").join(" "));
  assert.equal(readFileSync(runs, "utf8"), "run\nrun\n");
});

test("a dependency that crashes after its dependent started: the dependency restarts, the dependent keeps running", async (t) => {
  const dir = tempDir(t);
  const health = join(dir, "health");
  const db = await app("db", { health: { kind: "http", path: "/health", timeout: 500, interval: 50, startTimeout: 5000, failures: 1 }, env: { HEALTH_FILE: health } });
  const api = await app("api", { dependsOn: { db: "ready" } });
  const { supervisor, events } = supervise(t, [api, db]);
  await supervisor.start();
  await waitState(supervisor, "api", "ready");
  const apiPid = supervisor.snapshot().find((s) => s.name === "api")!.pid!;
  const dbPid = supervisor.snapshot().find((s) => s.name === "db")!.pid!;
  process.kill(dbPid, "SIGKILL");
  await waitFor(() => events.filter((e) => e.app === "db" && e.to === "ready").length === 2, "db ready again");
  assert.deepEqual(statesOf(events, "api"), ["starting", "ready"]);
  assert.ok(pidAlive(apiPid));
});

test("a dependency that never becomes ready fails in a crash loop, and so does its dependent, naming it", async (t) => {
  const db = await app("db", { script: "idle.js", health: { kind: "tcp", timeout: 100, interval: 5000, startTimeout: 150, failures: 1 }, crashLoop: { restarts: 2, window: 60_000 } });
  const api = await app("api", { dependsOn: { db: "ready" } });
  const { supervisor, events } = supervise(t, [api, db]);
  await supervisor.start();
  const { reason } = await waitState(supervisor, "api", "failed");
  assert.equal(reason, "dependency db failed");
  assert.deepEqual(statesOf(events, "api"), ["failed"]);
});

test("a 'completed' dependency that exits 1 under restart never: the dependent fails and never starts", async (t) => {
  const migrate = await app("migrate", { script: "exit.js", port: undefined, health: { kind: "none" }, restart: "never", env: { EXIT_CODE: "1" } });
  const api = await app("api", { dependsOn: { migrate: "completed" } });
  const { supervisor, events } = supervise(t, [api, migrate]);
  await supervisor.start();
  const { reason } = await waitState(supervisor, "api", "failed");
  assert.equal(reason, "dependency migrate failed");
  assert.deepEqual(statesOf(events, "api"), ["failed"]);
});

test("an app that exits 0 at once under restart always: backoff between runs, then failed as a crash loop (no busy loop)", async (t) => {
  const dir = tempDir(t);
  const marker = join(dir, "runs");
  const quick = await app("quick", { script: "exit.js", port: undefined, health: { kind: "none" }, env: { EXIT_CODE: "0", MARKER_FILE: marker }, backoff: { initial: 30, max: 200, resetAfter: 30_000 }, crashLoop: { restarts: 4, window: 60_000 } });
  const { supervisor, events } = supervise(t, [quick]);
  const started = Date.now();
  await supervisor.start();
  const { reason } = await waitState(supervisor, "quick", "failed");
  assert.match(reason!, /exited with code 0; crash loop: 4 restarts/);
  assert.ok(Date.now() - started >= 30 + 60 + 120, "the delays grew");
  assert.equal(readFileSync(marker, "utf8").trim().split("\n").length, 5);
  assert.equal(events.filter((e) => e.app === "quick" && e.to === "backoff").length, 4);
});

/** A script that starts a daemon the classic way (fork, setsid, fork, parent exits) which writes its pid to `pidFile`. */
const daemonize = (pidFile: string) => `
  import { spawn } from "node:child_process";
  // "setsid" run as a group leader forks and exits at once: the daemon is orphaned before zoo can see its parent.
  spawn("setsid", [process.execPath, "-e", 'process.on("SIGTERM", () => {}); require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)'], { stdio: "ignore", detached: true }).unref();`;

async function daemonPid(pidFile: string): Promise<number> {
  return waitFor(() => {
    try {
      return Number(readFileSync(pidFile, "utf8")) || 0;
    } catch {
      return 0;
    }
  }, "the daemon's pid");
}

test("an app that double-forks a daemon (setsid, parent gone at once) and keeps running: stop kills the daemon too", async (t) => {
  const pidFile = join(tempDir(t), "daemon.pid");
  const script = `${daemonize(pidFile)}
    import net from "node:net";
    net.createServer().listen(Number(process.env.PORT), "127.0.0.1");`;
  const server = await app("server", { command: node(script), stopTimeout: 300 });
  // No periodic tracking during the test: only what zoo finds when it stops counts.
  const { supervisor } = supervise(t, [server], undefined, 60_000);
  await supervisor.start();
  await waitState(supervisor, "server", "ready");
  const daemon = await daemonPid(pidFile);
  t.after(() => {
    try {
      process.kill(daemon, "SIGKILL");
    } catch {}
  });
  await supervisor.stop();
  assert.equal(pidAlive(daemon), false, "the daemon was left behind");
});

test("an app that double-forks a daemon and exits: the daemon is killed when the app's run ends", async (t) => {
  const pidFile = join(tempDir(t), "daemon.pid");
  const script = `${daemonize(pidFile)}
    import { existsSync } from "node:fs";
    const wait = setInterval(() => existsSync(${JSON.stringify(pidFile)}) && (clearInterval(wait), process.exit(0)), 5);`;
  const oneshot = await app("oneshot", { command: node(script), port: undefined, health: { kind: "none" }, restart: "never", stopTimeout: 300 });
  const { supervisor } = supervise(t, [oneshot], undefined, 60_000);
  await supervisor.start();
  const daemon = await daemonPid(pidFile);
  t.after(() => {
    try {
      process.kill(daemon, "SIGKILL");
    } catch {}
  });
  await waitState(supervisor, "oneshot", "stopped");
  await waitFor(() => !pidAlive(daemon), "the daemon to be killed", 3000);
});

test("an app that exits by itself while zoo stops it (restart always) is not restarted", async (t) => {
  const script = `
    import net from "node:net";
    process.on("SIGTERM", () => setTimeout(() => process.exit(1), 100));
    net.createServer().listen(Number(process.env.PORT), "127.0.0.1");`;
  const flaky = await app("flaky", { command: node(script) });
  const { supervisor, events } = supervise(t, [flaky]);
  await supervisor.start();
  await waitState(supervisor, "flaky", "ready");
  await supervisor.stop();
  assert.deepEqual(statesOf(events, "flaky"), ["starting", "ready", "stopping", "stopped"]);
  assert.equal(supervisor.snapshot()[0].reason, "exited with code 1");
});

/** The real zoo CLI on a one-app config; killed after the test whatever happens. */
async function zooWith(t: TestContext, appConfig: Record<string, unknown>) {
  const { file } = tempConfig({ apps: { app: appConfig }, routes: { "/": "app" } });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"]);
  t.after(() => stopZoo(zoo));
  return zoo;
}

test("zoo CLI: SIGTERM while the app is still starting stops it at once and exits 0", async (t) => {
  const zoo = await zooWith(t, { command: [NODE, join(FIXTURES, "server.js")], env: { LISTEN_DELAY_MS: "60000" }, stopTimeout: "5s" });
  await zoo.waitFor(/app: starting \(pid \d+\)/);
  const tree = descendantsOf(zoo.child.pid!);
  assert.ok(tree.length >= 1);
  const started = Date.now();
  zoo.child.kill("SIGTERM");
  const { code } = await zoo.exited;
  assert.equal(code, 0, zoo.output());
  assert.ok(Date.now() - started < 4000, "stopped without waiting for stopTimeout");
  assert.deepEqual(tree.filter(isAlive), []);
  assert.doesNotMatch(zoo.output(), /app: ready/);
});

test("zoo CLI: SIGTERM while the app waits in backoff cancels the restart and exits 0 at once", async (t) => {
  const zoo = await zooWith(t, { command: [NODE, join(FIXTURES, "exit.js")], backoff: { initial: "30s", max: "30s" } });
  await zoo.waitFor(/app: exited with code 1; restarting in/);
  const started = Date.now();
  zoo.child.kill("SIGTERM");
  const { code } = await zoo.exited;
  assert.equal(code, 0, zoo.output());
  assert.ok(Date.now() - started < 4000);
  assert.equal(zoo.output().match(/app: starting/g)?.length, 1, "not restarted");
});

test("zoo CLI: SIGTERM as soon as zoo listens (the app is being launched) exits 0 and leaves no app process", async (t) => {
  const marker = `marker-${Math.random()}`;
  const zoo = await zooWith(t, { command: [NODE, join(FIXTURES, "server.js"), marker] });
  await zoo.waitFor(/listening on http/);
  zoo.child.kill("SIGTERM");
  const { code } = await zoo.exited;
  assert.equal(code, 0, zoo.output());
  assert.deepEqual(processesWith(`${NODE} ${join(FIXTURES, "server.js")} ${marker}`), [], zoo.output());
});

test("killAll (a second SIGTERM) while a restart waits for a crashed run's stubborn child: the child is SIGKILLed at once", async (t) => {
  // The app leaves a child that ignores SIGTERM and crashes: zoo SIGTERMs the child and, its backoff over,
  // the restart waits for it for up to stopTimeout. A second SIGTERM must not wait that long.
  const script = `
    import { spawn } from "node:child_process";
    const child = spawn(process.execPath, ["-e", 'process.on("SIGTERM", () => {}); console.log("armed"); setInterval(() => {}, 1000)'], { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.once("data", () => { console.log("child " + child.pid); process.exit(1); });`;
  const crasher = await app("crasher", { command: node(script), port: undefined, health: { kind: "none" }, stopTimeout: 8000, backoff: { initial: 10, max: 10, resetAfter: 30_000 } });
  const { supervisor, log } = supervise(t, [crasher]);
  await supervisor.start();
  const line = await waitFor(() => linesOf(log.records.lines, "crasher").find((l) => l.startsWith("child ")), "the child's pid");
  const child = Number(line.split(" ")[1]);
  t.after(() => {
    try {
      process.kill(child, "SIGKILL");
    } catch {}
  });
  await waitState(supervisor, "crasher", "backoff");
  // The backoff timer (10ms ± 20%) has fired: the restart now waits for the child.
  const backoffOver = Date.now() + 100;
  await waitFor(() => Date.now() > backoffOver, "the backoff delay to pass");
  assert.ok(pidAlive(child), "the child ignored SIGTERM");
  const started = Date.now();
  void supervisor.stop();
  await supervisor.killAll();
  assert.ok(Date.now() - started < 2000, `killAll took ${Date.now() - started}ms`);
  assert.equal(pidAlive(child), false);
  assert.equal(supervisor.snapshot()[0].state, "stopped");
});

test("zoo CLI: when whoever reads zoo's output goes away (EPIPE), zoo keeps supervising and still stops cleanly", async (t) => {
  const marker = `chatty-${Math.random()}`;
  const script = `process.stdout.on("error", () => {}); setInterval(() => console.log("tick"), 20); // ${marker}`;
  const zoo = await zooWith(t, { command: [NODE, "-e", script], health: false });
  await zoo.waitFor(/app\\s*\\| tick/);
  const appProcess = `${NODE} -e ${script}`;
  assert.equal(processesWith(appProcess).length, 1);
  // The reader of zoo's stdout and stderr is gone: every later write fails with EPIPE.
  zoo.child.stdout!.destroy();
  zoo.child.stderr!.destroy();
  let exited = false;
  void zoo.exited.then(() => (exited = true));
  const until = Date.now() + 300; // ~15 ticks, each a write to the broken pipe
  await waitFor(() => exited || Date.now() > until, "some writes to the broken pipe");
  assert.equal(exited, false, "zoo crashed");
  zoo.child.kill("SIGTERM");
  const { code } = await zoo.exited;
  assert.equal(code, 0);
  assert.deepEqual(processesWith(appProcess), [], "the app was left behind");
});

test("stop while an exec probe hangs (long timeout): the probe's process is killed with the app, not left to its timer", async (t) => {
  const marker = `6${Math.floor(Math.random() * 1e6)}`;
  const slow = await app("slow", {
    script: "idle.js",
    health: { kind: "exec", command: ["sleep", marker], timeout: 20_000, interval: 5000, startTimeout: 60_000, failures: 3 },
  });
  const { supervisor } = supervise(t, [slow]);
  t.after(() => {
    for (const pid of processesWith(`sleep ${marker}`)) process.kill(pid, "SIGKILL");
  });
  await supervisor.start();
  await waitFor(() => processesWith(`sleep ${marker}`).length === 1, "the probe to run");
  await supervisor.stop();
  // zoo exits right after stop(): the probe must have been sent its SIGKILL by now (it takes the kernel a moment).
  await waitFor(() => processesWith(`sleep ${marker}`).length === 0, "the probe to be killed (not 20s later)", 2000);
});

test("zoo CLI: a second SIGTERM right after the first, while an app ignoring SIGTERM starts: exit 143 at once, nothing left", async (t) => {
  const marker = `twice-${Math.random()}`;
  const zoo = await zooWith(t, { command: [NODE, join(FIXTURES, "server.js"), marker], env: { IGNORE_TERM: "1", LISTEN_DELAY_MS: "60000" }, stopTimeout: "30s" });
  await zoo.waitFor(/app: starting \(pid \d+\)/);
  const started = Date.now();
  zoo.child.kill("SIGTERM");
  // Two signals sent in the same instant merge into one in the kernel: send the second once the first landed.
  await zoo.waitFor(/SIGTERM received/);
  zoo.child.kill("SIGTERM");
  const { code } = await zoo.exited;
  assert.equal(code, 143, zoo.output());
  assert.ok(Date.now() - started < 5000, "did not wait for stopTimeout");
  assert.deepEqual(processesWith(`${NODE} ${join(FIXTURES, "server.js")} ${marker}`), []);
});
