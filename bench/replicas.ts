// A CPU-bound app (bench/cpu-app.ts: about 1 ms of synchronous work per request) behind zoo at `replicas: 1` and
// `replicas: 2`, side by side in one run: two zoos, the same app and work count, wrk alternating between them.
// Reports each one's req/s and the ratio 2 ÷ 1.
//   node bench/replicas.ts [--seconds N] [--rounds N]      (also `npm run bench -- --only replicas`)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { calibrate } from "./cpu-app.ts";
import { BENCH_DIR, spawnZoo } from "./contenders.ts";
import { failedRequests, requestsPerSecond, runWrk } from "./load.ts";
import { cpuMicros, httpGet, killAllStarted, pollUntil, type Running } from "./proc.ts";
import { median } from "./median.ts";

const CONNECTIONS = 20;

export interface ReplicasRow {
  replicas: number;
  rps: number[];
  p50Ms: number[];
  p99Ms: number[];
  /** CPU per request: zoo's, and the replicas' together (the app's work plus its HTTP). */
  zooCpuUs: number[];
  appCpuUs: number[];
  errors: number;
}

export interface ReplicasResult {
  iterations: number;
  /** What one request's work took in the calibration (ms): the fastest of several timings in the bench's process. */
  workMs: number;
  rows: ReplicasRow[];
  /** median req/s at 2 replicas ÷ median req/s at 1. */
  ratio: number | undefined;
  /** The 1-minute load average before and after: above the core count, other work shared the cores too. */
  load: { start: number; end: number };
  failures: string[];
}

interface CpuZoo {
  replicas: number;
  origin: string;
  proc: Running;
  /** The replicas' pids, seen through zoo. */
  appPids: number[];
}

async function startCpuZoo(tmp: string, replicas: number, iterations: number): Promise<CpuZoo> {
  const configPath = join(tmp, `zoo-replicas-${replicas}.json`);
  const app = { command: ["node", "cpu-app.ts"], cwd: BENCH_DIR, replicas, env: { WORK_ITERATIONS: String(iterations) } };
  writeFileSync(configPath, JSON.stringify({ apps: { cpu: app }, routes: { "/": "cpu" }, accessLog: false }));
  const { proc, origin } = await spawnZoo({ configPath, tmp, logName: `zoo-replicas-${replicas}.log` });
  // Ready when every replica has answered through zoo (round robin spreads sequential requests over them).
  const seen = new Set<number>();
  try {
    await pollUntil(
      `${origin}/info from ${replicas} replica(s)`,
      async () => {
        const res = await httpGet(`${origin}/info`, 2000);
        if (res.status === 200) seen.add((JSON.parse(res.body) as { pid: number }).pid);
        return seen.size === replicas ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 5, exited: proc.exited },
    );
  } catch (error) {
    await proc.stop(3000);
    throw error;
  }
  return { replicas, origin, proc, appPids: [...seen] };
}

