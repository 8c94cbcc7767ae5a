// What the control socket reports: the supervisor's view of every app, plus what main knows about the proxy.
import type { AppStatus } from "../supervisor/index.ts";

export type AppStatusView = AppStatus & { lazy?: boolean };

export interface ControlStatus {
  listening: boolean;
  listen: { host: string; port: number };
  apps: AppStatusView[];
}
