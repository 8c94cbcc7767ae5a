import assert from "node:assert/strict";
import { test } from "node:test";
import { interpolate } from "../../src/config/interpolate.ts";
import { splitWords } from "../../src/config/words.ts";

test("splitWords splits like a shell without running one", () => {
  const words = (s: string) => {
    const result = splitWords(s);
    assert.ok(result.ok, s);
    return result.words;
  };
  assert.deepEqual(words("uvicorn main:app --port 9000"), ["uvicorn", "main:app", "--port", "9000"]);
  assert.deepEqual(words("  a \t b\n c  "), ["a", "b", "c"]);
  assert.deepEqual(words(`sh -c 'echo "$HOME" a\\b'`), ["sh", "-c", 'echo "$HOME" a\\b']);
  assert.deepEqual(words(`echo "a \\"b\\" \\$c \\x"`), ["echo", 'a "b" $c \\x']);
  assert.deepEqual(words(`a''b "" ''`), ["ab", "", ""]);
  assert.deepEqual(words(`a\\ b c\\'d`), ["a b", "c'd"]);
  assert.deepEqual(words("echo $X | cat > out"), ["echo", "$X", "|", "cat", ">", "out"], "no shell operators");
});

test("splitWords rejects what it cannot split", () => {
  assert.deepEqual(splitWords("a 'b"), { ok: false, error: "unclosed single quote" });
  assert.deepEqual(splitWords('a "b'), { ok: false, error: "unclosed double quote" });
  assert.deepEqual(splitWords("a\\"), { ok: false, error: "a trailing backslash escapes nothing" });
  assert.deepEqual(splitWords("   "), { ok: false, error: "expected at least one word" });
});

test("interpolate replaces variables in strings at any depth and leaves other values alone", () => {
  const { value, problems } = interpolate(
    { a: "${X}", b: ["${Y:-y}", 1, true, null], c: { d: "x${X}x$${X}${Z:-}" } },
    { X: "1" },
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(value, { a: "1", b: ["y", 1, true, null], c: { d: "x1x${X}" } });
});

test("interpolate reports each unset variable with its path", () => {
  const { problems } = interpolate({ apps: { web: { env: { A: "${A}", B: "${B}" } } } }, {});
  assert.deepEqual(
    problems.map((p) => [p.code, p.path.join("."), p.message]),
    [
      ["ZOO_ERR_CONFIG_UNSET_VARIABLE", "apps.web.env.A", "variable ${A} is not set and has no default (set it, or write ${A:-default})"],
      ["ZOO_ERR_CONFIG_UNSET_VARIABLE", "apps.web.env.B", "variable ${B} is not set and has no default (set it, or write ${B:-default})"],
    ],
  );
});
