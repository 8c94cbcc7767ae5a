// A real zoo with the dashboard on, and HTTP requests to its API.
import http from "node:http";
import type { TestContext } from "node:test";
import { runZoo, type Running } from "../operate/helpers.ts";

export { app, get, pidOf } from "../operate/helpers.ts";

export interface WithDashboard extends Running {
  /** The dashboard's port. */
  dashboard: number;
}

export async function runDashboard(t: TestContext, config: Record<string, unknown>, dashboard: Record<string, unknown> = {}): Promise<WithDashboard> {
  const z = await runZoo(t, { ...config, dashboard: { listen: "127.0.0.1:0", ...dashboard } });
  const line = await z.zoo.waitFor(/dashboard on http:\/\/\S+:\d+\//, 60_000);
  return { ...z, dashboard: Number(/:(\d+)\/$/.exec(line)![1]) };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: () => any;
}

/** One request to the dashboard; a body is sent as JSON unless a content-type is given. */
export function call(port: number, method: string, path: string, options: { headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = { ...(method === "POST" && { "content-type": "application/json" }), ...options.headers };
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}
