// Small GETs through several servers in rotating rounds of wrk (1 thread, 50 connections), so that whatever else the
// machine does falls on all of them alike. Per server: req/s and CPU µs per request (its pid, /proc/PID/stat), and
// their medians over the rounds.
import { cpuMicros } from "./proc.ts";
import { median } from "./median.ts";
import { requestsPerSecond, runWrk } from "./load.ts";

export interface RoundTarget {
  name: string;
  url: string;
  pid: number;
}

export interface RoundFigures {
  rps: number[];
  cpu: number[];
  /** Medians over the rounds. */
  medianRps: number;
  medianCpu: number;
}

const WARM_UP_SECONDS = 5;

export async function alternatingRounds(targets: RoundTarget[], rounds: number, seconds: number, log: (line: string) => void = console.log): Promise<Map<string, RoundFigures>> {
  const figures = new Map(targets.map((t) => [t.name, { rps: [] as number[], cpu: [] as number[] }]));
  // Warm-up: a Node server's first seconds under load run while V8 is still compiling (measured: 5,000 req/s in the
  // first 3-s round, 9,000 by the fourth), which made the first rounds noise.
  for (const target of targets) await runWrk({ url: target.url, connections: 50, seconds: WARM_UP_SECONDS });
  for (let round = 0; round < rounds; round++) {
    // Rotate the order, so no server always runs first.
    for (let k = 0; k < targets.length; k++) {
      const target = targets[(round + k) % targets.length];
      const before = cpuMicros([target.pid]);
      const run = await runWrk({ url: target.url, connections: 50, seconds });
      const cpu = (cpuMicros([target.pid]) - before) / Math.max(1, run.requests);
      figures.get(target.name)!.rps.push(requestsPerSecond(run));
      figures.get(target.name)!.cpu.push(cpu);
      log(`round ${round + 1} ${target.name}: ${requestsPerSecond(run).toFixed(0)} req/s, ${cpu.toFixed(0)} CPU µs/request`);
    }
  }
  return new Map([...figures].map(([name, f]) => [name, { ...f, medianRps: median(f.rps)!, medianCpu: median(f.cpu)! }]));
}
