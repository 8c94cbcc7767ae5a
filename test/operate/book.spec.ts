// The in-memory log rings behind `zoo logs`: bounded by lines and bytes, merged in time order, followed live.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LogBook, recordingLogger, type LogLine } from "../../src/logs/book.ts";
import { silentLogger } from "../../src/log.ts";

const line = (app: string, text: string, at = Date.now()): LogLine => ({ at, app, stream: "stdout", line: text });

test("each app keeps its last N lines; older ones go first", () => {
  const book = new LogBook({ lines: 3 });
  for (let i = 1; i <= 5; i++) book.record(line("a", `a${i}`, i));
  book.record(line("b", "b1", 10));
  assert.deepEqual(book.tail(["a"], 10).map((l) => l.line), ["a3", "a4", "a5"]);
  assert.deepEqual(book.tail(["a"], 2).map((l) => l.line), ["a4", "a5"]);
  assert.deepEqual(book.tail([], 10).map((l) => l.line), ["a3", "a4", "a5", "b1"], "every app, merged in time order");
});

test("a byte cap bounds a ring of long lines, keeping at least the newest line", () => {
  const book = new LogBook({ lines: 1000, bytes: 100 });
  for (let i = 0; i < 50; i++) book.record(line("a", `${i}`.padStart(30, "x")));
  const kept = book.tail(["a"], 1000);
  assert.equal(kept.length, 3, "3 lines of 30 bytes fit in 100");
  assert.equal(kept.at(-1)?.line, "49".padStart(30, "x"));
  book.record(line("a", "y".repeat(500)));
  assert.deepEqual(book.tail(["a"], 10).map((l) => l.line.length), [500], "one line larger than the cap is still kept");
});

test("follow sees later lines of the named apps only, until unsubscribed", () => {
  const book = new LogBook();
  const seen: string[] = [];
  const stop = book.follow(["a"], (entry) => seen.push(entry.line));
  book.record(line("a", "one"));
  book.record(line("b", "other"));
  stop();
  book.record(line("a", "after"));
  assert.deepEqual(seen, ["one"]);
});

test("the recording logger keeps app lines under the app's name and zoo's lines about an app", () => {
  const book = new LogBook();
  const log = recordingLogger(silentLogger, book, (name) => name.split(".")[0]);
  log.app("web.1", "stderr", "boom");
  log.zoo("info", "web: ready in 5ms", { app: "web" });
  log.zoo("info", "listening on …");
  const lines = book.tail(["web"], 10);
  assert.deepEqual(lines.map((l) => [l.instance, l.stream, l.line]), [["web.1", "stderr", "boom"], [undefined, "zoo", "web: ready in 5ms"]]);
  assert.equal(book.tail([], 10).length, 2, "zoo's lines about no app are not kept");
});
