// A/B of zoo's upstream client for app requests, inside zoo: two zoos from bench/zoo.bench.json, one with
// ZOO_APP_CLIENT=http-proxy-3 (the default) and one with ZOO_APP_CLIENT=undici, each with its own upstream app,
// measured in alternating rounds with wrk -t1 -c10. Per run: req/s and zoo's CPU µs per request (utime+stime of
// the zoo process from /proc/PID/stat over the run ÷ requests); then 1 MiB responses (MB/s). Prints medians and
// the undici ÷ http-proxy-3 ratios.
//   node bench/app-client.ts [--rounds 5] [--seconds 3]
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";

const REPO = join(dirname(new URL(import.meta.url).pathname), "..");
const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" }, seconds: { type: "string", default: "3" } } });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const CLIENTS = ["http-proxy-3", "undici"] as const;
const TICK_US = 1e6 / Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
}

async function startZoo(client: string): Promise<{ child: ChildProcess; url: string }> {
  const [port, upstreamPort] = [await freePort(), await freePort()];
  const env = { ...process.env, ZOO_APP_CLIENT: client, BENCH_UPSTREAM_PORT: String(upstreamPort), PATH: `${join(REPO, "node_modules/.bin")}:${process.env.PATH}` };
  const args = [join(REPO, "src/cli.ts"), "start", "--config", join(REPO, "bench/zoo.bench.json"), "--listen", `127.0.0.1:${port}`];
  const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 1800; i++) {
    try {
      if ((await fetch(`${url}/node/small`)).status === 200) return { child, url };
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`zoo with ${client} did not answer within 180 s`);
}

function wrk(url: string, secs: number): { requests: number; reqPerSec: number; bytesPerSec: number } {
  const out = execFileSync("wrk", ["-t1", "-c10", `-d${secs}s`, url]).toString();
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const reqPerSec = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const [, amount = "0", unit = "B"] = /Transfer\/sec:\s+([\d.]+)(\w+)/.exec(out) ?? [];
  const scale: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
  return { requests, reqPerSec, bytesPerSec: Number(amount) * (scale[unit] ?? 1) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const zoos = Object.fromEntries(await Promise.all(CLIENTS.map(async (c) => [c, await startZoo(c)] as const)));
const results: Record<string, { rps: number[]; cpu: number[]; mbps: number[] }> = {};
try {
  for (const c of CLIENTS) {
    wrk(`${zoos[c].url}/node/small`, 1);
    results[c] = { rps: [], cpu: [], mbps: [] };
  }
  for (let round = 0; round < rounds; round++) {
    for (const c of round % 2 === 0 ? CLIENTS : [...CLIENTS].reverse()) {
      const pid = zoos[c].child.pid!;
      const before = cpuTicks(pid);
      const run = wrk(`${zoos[c].url}/node/small`, seconds);
      const cpuUs = ((cpuTicks(pid) - before) * TICK_US) / run.requests;
      const big = wrk(`${zoos[c].url}/node/1m`, Math.max(1, Math.round(seconds / 2)));
      results[c].rps.push(run.reqPerSec);
      results[c].cpu.push(cpuUs);
      results[c].mbps.push(big.bytesPerSec / 1e6);
      console.log(`round ${round + 1} ${c}: ${run.reqPerSec.toFixed(0)} req/s, ${cpuUs.toFixed(0)} CPU µs/request, 1 MiB ${(big.bytesPerSec / 1e6).toFixed(0)} MB/s`);
    }
  }
} finally {
  for (const c of CLIENTS) zoos[c].child.kill("SIGTERM");
}
const [a, b] = CLIENTS.map((c) => ({ rps: median(results[c].rps), cpu: median(results[c].cpu), mbps: median(results[c].mbps) }));
console.log(`\nmedians of ${rounds} rounds (wrk -t1 -c10, ${seconds} s small GETs, load average ${execFileSync("cat", ["/proc/loadavg"]).toString().split(" ")[0]}):`);
console.log("| app client | req/s | CPU µs/request | 1 MiB MB/s |\n|---|--:|--:|--:|");
console.log(`| http-proxy-3 | ${a.rps.toFixed(0)} | ${a.cpu.toFixed(0)} | ${a.mbps.toFixed(0)} |`);
console.log(`| undici | ${b.rps.toFixed(0)} | ${b.cpu.toFixed(0)} | ${b.mbps.toFixed(0)} |`);
console.log(`| undici ÷ http-proxy-3 | ${(b.rps / a.rps).toFixed(2)}× | ${(b.cpu / a.cpu).toFixed(2)}× | ${(b.mbps / a.mbps).toFixed(2)}× |`);
