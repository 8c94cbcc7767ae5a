import assert from "node:assert/strict";
import { test } from "node:test";
import { LineSplitter } from "../../src/supervisor/lines.ts";

const split = (chunks: (string | Buffer)[], max?: number) => {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), max);
  for (const chunk of chunks) splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  splitter.end();
  return lines;
};

test("a line split across chunks comes out once, whole", () => {
  assert.deepEqual(split(["hel", "lo wor", "ld\nnext", " line\n"]), ["hello world", "next line"]);
});

test("several lines in one chunk, empty lines and CRLF", () => {
  assert.deepEqual(split(["a\n\nb\r\nc\n"]), ["a", "", "b", "c"]);
});

test("a final line without a newline is flushed at the end", () => {
  assert.deepEqual(split(["one\ntwo"]), ["one", "two"]);
  assert.deepEqual(split(["one\n"]), ["one"], "no empty line after a final newline");
});

test("a multi-byte character split across chunks is not mangled", () => {
  const bytes = Buffer.from("héllo ✓\n");
  assert.deepEqual(split([bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)]), ["héllo ✓"]);
});

test("a line longer than the cap comes out in capped pieces, nothing lost", () => {
  assert.deepEqual(split(["abcdefghij\n"], 4), ["abcd", "efgh", "ij"]);
  assert.deepEqual(split(["ab", "cd", "ef\n"], 4), ["abcd", "ef"]);
  assert.deepEqual(split(["abcd\n", "efgh"], 4), ["abcd", "efgh"], "exactly the cap: no extra empty line");
  assert.deepEqual(split(["abcd", "\nx\n"], 4), ["abcd", "x"]);
});

test("the default cap is 1 MiB: a 2.5 MiB line comes out as 1 MiB, 1 MiB, 0.5 MiB", () => {
  const mib = 1024 * 1024;
  const lines = split(["y".repeat(mib * 2.5) + "\n"]);
  assert.deepEqual(lines.map((l) => l.length), [mib, mib, mib / 2]);
});
