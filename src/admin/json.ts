// `zoo status --json`: the documented shape (README, "zoo status --json"). Every key is always present (null when
// there is no value), times are ISO 8601 strings, so scripts need no knowledge of zoo's internals.
import type { ControlStatus, ZooProcessStatus } from "./status.ts";

export interface StatusJson {
  listening: boolean;
  listen: { host: string; port: number };
  /** zoo's own process (null when the running zoo predates this field). */
  zoo: ZooJson | null;
  apps: AppJson[];
}

/** zoo's own process, as `zoo status` reports it (status.ts). */
export type ZooJson = ZooProcessStatus;

export interface AppJson {
  name: string;
  state: string;
  reason: string | null;
  essential: boolean;
  pid: number | null;
  port: number | null;
  restarts: number;
  wakes: number;
  startedAt: string | null;
  readyAt: string | null;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
  health: string | null;
  active: number;
  lastActivity: string | null;
  cpuSeconds: number | null;
  memoryBytes: number | null;
}

const time = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function statusJson(status: ControlStatus): StatusJson {
  return {
    listening: status.listening,
    listen: { host: status.listen.host, port: status.listen.port },
    zoo: status.zoo ? { ...status.zoo } : null,
    apps: status.apps.map((app) => ({
      name: app.name,
      state: app.state,
      reason: app.reason ?? null,
      essential: app.essential,
      pid: app.pid ?? null,
      port: app.port ?? null,
      restarts: app.restarts,
      wakes: app.wakes ?? 0,
      startedAt: time(app.startedAt),
      readyAt: time(app.readyAt),
      lastExit: app.lastExit ? { code: app.lastExit.code, signal: app.lastExit.signal, at: time(app.lastExit.at)! } : null,
      health: app.health ?? null,
      active: app.active ?? 0,
      lastActivity: time(app.lastActivity),
      cpuSeconds: app.cpuSeconds ?? null,
      memoryBytes: app.memoryBytes ?? null,
    })),
  };
}
