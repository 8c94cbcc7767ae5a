// The cost of one zoo feature, against the noise between two zoos: three zoos from bench/zoo.bench.json, each with
// its own upstream — two with the feature off (A and A′, the same thing twice) and one with it on — measured in
// rotating rounds of wrk (1 thread, 50 connections) on the small GET. Per zoo: req/s and CPU µs per request
// (/proc/PID/stat); then the medians, "on ÷ off" and "A′ ÷ A": a cost is only there if on ÷ off is further from 1
// than A′ ÷ A. Used by bench/metrics-cost.ts and bench/dashboard-cost.ts; flags --rounds N (5), --seconds N (3).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { alternatingRounds } from "./alternating.ts";
import { freePort } from "./proc.ts";

const REPO = join(import.meta.dirname, "..");

export type BenchConfig = { apps: Record<string, { cwd?: string }> } & Record<string, unknown>;

export interface FeatureCost {
  /** What the table calls the feature ("metrics", "dashboard"). */
  feature: string;
  /** The "on" row's name ("metrics on", "dashboard on, one page open"). */
  onLabel: string;
  /** Turns the feature on in the config; may return what to do once that zoo answers (and its undoing). */
  enable(config: BenchConfig): Promise<(() => Promise<() => void>) | undefined>;
}

interface Zoo {
  name: string;
  child: ChildProcess;
  url: string;
  stop?: () => void;
}

async function startZoo(name: string, cost: FeatureCost | undefined, tmp: string): Promise<Zoo> {
  const config = JSON.parse(readFileSync(join(REPO, "bench/zoo.bench.json"), "utf8")) as BenchConfig;
  delete config.$schema;
  for (const app of Object.values(config.apps)) app.cwd ??= join(REPO, "bench");
  const whenReady = cost ? await cost.enable(config) : undefined;
  const path = join(tmp, `${name}.json`);
  writeFileSync(path, JSON.stringify(config));
  const port = await freePort();
  const env = { ...process.env, BENCH_UPSTREAM_PORT: String(await freePort()), PATH: `${join(REPO, "node_modules/.bin")}:${process.env.PATH}` };
  const child = spawn(process.execPath, [join(REPO, "src/cli.ts"), "start", "--config", path, "--listen", `127.0.0.1:${port}`], { cwd: join(REPO, "bench"), env, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}/node/`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).status === 200) return { name, child, url, stop: await whenReady?.() };
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`${name} did not answer within 60 s`);
}

export async function measureFeatureCost(cost: FeatureCost): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" }, seconds: { type: "string", default: "3" } } });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const tmp = mkdtempSync(join(tmpdir(), `zoo-${cost.feature}-cost-`));
  const zoos = [await startZoo("A (off)", undefined, tmp), await startZoo("A′ (off)", undefined, tmp), await startZoo("on", cost, tmp)];
  let results;
  try {
    results = await alternatingRounds(zoos.map((zoo) => ({ name: zoo.name, url: zoo.url, pid: zoo.child.pid! })), rounds, seconds);
  } finally {
    for (const zoo of zoos) {
      zoo.stop?.();
      zoo.child.kill("SIGTERM");
    }
  }
  const m = (name: string) => ({ rps: results.get(name)!.medianRps, cpu: results.get(name)!.medianCpu });
  const [a, a2, on] = [m("A (off)"), m("A′ (off)"), m("on")];
  const off = { rps: (a.rps + a2.rps) / 2, cpu: (a.cpu + a2.cpu) / 2 };
  console.log(`\nmedians of ${rounds} rounds (wrk -t1 -c50, ${seconds} s):`);
  console.log("| zoo | req/s | CPU µs/request |\n|---|--:|--:|");
  for (const [name, r] of [[`A (${cost.feature} off)`, a], [`A′ (${cost.feature} off)`, a2], [cost.onLabel, on]] as const) console.log(`| ${name} | ${r.rps.toFixed(0)} | ${r.cpu.toFixed(1)} |`);
  console.log(`| A′ ÷ A (noise) | ${(a2.rps / a.rps).toFixed(3)}× | ${(a2.cpu / a.cpu).toFixed(3)}× |`);
  console.log(`| on ÷ mean of A, A′ | ${(on.rps / off.rps).toFixed(3)}× | ${(on.cpu / off.cpu).toFixed(3)}× |`);
}
