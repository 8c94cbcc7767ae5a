import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { buildConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/types.ts";
import { ConfigError, formatConfigPath, type ConfigProblem } from "../../src/errors.ts";

export const FILE = "/srv/app/zoo.config.json";

export function build(raw: unknown, env: Record<string, string | undefined> = {}, listen?: string | number): Config {
  return buildConfig(raw, { file: FILE, env, listen });
}

/** The problems buildConfig reports for `raw`; fails the test when it does not throw a ConfigError. */
export function problemsOf(raw: unknown, env: Record<string, string | undefined> = {}, listen?: string | number): ConfigProblem[] {
  try {
    build(raw, env, listen);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    assert.ok(error.message.includes(FILE), "the report names the file");
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

export function describeProblems(problems: ConfigProblem[]): string {
  return problems.map((p) => `${formatConfigPath(p.path)}: ${p.message}`).join("\n");
}

/** A temporary directory with the given files (paths relative to it), removed after the test. */
export function tempTree(t: TestContext, files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "zoo-config-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    const full = path.join(root, name);
    mkdirSync(path.dirname(full), { recursive: true });
    if (!name.endsWith("/")) writeFileSync(full, content);
  }
  return root;
}
