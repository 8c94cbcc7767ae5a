// Starts test/proxy/helpers/serve.ts as a child process and waits for its port.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import type { Route } from "../../../src/config/types.ts";

const SERVE = fileURLToPath(new URL("./serve.ts", import.meta.url));

export async function serveInProcess(
  t: TestContext,
  config: { routes: Route[]; apps?: Record<string, { port: number }> },
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [SERVE, JSON.stringify(config)], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  });
  let output = "";
  for await (const chunk of child.stdout!) {
    output += chunk;
    if (output.includes("\n")) break;
  }
  const { port } = JSON.parse(output) as { port: number };
  return { child, port };
}

/** Resident set size of a live process, in bytes (from /proc). */
export async function rss(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb[1]) * 1024;
}
