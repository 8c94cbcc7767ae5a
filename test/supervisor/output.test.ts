// Every line of every app goes through log.app, whole: partial writes, a 1 MB line, a last line without
// a newline, stdout and stderr apart.
import assert from "node:assert/strict";
import { test } from "node:test";
import { app, supervise, waitFor, waitState } from "./helpers.ts";

test("an app's output arrives as whole lines, none split or lost", async (t) => {
  const writer = await app("writer", { script: "output.js", port: undefined, health: { kind: "none" }, restart: "never" });
  const { supervisor, log } = supervise(t, [writer]);
  await supervisor.start();
  await waitState(supervisor, "writer", "stopped");
  await waitFor(() => log.records.lines.some((l) => l.line === "no newline at the end"), "the unterminated last line");
  const stdout = log.records.lines.filter((l) => l.name === "writer" && l.stream === "stdout").map((l) => l.line);
  const stderr = log.records.lines.filter((l) => l.name === "writer" && l.stream === "stderr").map((l) => l.line);
  assert.equal(stdout.length, 4);
  assert.deepEqual(stdout.slice(0, 2), ["hello world", "second line"]);
  assert.equal(stdout[2], "x".repeat(1_000_000));
  assert.equal(stdout[3], "no newline at the end");
  assert.deepEqual(stderr, ["to stderr"]);
});

test("the app's last lines are logged before zoo's line about its exit", async (t) => {
  const writer = await app("writer", { script: "output.js", port: undefined, health: { kind: "none" }, restart: "never" });
  const order: string[] = [];
  const { supervisor, log } = supervise(t, [writer]);
  const { app: appLine, zoo } = log;
  log.app = (name, stream, line) => (order.push(`app:${line.slice(0, 20)}`), appLine(name, stream, line));
  log.zoo = (level, message, fields) => (order.push(`zoo:${message}`), zoo(level, message, fields));
  await supervisor.start();
  await waitState(supervisor, "writer", "stopped");
  assert.ok(order.indexOf("app:no newline at the e") < order.indexOf("zoo:writer: stopped (exited with code 0, restart: never)"), order.join("\n"));
});