export async function runReplicasBench(options: { tmp: string; seconds: number; rounds: number; log: (line: string) => void }): Promise<ReplicasResult & { markdown: string }> {
  const { tmp, seconds, rounds, log } = options;
  const load = { start: loadavg()[0], end: 0 };
  const { iterations, ms: workMs } = calibrate(1);
  log(`[replicas] work per request: ${iterations} PBKDF2 iterations, ${workMs.toFixed(2)} ms here at best`);
  const zoos: CpuZoo[] = [];
  const rows: ReplicasRow[] = [];
  const failures: string[] = [];
  try {
    for (const replicas of [1, 2]) {
      zoos.push(await startCpuZoo(tmp, replicas, iterations));
      rows.push({ replicas, rps: [], p50Ms: [], p99Ms: [], zooCpuUs: [], appCpuUs: [], errors: 0 });
    }
    for (const zoo of zoos) await runWrk({ url: `${zoo.origin}/`, connections: CONNECTIONS, seconds: 1 }); // warm-up
    for (let round = 1; round <= rounds; round++) {
      for (const [i, zoo] of zoos.entries()) {
        const row = rows[i];
        const zooBefore = cpuMicros([zoo.proc.pid]);
        const appBefore = cpuMicros(zoo.appPids);
        const r = await runWrk({ url: `${zoo.origin}/`, connections: CONNECTIONS, seconds });
        const rps = requestsPerSecond(r);
        row.rps.push(rps);
        row.p50Ms.push(r.latency_us.p50 / 1000);
        row.p99Ms.push(r.latency_us.p99 / 1000);
        if (r.requests > 0) {
          row.zooCpuUs.push((cpuMicros([zoo.proc.pid]) - zooBefore) / r.requests);
          row.appCpuUs.push((cpuMicros(zoo.appPids) - appBefore) / r.requests);
        }
        const failed = failedRequests(r);
        row.errors += failed;
        if (failed > 0) failures.push(`replicas ${zoo.replicas}: ${failed} of ${r.requests} requests failed`);
        log(`[replicas] round ${round}/${rounds} replicas: ${zoo.replicas}: ${Math.round(rps)} req/s, p50 ${(r.latency_us.p50 / 1000).toFixed(2)} ms, p99 ${(r.latency_us.p99 / 1000).toFixed(2)} ms`);
      }
    }
  } finally {
    for (const zoo of zoos) await zoo.proc.stop(5000);
  }
  const one = median(rows[0]?.rps);
  const two = median(rows[1]?.rps);
  const ratio = one && two ? two / one : undefined;
  load.end = loadavg()[0];
  const result: ReplicasResult = { iterations, workMs, rows, ratio, load, failures };
  return { ...result, markdown: render(result, seconds, rounds) };
}

function render(result: ReplicasResult, seconds: number, rounds: number): string {
  const cores = cpus().length;
  const cell = (values: number[], digits = 0) => (values.length ? median(values)!.toFixed(digits) : "—");
  const lines = [
    "## CPU-bound app at 1 and 2 replicas",
    "",
    `Each request does ${result.iterations} rounds of PBKDF2-SHA256 in the app, synchronously (${result.workMs.toFixed(2)} ms here at`,
    `best, timed alone): bench/cpu-app.ts behind zoo with \`replicas: 1\` and with \`replicas: 2\`, two zoos side by side.`,
    `wrk -t1, ${CONNECTIONS} connections, ${seconds} s per run, ${rounds} round(s) alternating; medians. CPU per request from /proc.`,
    "",
    "| replicas | req/s | p50 ms | p99 ms | zoo CPU µs/request | app CPU µs/request | errors |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of result.rows) {
    lines.push(`| ${row.replicas} | ${cell(row.rps)} | ${cell(row.p50Ms, 2)} | ${cell(row.p99Ms, 2)} | ${cell(row.zooCpuUs)} | ${cell(row.appCpuUs)} | ${row.errors} |`);
  }
  lines.push("");
  const ratio = result.ratio === undefined ? "not measured" : `**${result.ratio.toFixed(2)}×**`;
  lines.push(`Throughput at 2 replicas ÷ at 1: ${ratio}.`);
  // How far below 2× is measured, not assumed: the words follow the ratio.
  const below = result.ratio === undefined ? "below 2×" : result.ratio < 1.75 ? "well below 2× here" : "below 2× here";
  lines.push(
    "",
    `wrk (the load generator) and zoo (the proxy) share this machine's ${cores} cores with the replicas. At 1 replica the app's`,
    "one process is the bottleneck; at 2, the two replicas compete with zoo and wrk for the same cores (zoo's CPU per request",
    `is in the table; wrk's comes on top), so the ratio is ${below}. It shows what a second replica gains on this machine`,
    "with its load generator on board, not what it gains where cores are free.",
  );
  const { start, end } = result.load;
  const busy = Math.max(start, end) > cores ? ": other work shared the cores too, and the ratio says little" : "";
  lines.push(`Load average (1 min) ${start.toFixed(2)} before, ${end.toFixed(2)} after${busy}.`);
  return lines.join("\n") + "\n";
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { seconds: { type: "string", default: "3" }, rounds: { type: "string", default: "3" } } });
  const tmp = mkdtempSync(join(tmpdir(), "zoo-bench-replicas-"));
  const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
  try {
    const { markdown } = await runReplicasBench({ tmp, seconds: Number(values.seconds), rounds: Number(values.rounds), log });
    console.log(`\n${markdown}`);
  } finally {
    killAllStarted();
    rmSync(tmp, { recursive: true, force: true });
  }
}
