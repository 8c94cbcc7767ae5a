// Configs built to hurt: an alias bomb, nesting deeper than any stack, values the kernel cannot exec. Each is a
// config error (exit 2, naming the file) found fast and in little memory, and a spawn that fails anyway (E2BIG at
// run time) is logged and never wedges the stop path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { argMax } from "../../src/config/exec-limits.ts";
import { project, type Run } from "../helpers/run-zoo.ts";
import { CLI, ROOT, startZoo, stopZoo } from "../helpers/zoo-process.ts";

/** `zoo validate` under a deadline and a memory cap, so that a regression fails the test instead of the machine. */
function validate(dir: string, file: string, timeoutMs = 15_000): Promise<Run & { ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--max-old-space-size=512", CLI, "validate", "--config", file],
      { cwd: dir, env: { ...process.env, ZOO_CONFIG: undefined, PORT: undefined, NO_COLOR: "1" }, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr, ms: Date.now() - started }),
    );
  });
}

test("a YAML alias bomb is a config error, found in well under a second's work", async (t) => {
  // 9 levels of 9 aliases: 9^9 (387 million) strings once expanded, from under 700 bytes.
  const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let i = 1; i < 9; i++) {
    const name = String.fromCharCode(97 + i);
    const previous = `*${String.fromCharCode(96 + i)}`;
    levels.push(`${name}: &${name} [${Array(9).fill(previous).join(", ")}]`);
  }
  const bomb = `apps: {}\nx:\n${levels.map((line) => `  ${line}`).join("\n")}\n`;
  assert.ok(bomb.length < 700, `${bomb.length} bytes`);
  const dir = project(t, { "zoo.config.yaml": bomb });
  const run = await validate(dir, "zoo.config.yaml");
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, new RegExp(`${join(dir, "zoo.config.yaml")}.*invalid YAML: its aliases .* expand to more than 100`));
});

test("YAML anchors, aliases and merge keys within the bound still work", async (t) => {
  const yaml = [
    "x-app: &app",
    "  restart: on-failure",
    "  env: { MODE: prod }",
    "apps:",
    "  web: { <<: *app, command: node web.js }",
    "  api: { <<: *app, command: node api.js }",
    "routes: { /: web, /api: api }",
  ].join("\n");
  const dir = project(t, { "zoo.config.yaml": yaml });
  const run = await validate(dir, "zoo.config.yaml");
  // Only the x-app key is unknown: the merged apps themselves are valid.
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /unknown key `x-app`/);
  assert.doesNotMatch(run.stderr, /problems/);
});

test("JSON nested 200,000 deep is a config error (exit 2), not a stack overflow", async (t) => {
  const depth = 200_000;
  const dir = project(t, {});
  writeFileSync(join(dir, "zoo.config.json"), `{"apps": {}, "routes": {"/": {"app": ${"[".repeat(depth)}${"]".repeat(depth)}}}}`);
  const run = await validate(dir, "zoo.config.json");
  assert.equal(run.code, 2, run.stderr.slice(0, 2000));
  assert.match(run.stderr, new RegExp(`${join(dir, "zoo.config.json")}`));
  assert.match(run.stderr, /routes\["\/"\]\.app.*nested deeper than 100 levels/);
  assert.doesNotMatch(run.stderr, /RangeError|Maximum call stack/);
});

test("an env value or argument over the kernel's 128 KiB per string fails validate, naming the variable", async (t) => {
  const big = "x".repeat(130 * 1024);
  const dir = project(t, {
    "zoo.config.json": JSON.stringify({
      apps: {
        web: { command: "node web.js", env: { SMALL: "1", HUGE_VALUE: big } },
        api: { command: ["node", "api.js", big], envFile: "api.env" },
      },
      routes: { "/": "web", "/api": "api" },
    }),
    "api.env": `FROM_FILE=${big}\n`,
  });
  const run = await validate(dir, "zoo.config.json");
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /apps\.web\.env\.HUGE_VALUE: variable HUGE_VALUE \(as NAME=value\) is 130(\.\d)? KiB long; the kernel starts no process with an argument or variable longer than 128 KiB/);
  assert.match(run.stderr, /apps\.api\.envFile: variable FROM_FILE \(as NAME=value\) is/);
  assert.match(run.stderr, /apps\.api\.command\[2\]: word 3 of the command is/);
});

test("env and arguments that together exceed the kernel's limit fail validate", async (t) => {
  const env = Object.fromEntries(Array.from({ length: Math.ceil(argMax() / (100 * 1024)) + 1 }, (_, i) => [`PART_${i}`, "y".repeat(100 * 1024)]));
  const dir = project(t, { "zoo.config.json": JSON.stringify({ apps: { web: { command: "node web.js", env } }, routes: { "/": "web" } }) });
  const run = await validate(dir, "zoo.config.json");
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /apps\.web\.env: the command and environment take .* KiB, over the .* KiB the kernel allows/);
});

test("a spawn that fails at run time (E2BIG) is logged, and SIGTERM still stops zoo at once", async (t) => {
  // zoo's own environment fills most of what exec allows; the app's valid env tips it over only at spawn.
  const limit = argMax();
  const chunk = 100 * 1024;
  const inherited = Object.fromEntries(Array.from({ length: Math.floor((limit - 150 * 1024) / chunk) }, (_, i) => [`ZOO_TEST_FILL_${i}`, "z".repeat(chunk)]));
  const dir = project(t, {
    "zoo.config.json": JSON.stringify({
      apps: { big: { command: ["node", "-e", "setInterval(() => {}, 1000)"], env: { EXTRA_A: "a".repeat(chunk), EXTRA_B: "b".repeat(chunk), EXTRA_C: "c".repeat(chunk) }, health: false } },
      routes: { "/": "big" },
    }),
  });
  const zoo = startZoo(["start", "--config", join(dir, "zoo.config.json"), "--listen", "127.0.0.1:0"], { cwd: ROOT, env: inherited });
  t.after(() => stopZoo(zoo, 2000));
  await zoo.waitFor(/big: .*E2BIG/);
  const stopped = Date.now();
  zoo.child.kill("SIGTERM");
  const deadline = setTimeout(() => zoo.child.kill("SIGKILL"), 8000);
  const exit = await zoo.exited;
  clearTimeout(deadline);
  assert.equal(exit.signal, null, `zoo hung on SIGTERM after a failed spawn:\n${zoo.output()}`);
  assert.ok(Date.now() - stopped < 5000);
});
