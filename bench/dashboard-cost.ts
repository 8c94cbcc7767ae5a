// The cost of the dashboard with one page open, against the noise between two zoos: three zoos from
// bench/zoo.bench.json, each with its own upstream — two with the dashboard off (A and A′) and one with it on and a
// page's event stream open (the status, traffic and the followed app's logs every second, as a browser gets them) —
// measured in rotating rounds of wrk (1 thread, 50 connections) on the small GET. As bench/metrics-cost.ts does.
//   node bench/dashboard-cost.ts [--rounds 5] [--seconds 3]
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
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
interface Zoo {
  name: string;
  child: ChildProcess;
  url: string;
  events?: http.IncomingMessage;
}

async function startZoo(name: string, dashboard: boolean, tmp: string): Promise<Zoo> {
  const config = JSON.parse(readFileSync(join(REPO, "bench/zoo.bench.json"), "utf8"));
  delete config.$schema;
  for (const app of Object.values(config.apps) as { cwd?: string }[]) app.cwd ??= join(REPO, "bench");
  const dashboardPort = await freePort();
  if (dashboard) config.dashboard = { listen: `127.0.0.1:${dashboardPort}` };
  const path = join(tmp, `${name}.json`);
  writeFileSync(path, JSON.stringify(config));
  const port = await freePort();
  const env = { ...process.env, BENCH_UPSTREAM_PORT: String(await freePort()), PATH: `${join(REPO, "node_modules/.bin")}:${process.env.PATH}` };
  const child = spawn(process.execPath, [join(REPO, "src/cli.ts"), "start", "--config", path, "--listen", `127.0.0.1:${port}`], { cwd: join(REPO, "bench"), env, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}/node/`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).status === 200) {
        const app = Object.keys(config.apps)[0];
        const events = dashboard ? await openEvents(dashboardPort, app) : undefined;
        return { name, child, url, events };
      }
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`${name} did not answer within 60 s`);
}

/** A page's event stream, read and thrown away. */
function openEvents(port: number, app: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: `/api/events?logs=${app}`, agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`events: ${res.statusCode}`));
      res.resume();
      resolve(res);
    }).on("error", reject);
  });
}

const tmp = mkdtempSync(join(tmpdir(), "zoo-dashboard-cost-"));
const zoos = [await startZoo("A (off)", false, tmp), await startZoo("A′ (off)", false, tmp), await startZoo("on", true, tmp)];
const results = new Map(zoos.map((zoo) => [zoo.name, { rps: [] as number[], cpu: [] as number[] }]));
try {
  for (const zoo of zoos) await runWrk({ url: zoo.url, connections: 50, seconds: 1 });
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < zoos.length; k++) {
      const zoo = zoos[(round + k) % zoos.length];
      const before = cpuMicros([zoo.child.pid!]);
      const run = await runWrk({ url: zoo.url, connections: 50, seconds });
      const cpu = (cpuMicros([zoo.child.pid!]) - before) / run.requests;
      results.get(zoo.name)!.rps.push(requestsPerSecond(run));
      results.get(zoo.name)!.cpu.push(cpu);
      console.log(`round ${round + 1} ${zoo.name}: ${requestsPerSecond(run).toFixed(0)} req/s, ${cpu.toFixed(0)} CPU µs/request`);
    }
  }
} finally {
  for (const zoo of zoos) {
    zoo.events?.destroy();
    zoo.child.kill("SIGTERM");
  }
}
const m = (name: string) => ({ rps: median(results.get(name)!.rps)!, cpu: median(results.get(name)!.cpu)! });
const [a, a2, on] = [m("A (off)"), m("A′ (off)"), m("on")];
const off = { rps: (a.rps + a2.rps) / 2, cpu: (a.cpu + a2.cpu) / 2 };
console.log(`\nmedians of ${rounds} rounds (wrk -t1 -c50, ${seconds} s):`);
console.log("| zoo | req/s | CPU µs/request |\n|---|--:|--:|");
for (const [name, r] of [["A (dashboard off)", a], ["A′ (dashboard off)", a2], ["dashboard on, one page open", on]] as const) console.log(`| ${name} | ${r.rps.toFixed(0)} | ${r.cpu.toFixed(1)} |`);
console.log(`| A′ ÷ A (noise) | ${(a2.rps / a.rps).toFixed(3)}× | ${(a2.cpu / a.cpu).toFixed(3)}× |`);
console.log(`| on ÷ mean of A, A′ | ${(on.rps / off.rps).toFixed(3)}× | ${(on.cpu / off.cpu).toFixed(3)}× |`);
