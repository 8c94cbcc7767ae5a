// What the control socket reports. Shaped by the supervisor's AppStatus, without importing it.
export interface AppStatusView {
  name: string;
  state: string;
  pid?: number;
  port?: number;
  restarts: number;
  startedAt?: number;
  readyAt?: number;
  lastExit?: { code: number | null; signal: string | null; at: number };
  health?: string;
  reason?: string;
  essential: boolean;
  lazy?: boolean;
}

export interface ControlStatus {
  listening: boolean;
  listen: { host: string; port: number };
  apps: AppStatusView[];
}
