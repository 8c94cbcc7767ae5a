// What the control socket reports: the supervisor's view of every app, plus what main knows about the proxy.
import type { AppStatus } from "../supervisor/index.ts";

/** lazy and idleTimeout come from the config: they say whether the app can sleep. */
export type AppStatusView = AppStatus & { lazy?: boolean; idleTimeout?: number };

export interface ControlStatus {
  listening: boolean;
  listen: { host: string; port: number };
  apps: AppStatusView[];
}
