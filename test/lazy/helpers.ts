// The real zoo with scale-to-zero apps made from test/lazy/app.js, and small clients for it.
import { Writable } from "node:stream";
import type { TestContext } from "node:test";
import { join } from "node:path";
import { health, status } from "../../src/admin/client.ts";
import { listeningPort, startZoo, stopZoo, tempConfig, type ZooProcess } from "../helpers/zoo-process.ts";

export const APP = join(import.meta.dirname, "app.js");

export interface LazyZoo extends ZooProcess {
  port: number;
  origin: string;
  /** `zoo status` as the CLI prints it. */
  status(): Promise<string>;
  /** `zoo health`: its exit code and what it printed. */
  health(): Promise<{ code: number; text: string }>;
  /** How many times `pattern` occurs in zoo's output so far. */
  count(pattern: RegExp): number;
}

/** An app entry running test/lazy/app.js with short stop timeouts. */
export function app(over: Record<string, unknown> = {}, env: Record<string, string> = {}) {
  return { command: [process.execPath, APP], stopTimeout: "2s", env, ...over };
}

/** Starts zoo on a free port with these apps and routes; stopped with SIGTERM (then SIGKILL) after the test. */
export async function lazyZoo(t: TestContext, config: Record<string, unknown>): Promise<LazyZoo> {
  const { file } = tempConfig({ logFormat: "text", ...config });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"]);
  t.after(() => stopZoo(zoo));
  const port = await listeningPort(zoo);
  const listen = `127.0.0.1:${port}`;
  return {
    ...zoo,
    port,
    origin: `http://${listen}`,
    async status() {
      let text = "";
      const out = new Writable({ write: (chunk, _enc, done) => ((text += chunk), done()) });
      const code = await status({ configPath: file, listen, out, err: out });
      if (code !== 0) throw new Error(`zoo status exited ${code}: ${text}`);
      return text;
    },
    async health() {
      let text = "";
      const out = new Writable({ write: (chunk, _enc, done) => ((text += chunk), done()) });
      const code = await health({ configPath: file, listen, out, err: out });
      return { code, text };
    },
    count: (pattern) => zoo.output().match(new RegExp(pattern.source, "g"))?.length ?? 0,
  };
}

export async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** The row of `app` in `zoo status`'s table, split into its columns. */
export function statusRow(table: string, app: string): string[] {
  const lines = table.split("\n");
  const header = lines.find((line) => line.startsWith("APP"))!;
  const row = lines.find((line) => line.startsWith(`${app} `) || line.startsWith(`${app}*`))!;
  // Columns start where the header's names start.
  const starts = [...header.matchAll(/\S+( \S+)*/g)].map((m) => m.index!);
  return starts.map((start, i) => row.slice(start, starts[i + 1]).trim());
}
