// A steady client load for the no-request-lost tests: keep-alive and new-connection GETs in parallel loops,
// counting every failure (an error or a status other than 200) until stopped.
import http from "node:http";

export interface LoadResult {
  sent: number;
  failed: number;
  /** The first few failures, for the assertion message. */
  failures: string[];
  worstMs: number;
  bodies: Set<string>;
}

export interface Load {
  stop(): Promise<LoadResult>;
  /** Resolves once at least n requests have completed. */
  reached(n: number): Promise<void>;
}

/** `workers` loops on one keep-alive agent plus `fresh` loops on new connections, each as fast as answers come. */
export function startLoad(port: number, path = "/", { workers = 4, fresh = 2 } = {}): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers });
  const result: LoadResult = { sent: 0, failed: 0, failures: [], worstMs: 0, bodies: new Set() };
  let running = true;
  const waiters: { n: number; resolve: () => void }[] = [];
  const one = (useAgent: http.Agent | false) =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const fail = (why: string) => {
        result.failed += 1;
        if (result.failures.length < 5) result.failures.push(why);
      };
      const req = http.get({ host: "127.0.0.1", port, path, agent: useAgent }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk) => (body += chunk));
        res.on("end", () => {
          if (res.statusCode !== 200) fail(`${res.statusCode} ${body.trim()}`);
          else result.bodies.add(body.trim().split(" pid ")[0]);
          done();
        });
        res.on("error", (error) => (fail(error.message), done()));
      });
      req.on("error", (error) => (fail(error.message), done()));
      req.setTimeout(10_000, () => req.destroy(new Error("no answer in 10 s")));
      const done = () => {
        result.sent += 1;
        result.worstMs = Math.max(result.worstMs, performance.now() - started);
        for (const waiter of waiters.filter((w) => result.sent >= w.n)) waiter.resolve();
        resolve();
      };
    });
  const loop = async (useAgent: http.Agent | false) => {
    while (running) await one(useAgent);
  };
  const loops = [...Array.from({ length: workers }, () => loop(agent)), ...Array.from({ length: fresh }, () => loop(false))];
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return result;
    },
    reached: (n) => new Promise((resolve) => (result.sent >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}
