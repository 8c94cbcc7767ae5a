// The normalized config every other part reads, built by load.ts. No zod here: src/supervisor and src/proxy
// import these types (and only these) from src/config; schema.ts builds its enums and defaults from the
// constants below, so each value list and each default is written once.

export const SIGNALS = ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGKILL"] as const;
export type SignalName = (typeof SIGNALS)[number];

export const DEPENDENCY_CONDITIONS = ["started", "ready", "completed"] as const;
export type DependencyConditionName = (typeof DEPENDENCY_CONDITIONS)[number];

export const RESTART_MODES = ["always", "on-failure", "never"] as const;
export type RestartMode = (typeof RESTART_MODES)[number];

export const REDIRECT_STATUSES = [301, 302, 307, 308] as const;
export type RedirectStatus = (typeof REDIRECT_STATUSES)[number];

export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** When and how often a probe runs; all durations in milliseconds. */
export interface ProbeTiming {
  timeout: number;
  interval: number;
  startTimeout: number;
  /** Consecutive failed liveness probes that make zoo restart the app. */
  failures: number;
}

/** The schema's defaults for `health`, and the timing of the implicit tcp probe of an app without `health`. */
export const PROBE_DEFAULTS: Readonly<ProbeTiming> = { timeout: 1000, interval: 5000, startTimeout: 60_000, failures: 3 };

export type Probe =
  | { kind: "none" }
  | ({ kind: "tcp" } & ProbeTiming)
  | ({ kind: "http"; path: string; status?: number } & ProbeTiming)
  | ({ kind: "exec"; command: string[] } & ProbeTiming);

export interface AppConfig {
  name: string;
  /** argv; with shell: true, ["/bin/sh", "-c", command]. Empty for an app with a `url`. */
  command: string[];
  /** An app zoo fronts but does not run (`url`): zoo only probes this address and routes to it. */
  url?: { host: string; port: number };
  cwd: string;
  /**
   * The app's variables, resolved: the top-level envFile's, then the app's envFile's, then its `env`, each over
   * the one before. The process gets them over zoo's own environment, and PORT over them. Two loads of the same
   * files give equal records, so a changed record means the app's environment changed.
   */
  env: Record<string, string>;
  /** The app's fixed port; undefined: the supervisor picks a free one for each instance. */
  port: number | undefined;
  /** How many copies run, each its own process on its own port (never with a fixed port). */
  replicas: number;
  health: Probe;
  restart: RestartMode;
  backoff: { initial: number; max: number; resetAfter: number };
  crashLoop: { restarts: number; window: number };
  essential: boolean;
  dependsOn: Record<string, DependencyConditionName>;
  stopSignal: SignalName;
  stopTimeout: number;
  lazy: boolean;
  idleTimeout: number | undefined;
}

export type RouteTarget =
  | { kind: "app"; app: string; stripPrefix: boolean }
  | { kind: "redirect"; to: string; status: RedirectStatus }
  | { kind: "proxy"; target: string; stripPrefix: boolean }
  | { kind: "static"; dir: string };

/**
 * prefix is normalized: starts with "/", no trailing "/" except the root "/".
 * host: lowercase ASCII, "api.example.com" or "*.example.com"; absent: every host.
 */
export type Route = { prefix: string; host?: string } & RouteTarget;

export interface Listen {
  host: string;
  port: number;
}

export interface Config {
  /** Absolute path of the config file. */
  file: string;
  dir: string;
  listen: Listen;
  apps: AppConfig[];
  routes: Route[];
  logFormat: LogFormat;
  accessLog: boolean;
  trustProxy: boolean;
  upstreamTimeout: number;
  readyWait: number;
  drainTimeout: number;
  /** The configured control socket, absolute; undefined: the default, derived from the bound port (src/admin). */
  control: string | undefined;
  /** Where /metrics is served; undefined: metrics are off. */
  metrics: { listen: Listen } | undefined;
  /** Where the dashboard and its API are served; undefined: off. token: required off loopback. */
  dashboard?: { listen: Listen; token: string | undefined } | undefined;
  /** Every envFile read (top-level and apps'), absolute, in order: what a reload re-reads and --watch watches. */
  envFiles: string[];
  /** undefined: plain HTTP only. */
  tls: TlsConfig | undefined;
}

export interface TlsConfig {
  listen: Listen;
  /** Absolute paths. */
  certificates: Array<{ cert: string; key: string }>;
  acme: { email: string; directory: string; dir: string; ca: string | undefined } | undefined;
  redirectHttp: boolean;
  handshakeTimeout: number;
}
