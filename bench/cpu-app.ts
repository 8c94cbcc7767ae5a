// A CPU-bound app for the replicas bench: every request does the same synchronous work, WORK_ITERATIONS rounds of
// PBKDF2-SHA256 (about 1 ms; calibrate() finds the count on this machine), then answers.
//   /info   {"pid", "replica"} without the work
//   other   the work, then "done\n"
// PORT comes from the environment (zoo passes it), or argv[2]; WORK_ITERATIONS too (calibrated at start when absent).
import { pbkdf2Sync } from "node:crypto";
import { createServer } from "node:http";

/** One request's work: `iterations` rounds of PBKDF2-SHA256, synchronous (it holds the app's one thread). */
export function work(iterations: number): Buffer {
  return pbkdf2Sync("zoo", "replicas", iterations, 32, "sha256");
}

/**
 * The number of iterations of work() that takes about `ms` here, and what that count took: the fastest of several
 * timings (the least disturbed by other work on the machine), estimated on a small count, then checked at full size.
 */
export function calibrate(ms = 1): { iterations: number; ms: number } {
  const fastest = (iterations: number, times: number) => {
    let best = Infinity;
    for (let i = 0; i < times; i++) {
      const start = process.hrtime.bigint();
      work(iterations);
      best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
    }
    return best;
  };
  fastest(2000, 20); // warm-up
  const estimate = Math.max(1, Math.round((2000 * ms) / fastest(2000, 30)));
  const iterations = Math.max(1, Math.round((estimate * ms) / fastest(estimate, 20)));
  return { iterations, ms: fastest(iterations, 20) };
}

if (import.meta.main) {
  const port = Number(process.env.PORT ?? process.argv[2] ?? 0);
  const iterations = Number(process.env.WORK_ITERATIONS) || calibrate().iterations;
  const info = JSON.stringify({ pid: process.pid, replica: process.env.ZOO_REPLICA ?? null });
  const server = createServer((req, res) => {
    if (req.url?.endsWith("/info")) return void res.writeHead(200, { "content-type": "application/json" }).end(info);
    work(iterations);
    res.writeHead(200, { "content-type": "text/plain", "content-length": "5" }).end("done\n");
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, "127.0.0.1");
  process.on("SIGTERM", () => process.exit(0));
}
