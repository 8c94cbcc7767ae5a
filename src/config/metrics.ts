// `metrics`: where /metrics is served, resolved to host and port. It needs its own address: one that
// collides with zoo's public listener is a config error, not an EADDRINUSE at start.
import type { ConfigProblem } from "../errors.ts";
import { parseListen } from "./listen.ts";
import { MetricsSchema } from "./schema.ts";
import type { Config } from "./types.ts";

type Address = { host: string; port: number };

/** The metrics config (from a config that may have failed validation elsewhere) and its problems. */
export function resolveMetrics(raw: unknown, listen: { host: string; port: number | undefined }): { value: Config["metrics"]; problems: ConfigProblem[] } {
  if (raw === undefined) return { value: undefined, problems: [] };
  const parsed = MetricsSchema.safeParse(raw);
  if (!parsed.success) return { value: undefined, problems: [] }; // reported by the schema
  const address = parseListen(parsed.data.listen);
  if (!address.ok) return { value: undefined, problems: [] };
  const metrics = { host: address.host, port: address.port };
  if (listen.port !== undefined && collides(metrics, { host: listen.host, port: listen.port })) {
    const where = (a: Address) => `${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`;
    return {
      value: undefined,
      problems: [{
        code: "ZOO_ERR_CONFIG_PORT_CONFLICT",
        path: ["metrics", "listen"],
        message: `${where(metrics)} collides with zoo's public listen address ${where(listen as Address)}: metrics need their own port (e.g. "127.0.0.1:9464")`,
      }],
    };
  }
  return { value: { listen: metrics }, problems: [] };
}

const WILDCARDS = new Set(["", "0.0.0.0", "::", "[::]"]);
const isIp = (host: string) => /^[\d.]+$/.test(host) || host.includes(":");

/** Same port (0 is always free), and hosts that may overlap: equal, a wildcard, or a name that may resolve to the other. */
export function collides(a: Address, b: Address): boolean {
  if (a.port === 0 || a.port !== b.port) return false;
  if (a.host === b.host || WILDCARDS.has(a.host) || WILDCARDS.has(b.host)) return true;
  return !isIp(a.host) || !isIp(b.host);
}
