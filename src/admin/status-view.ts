// The status a running zoo reports (zoo status, /health): each replica's state from the supervisor, its app's sleep
// settings from the running config, and its process tree's CPU and memory read from /proc when asked.
import type { Config } from "../config/types.ts";
import { readUsage } from "../metrics/proc.ts";
import type { Supervisor } from "../supervisor/index.ts";
import { zooProcessStatus, type ControlStatus } from "./status.ts";

export interface ListenerState {
  listening: boolean;
  /** With port 0 in the config, the port actually bound once listening. */
  listen: { host: string; port: number };
}

export function statusView(supervisor: Supervisor, running: () => Config, listener: ListenerState): () => ControlStatus {
  return () => ({
    listening: listener.listening,
    listen: listener.listen,
    zoo: zooProcessStatus(),
    apps: supervisor.snapshot().map((status) => {
      const app = running().apps.find((candidate) => candidate.name === supervisor.appOf(status.name));
      const usage = readUsage(supervisor.processes(status.name));
      return { ...status, lazy: app?.lazy, idleTimeout: app?.idleTimeout, cpuSeconds: usage.cpuSeconds, memoryBytes: usage.residentBytes };
    }),
  });
}
