// What the control socket reports: the supervisor's view of every app, plus what main knows about the proxy.
import type { AppStatus } from "../supervisor/index.ts";

/**
 * lazy and idleTimeout come from the config: they say whether the app can sleep. cpuSeconds (the current run's
 * process tree) and memoryBytes (its resident memory) are read from /proc when the status is asked for.
 */
export type AppStatusView = AppStatus & { lazy?: boolean; idleTimeout?: number; cpuSeconds?: number; memoryBytes?: number };

export interface ControlStatus {
  listening: boolean;
  listen: { host: string; port: number };
  apps: AppStatusView[];
}
