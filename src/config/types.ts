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
export type Route = { prefix: string; host?: string } & RouteTarget & RouteOptions;

/** What a route may add to its requests and responses (src/config/route-options.ts); absent: not used. */
export interface RouteOptions {
  compress?: CompressOptions;
  basicAuth?: BasicAuth;
  headers?: HeaderRules;
  /** Bytes; a larger request body gets 413. */
  maxBodySize?: number;
}

export interface CompressOptions {
  /** Media type patterns ("text/*", "application/json", "*+json"); only responses of these types are compressed. */
  types: string[];
  /** Bytes: a response whose Content-Length is below this is sent as is. */
  minLength: number;
}

export interface BasicAuth {
  realm: string;
  /** User name → bcrypt hash. */
  users: Record<string, string>;
  /** The app sees the Authorization header (default: zoo removes it). */
  passAuthorization: boolean;
  /** The htpasswd file the users came from (absolute), for `zoo validate` and export; absent: `users` in the config. */
  htpasswd?: string;
}

export interface HeaderEdits {
  set: Record<string, string>;
  add: Record<string, string>;
  remove: string[];
}

export interface HeaderRules {
  request?: HeaderEdits;
  response?: HeaderEdits;
}

/** What one client may hold of zoo; durations in milliseconds (0: no limit, bodyTimeout only). */
export interface Limits {
  /** From connecting (or from the first byte of a later request) to a whole request head. */
  headerTimeout: number;
  /** An idle keep-alive connection, or an HTTP/2 connection with no open stream. */
  keepAliveTimeout: number;
  /** Between two bytes of a request body. */
  bodyTimeout: number;
  /** Open client connections, plain and HTTPS together. */
  maxConnections: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS. */
  http2MaxStreams: number;
}

export const LIMIT_DEFAULTS: Readonly<Limits> = { headerTimeout: 60_000, keepAliveTimeout: 5000, bodyTimeout: 60_000, maxConnections: 10_000, http2MaxStreams: 100 };

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
  /** The top-level `compress` and `maxBodySize` (already applied to each route that does not set its own). */
  compress: CompressOptions | undefined;
  maxBodySize: number | undefined;
  limits: Limits;
}

export interface TlsConfig {
  listen: Listen;
  /** Absolute paths. */
  certificates: Array<{ cert: string; key: string }>;
  acme: { email: string; directory: string; dir: string; ca: string | undefined } | undefined;
  redirectHttp: boolean;
  handshakeTimeout: number;
  /** OpenSSL cipher list, TLS 1.3 suites included. */
  ciphers: string;
  minVersion: "TLSv1.2" | "TLSv1.3";
  /** The Strict-Transport-Security value for HTTPS responses; undefined: none. */
  hsts: string | undefined;
}

/**
 * The media types compressed by default: text and the structured text formats (JSON, JavaScript, XML and their
 * `+json`/`+xml` kinds, SVG, WebAssembly, uncompressed fonts). Images, video, audio, archives and woff/woff2 fonts are
 * compressed already and are left out, as is text/event-stream, whose events must not wait in a compressor.
 */
export const DEFAULT_COMPRESS_TYPES = [
  "text/*",
  "application/json",
  "application/*+json",
  "application/javascript",
  "application/x-javascript",
  "application/xml",
  "application/*+xml",
  "application/wasm",
  "application/x-ndjson",
  "image/svg+xml",
  "image/x-icon",
  "image/vnd.microsoft.icon",
  "font/ttf",
  "font/otf",
  "application/vnd.ms-fontobject",
] as const;

/** Responses with a Content-Length below this many bytes are not compressed (Caddy's default too). */
export const DEFAULT_COMPRESS_MIN_LENGTH = 512;
