// Run the zoo CLI once as a child process; collect its exit code and output.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { CLI, ROOT } from "./zoo-process.ts";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runZoo(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<Run> {
  // The test runner's own ZOO_CONFIG or PORT must not leak into the runs.
  const env: NodeJS.ProcessEnv = { ...process.env, ZOO_CONFIG: undefined, PORT: undefined, NO_COLOR: "1", ...options.env };
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** A temporary project directory with these files (and a package.json, so the config search stops there). */
export function project(t: TestContext, files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "zoo-project-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(path.join(root, "package.json"), "{}");
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
  return root;
}
