// A real zoo with apps from test/operate/app.js, and the zoo CLI run against it.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { CLI, listeningPort, startZoo, stopZoo, tempConfig, type ZooProcess } from "../helpers/zoo-process.ts";

export const APP = join(import.meta.dirname, "app.js");

export interface Running {
  zoo: ZooProcess;
  port: number;
  file: string;
  dir: string;
  /** Runs `zoo ARGS` against this zoo. */
  cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  rewrite(config: unknown): void;
}

export function app(env: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return { command: [process.execPath, APP], env, ...extra };
}

export async function runZoo(t: TestContext, config: Record<string, unknown>, args: string[] = []): Promise<Running> {
  const { dir, file } = tempConfig({ listen: "127.0.0.1:0", drainTimeout: "3s", ...config });
  const zoo = startZoo(["start", "-c", file, ...args], { cwd: dir });
  t.after(() => stopZoo(zoo));
  const port = await listeningPort(zoo);
  // The control socket's default path comes from the port zoo listens on: name the bound one.
  const cli = (...cliArgs: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, ...cliArgs, "-c", file, "--listen", `127.0.0.1:${port}`], { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });
  return {
    zoo,
    port,
    file,
    dir,
    cli,
    rewrite: (next) => writeFileSync(file, JSON.stringify({ listen: "127.0.0.1:0", drainTimeout: "3s", ...(next as object) }, null, 2)),
  };
}

export function get(port: number, path = "/"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

/** The pid in an app's answer "<mode> pid <pid>". */
export async function pidOf(port: number, path = "/"): Promise<number> {
  const { body } = await get(port, path);
  return Number(/pid (\d+)/.exec(body)?.[1]);
}

export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
