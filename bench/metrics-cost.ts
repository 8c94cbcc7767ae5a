// The cost of metrics, against the noise between two zoos: three zoos from bench/zoo.bench.json, each with its own
// upstream — two with metrics off (A and A′, the same thing twice) and one with metrics on — measured in rotating
// rounds of wrk (1 thread, 50 connections). Per zoo: req/s and CPU µs per request (/proc/PID/stat); then the
// medians, "on ÷ off" and "A′ ÷ A": a metrics cost is only there if on ÷ off is further from 1 than A′ ÷ A.
//   node bench/metrics-cost.ts [--rounds 5] [--seconds 3]
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cpuMicros, freePort } from "./proc.ts";
import { median } from "./median.ts";
import { requestsPerSecond, runWrk } from "./load.ts";

const REPO = join(import.meta.dirname, "..");
const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" }, seconds: { type: "string", default: "3" } } });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
async function startZoo(name: string, metrics: boolean, tmp: string): Promise<{ name: string; child: ChildProcess; url: string }> {
  const config = JSON.parse(readFileSync(join(REPO, "bench/zoo.bench.json"), "utf8"));
  delete config.$schema;
  for (const app of Object.values(config.apps) as { cwd?: string }[]) app.cwd ??= join(REPO, "bench");
  if (metrics) config.metrics = { listen: `127.0.0.1:${await freePort()}` };
  const path = join(tmp, `${name}.json`);
  writeFileSync(path, JSON.stringify(config));
  const port = await freePort();
  const env = { ...process.env, BENCH_UPSTREAM_PORT: String(await freePort()), PATH: `${join(REPO, "node_modules/.bin")}:${process.env.PATH}` };
  const child = spawn(process.execPath, [join(REPO, "src/cli.ts"), "start", "--config", path, "--listen", `127.0.0.1:${port}`], { cwd: join(REPO, "bench"), env, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}/node/`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).status === 200) return { name, child, url };
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`${name} did not answer within 60 s`);
}

const tmp = mkdtempSync(join(tmpdir(), "zoo-metrics-cost-"));
const zoos = [await startZoo("A (off)", false, tmp), await startZoo("A′ (off)", false, tmp), await startZoo("on", true, tmp)];
const results = new Map(zoos.map((zoo) => [zoo.name, { rps: [] as number[], cpu: [] as number[] }]));
try {
  for (const zoo of zoos) await runWrk({ url: zoo.url, connections: 50, seconds: 1 });
  for (let round = 0; round < rounds; round++) {
    // Rotate the order, so no zoo always runs first.
    for (let k = 0; k < zoos.length; k++) {
      const zoo = zoos[(round + k) % zoos.length];
      const before = cpuMicros([zoo.child.pid!]);
      const run = await runWrk({ url: zoo.url, connections: 50, seconds });
      const requests = run.requests;
      results.get(zoo.name)!.rps.push(requestsPerSecond(run));
      results.get(zoo.name)!.cpu.push((cpuMicros([zoo.child.pid!]) - before) / requests);
      console.log(`round ${round + 1} ${zoo.name}: ${requestsPerSecond(run).toFixed(0)} req/s, ${((cpuMicros([zoo.child.pid!]) - before) / requests).toFixed(0)} CPU µs/request`);
    }
  }
} finally {
  for (const zoo of zoos) zoo.child.kill("SIGTERM");
}
const m = (name: string) => ({ rps: median(results.get(name)!.rps)!, cpu: median(results.get(name)!.cpu)! });
const [a, a2, on] = [m("A (off)"), m("A′ (off)"), m("on")];
const off = { rps: (a.rps + a2.rps) / 2, cpu: (a.cpu + a2.cpu) / 2 };
console.log(`\nmedians of ${rounds} rounds (wrk -t1 -c50, ${seconds} s):`);
console.log("| zoo | req/s | CPU µs/request |\n|---|--:|--:|");
for (const [name, r] of [["A (metrics off)", a], ["A′ (metrics off)", a2], ["metrics on", on]] as const) console.log(`| ${name} | ${r.rps.toFixed(0)} | ${r.cpu.toFixed(1)} |`);
console.log(`| A′ ÷ A (noise) | ${(a2.rps / a.rps).toFixed(3)}× | ${(a2.cpu / a.cpu).toFixed(3)}× |`);
console.log(`| on ÷ mean of A, A′ | ${(on.rps / off.rps).toFixed(3)}× | ${(on.cpu / off.cpu).toFixed(3)}× |`);
