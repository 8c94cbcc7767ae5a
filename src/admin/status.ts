// What the control socket reports: the supervisor's view of every app, plus what main knows about the proxy.
import type { AppStatus } from "../supervisor/index.ts";

/**
 * lazy and idleTimeout come from the config: they say whether the app can sleep. cpuSeconds (the current run's
 * process tree) and memoryBytes (its resident memory) are read from /proc when the status is asked for.
 */
export type AppStatusView = AppStatus & { lazy?: boolean; idleTimeout?: number; cpuSeconds?: number; memoryBytes?: number };

/** zoo's own process: what it costs beside its apps (a PID 1 that users pay for in every container). */
export interface ZooProcessStatus {
  pid: number;
  /** Resident set size (RSS) of the zoo process alone, not its apps. */
  memoryBytes: number;
  /** V8's heap in use and committed, and memory held outside it (Buffers): where zoo's own memory is. */
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  /** User + system CPU time of the zoo process since it started. */
  cpuSeconds: number;
}

export interface ControlStatus {
  listening: boolean;
  listen: { host: string; port: number };
  /** Absent when asked of a zoo that predates it. */
  zoo?: ZooProcessStatus;
  apps: AppStatusView[];
}

/** The figures for this process, read when the status is asked for. */
export function zooProcessStatus(): ZooProcessStatus {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    pid: process.pid,
    memoryBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    externalBytes: memory.external,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}
