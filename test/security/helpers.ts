// A real zoo (the CLI, as a child process) with TLS and one app, for attacks that are measured from outside:
// its open descriptors in /proc, its access log on its output.
import { readdirSync } from "node:fs";
import path from "node:path";
import { listeningPort, startZoo, stopZoo, tempConfig, type ZooProcess } from "../helpers/zoo-process.ts";
import { issue, makeCa, type TestCa } from "../tls/certs.ts";

export const APP = path.join(import.meta.dirname, "fixtures/app.ts");

export interface SecurityZoo {
  zoo: ZooProcess;
  pid: number;
  port: number;
  tlsPort: number;
  ca: TestCa;
  /** zoo's Prometheus endpoint. */
  metricsUrl: string;
}

/**
 * zoo serving one app on "/" over HTTP and HTTPS (a certificate for `names`), with `limits` when given; stopped by
 * `t.after` (a test's context, or node:test's `after` for a zoo that a whole file shares).
 */
export async function startSecurityZoo(
  t: { after(fn: () => unknown): void },
  options: { names?: string[][]; limits?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {},
): Promise<SecurityZoo> {
  const ca = makeCa();
  const certificates = (options.names ?? [["a.test"]]).map((names) => issue(ca, names));
  const { file } = tempConfig({
    listen: "127.0.0.1:0",
    apps: { web: { command: [process.execPath, APP] } },
    routes: { "/": "web" },
    tls: { listen: "127.0.0.1:0", certificates },
    metrics: { listen: "127.0.0.1:0" },
    ...(options.limits && { limits: options.limits }),
  });
  const zoo = startZoo(["start", "--config", file], { env: options.env });
  t.after(() => stopZoo(zoo));
  const port = await listeningPort(zoo);
  const tlsLine = await zoo.waitFor(/listening on https:\/\/\S+:\d+/);
  const tlsPort = Number(/:(\d+)$/.exec(tlsLine)![1]);
  const metricsLine = await zoo.waitFor(/metrics on http:\/\/\S+\/metrics/);
  const metricsUrl = /http:\/\/\S+\/metrics/.exec(metricsLine)![0];
  await zoo.waitFor(/web: ready/);
  return { zoo, pid: zoo.child.pid!, port, tlsPort, ca, metricsUrl };
}

/** How many file descriptors the process has open now. */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Lines of zoo's output (an app's lines included) that end with `text`. */
export function linesEnding(zoo: ZooProcess, text: string): number {
  return zoo.output().split("\n").filter((line) => line.endsWith(text)).length;
}

/** Waits until `count` lines of zoo's output end with `text`. */
export async function waitForLines(zoo: ZooProcess, text: string, count: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (linesEnding(zoo, text) < count) {
    if (Date.now() > deadline) throw new Error(`${linesEnding(zoo, text)} of ${count} lines ending "${text}" after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
