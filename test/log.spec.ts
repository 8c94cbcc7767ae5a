// zoo's output: aligned, labelled text lines, or one JSON object per line; colour only on a TTY without NO_COLOR.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { createLogger } from "../src/log.ts";

function capture(isTTY = false) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let text = "";
  stream.on("data", (chunk) => (text += chunk));
  return { stream, text: () => text };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test("text: every line carries its app's name, padded to the longest name", async () => {
  const out = capture();
  const err = capture();
  const log = createLogger({ names: ["zoo", "python", "go"], stdout: out.stream, stderr: err.stream, color: false });
  log.app("go", "stdout", "listening");
  log.app("python", "stderr", "Traceback");
  log.zoo("info", "go: ready in 40ms");
  log.zoo("warn", "careful");
  log.access({ method: "GET", path: "/go/x?q=1", route: "/go", status: 200, bytes: 12, durationMs: 1.25 });
  await nextTurn();
  assert.equal(out.text(), "go     | listening\nzoo    | go: ready in 40ms\nzoo    | GET /go/x?q=1 → /go 200 12B 1.3ms\n");
  assert.equal(err.text(), "python | Traceback\nzoo    | careful\n");
});

test("json: one record a line for every kind: time, app, instance, stream, level, msg", async () => {
  const out = capture();
  const err = capture();
  const log = createLogger({ format: "json", names: ["web"], stdout: out.stream, stderr: err.stream, appOf: (name) => name.replace(/\.\d+$/, "") });
  log.app("web", "stdout", 'a "quoted" line');
  log.app("web.1", "stderr", "from a replica");
  log.zoo("error", "web: failed", { app: "web", exitCode: 3 });
  log.zoo("warn", "careful");
  log.access({ method: "GET", path: "/", route: "/", status: 503, bytes: 40, durationMs: 2 });
  await nextTurn();
  const [appLine, accessLine] = out.text().trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual({ ...appLine, time: undefined }, { time: undefined, app: "web", stream: "stdout", msg: 'a "quoted" line' });
  assert.ok(!Number.isNaN(Date.parse(appLine.time)));
  assert.deepEqual({ ...accessLine, time: undefined }, { time: undefined, app: "zoo", stream: "zoo", level: "info", msg: "GET / → / 503 40B 2.0ms", type: "access", method: "GET", path: "/", route: "/", status: 503, bytes: 40, durationMs: 2 });
  const [replicaLine, failed, careful] = err.text().trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual({ ...replicaLine, time: undefined }, { time: undefined, app: "web", instance: "web.1", stream: "stderr", msg: "from a replica" });
  assert.deepEqual({ ...failed, time: undefined }, { time: undefined, app: "web", stream: "zoo", level: "error", msg: "web: failed", exitCode: 3 });
  assert.deepEqual({ ...careful, time: undefined }, { time: undefined, app: "zoo", stream: "zoo", level: "warn", msg: "careful" });
});

test("text: a multi-line message of zoo's keeps its prefix on every line", () => {
  const err = capture();
  createLogger({ names: ["zoo", "python"], stderr: err.stream, color: false }).zoo("error", "reload refused: invalid config x.json (2 problems):\n  apps.a.port: expected a port\n  routes: bad");
  assert.equal(err.text(), "zoo    | reload refused: invalid config x.json (2 problems):\nzoo    |   apps.a.port: expected a port\nzoo    |   routes: bad\n");
});

test("access lines show the request ID, in text and in JSON", async () => {
  const text = capture();
  createLogger({ names: ["web"], stdout: text.stream, color: false }).access({
    method: "GET", path: "/x", route: "/", status: 200, bytes: 5, durationMs: 1, requestId: "3b0f6c1e-id",
  });
  const json = capture();
  createLogger({ format: "json", stdout: json.stream }).access({ method: "GET", path: "/x", route: "/", status: 200, bytes: 5, durationMs: 1, requestId: "3b0f6c1e-id" });
  await nextTurn();
  assert.equal(text.text(), "zoo | GET /x → / 200 5B 1.0ms id=3b0f6c1e-id\n");
  assert.equal(JSON.parse(json.text()).requestId, "3b0f6c1e-id");
});

test("access lines are written together once per turn of the event loop, and before any other line", async () => {
  const out = capture();
  let writes = 0;
  out.stream.on("data", () => writes++);
  const log = createLogger({ names: ["web"], stdout: out.stream, color: false });
  for (const path of ["/a", "/b", "/c"]) log.access({ method: "GET", path, route: "/", status: 200, bytes: 1, durationMs: 1 });
  assert.equal(out.text(), "", "nothing written yet in this turn");
  await nextTurn();
  assert.equal(writes, 1);
  assert.equal(out.text().split("\n").length - 1, 3);

  log.access({ method: "GET", path: "/d", route: "/", status: 200, bytes: 1, durationMs: 1 });
  log.app("web", "stdout", "after /d");
  assert.match(out.text(), /GET \/d → \/ 200 1B 1\.0ms\nweb \| after \/d\n$/, "an app line first writes the access lines before it");
});

test("colour by default only on a TTY, and never with NO_COLOR", (t) => {
  const saved = process.env.NO_COLOR;
  t.after(() => (saved === undefined ? delete process.env.NO_COLOR : (process.env.NO_COLOR = saved)));
  const ESC = "\u001b[";

  delete process.env.NO_COLOR;
  const tty = capture(true);
  createLogger({ names: ["web"], stdout: tty.stream }).app("web", "stdout", "hi");
  assert.ok(tty.text().includes(ESC), "coloured on a TTY");

  const pipe = capture(false);
  createLogger({ names: ["web"], stdout: pipe.stream }).app("web", "stdout", "hi");
  assert.ok(!pipe.text().includes(ESC), "plain when not a TTY");

  process.env.NO_COLOR = "1";
  const noColor = capture(true);
  createLogger({ names: ["web"], stdout: noColor.stream }).app("web", "stdout", "hi");
  assert.equal(noColor.text(), "web | hi\n");
});
