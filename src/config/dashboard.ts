// `dashboard`: where the page and its API are served, resolved to host and port. Off loopback it needs a token;
// it may share the metrics listener (the very same address), never zoo's public one.
import type { ConfigProblem } from "../errors.ts";
import { isLoopback, parseListen } from "./listen.ts";
import { collides } from "./metrics.ts";
import { DashboardSchema } from "./schema.ts";
import type { Config, Listen } from "./types.ts";

/** The dashboard config (from a config that may have failed validation elsewhere) and its problems. */
export function resolveDashboard(
  raw: unknown,
  listen: { host: string; port: number | undefined },
  metrics: Config["metrics"],
): { value: Config["dashboard"]; problems: ConfigProblem[] } {
  if (raw === undefined) return { value: undefined, problems: [] };
  const parsed = DashboardSchema.safeParse(raw);
  if (!parsed.success) return { value: undefined, problems: [] }; // reported by the schema
  const address = parseListen(parsed.data.listen);
  if (!address.ok) return { value: undefined, problems: [] };
  const at = { host: address.host, port: address.port };
  const token = parsed.data.token || undefined;
  const problems: ConfigProblem[] = [];
  if (listen.port !== undefined && collides(at, { host: listen.host, port: listen.port })) {
    problems.push({
      code: "ZOO_ERR_CONFIG_PORT_CONFLICT",
      path: ["dashboard", "listen"],
      message: `${where(at)} collides with zoo's public listen address ${where({ host: listen.host, port: listen.port })}: the dashboard needs its own port (e.g. "127.0.0.1:9465")`,
    });
  }
  const metricsAt = metrics?.listen;
  if (metricsAt && collides(at, metricsAt) && !(metricsAt.host === at.host && metricsAt.port === at.port)) {
    problems.push({
      code: "ZOO_ERR_CONFIG_PORT_CONFLICT",
      path: ["dashboard", "listen"],
      message: `${where(at)} overlaps the metrics address ${where(metricsAt)}: name the very same address to share that listener, or another port`,
    });
  }
  if (!token && !isLoopback(at.host)) {
    problems.push({
      code: "ZOO_ERR_CONFIG_INVALID",
      path: ["dashboard", "token"],
      message: `the dashboard listens on ${where(at)}, which is not a loopback address: set "token" (e.g. "\${ZOO_DASHBOARD_TOKEN}") so that only those who know it can act, or listen on "127.0.0.1:${at.port}"`,
    });
  }
  return { value: problems.length > 0 ? undefined : { listen: at, token }, problems };
}

function where(a: Listen): string {
  return `${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`;
}
