// The config contract: one zod schema is the single source of truth for what a file may say.
// zoo.schema.json is generated from it, the README reference follows it. The normalized shapes the rest of
// zoo reads, with the value lists and probe defaults this schema uses, are in types.ts (zod-free).
import ms from "ms";
import { z } from "zod";
import { LISTEN_HINT, parseListen } from "./listen.ts";
import { Compress, MaxBodySize, routeOptionFields } from "./route-options.ts";
import { limitsSchema } from "./limits.ts";
import { tlsSchema } from "./tls.ts";
import { DEPENDENCY_CONDITIONS, LOG_FORMATS, PROBE_DEFAULTS, REDIRECT_STATUSES, RESTART_MODES, SIGNALS } from "./types.ts";

const DURATION_HINT = 'a duration such as "500ms", "5s", "2m" or a number of milliseconds';

const Duration = z
  .union([z.number().int().nonnegative(), z.string()])
  .transform((value, ctx) => {
    if (typeof value === "number") return value;
    const parsed = /^\s*\d+(\.\d+)?\s*[a-z]*\s*$/i.test(value) ? ms(value as ms.StringValue) : undefined;
    if (typeof parsed !== "number" || !Number.isFinite(parsed) || parsed < 0) {
      ctx.addIssue({ code: "custom", message: `expected ${DURATION_HINT}, found ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return Math.round(parsed);
  })
  .meta({ description: DURATION_HINT });

/** A TCP port; a numeric string is accepted so that "${PORT}" interpolation works. */
const PORT_RANGE = "expected a port from 1 to 65535";
const Port = z
  .union([z.number().int().min(1, PORT_RANGE).max(65535, PORT_RANGE), z.string().regex(/^\d+$/, "expected a port number")])
  .transform(Number)
  .pipe(z.number().int().min(1, PORT_RANGE).max(65535, PORT_RANGE));

const Signal = z.enum(SIGNALS);

const Health = z
  .strictObject({
    tcp: z.literal(true).optional().meta({ description: "Probe: connect to the app's port (the default)." }),
    http: z.string().optional().meta({ description: 'Probe: GET this path on the app\'s port, e.g. "/health".' }),
    exec: z
      .union([z.string(), z.array(z.string()).min(1)])
      .optional()
      .meta({ description: "Probe: run this command in the app's cwd; exit code 0 passes." }),
    status: z
      .number()
      .int()
      .min(100)
      .max(599)
      .optional()
      .meta({ description: "Expected HTTP status for an http probe. Default: any 2xx or 3xx." }),
    timeout: Duration.default(PROBE_DEFAULTS.timeout).meta({ description: `One probe's time limit. Default ${PROBE_DEFAULTS.timeout / 1000}s.` }),
    interval: Duration.default(PROBE_DEFAULTS.interval).meta({
      description: `Time between liveness probes once ready. Default ${PROBE_DEFAULTS.interval / 1000}s.`,
    }),
    startTimeout: Duration.default(PROBE_DEFAULTS.startTimeout).meta({
      description: `How long the app may take to pass its first probe before it is restarted. Default ${PROBE_DEFAULTS.startTimeout / 1000}s.`,
    }),
    failures: z.number().int().min(1).default(PROBE_DEFAULTS.failures).meta({
      description: `Consecutive failed liveness probes that make zoo restart the app. Default ${PROBE_DEFAULTS.failures}.`,
    }),
  })
  .refine((h) => [h.tcp, h.http, h.exec].filter((x) => x !== undefined).length <= 1, {
    message: "expected at most one of tcp, http, exec",
  });

const Backoff = z.strictObject({
  initial: Duration.default(100).meta({ description: "First restart delay. Default 100ms." }),
  max: Duration.default(10_000).meta({ description: "Longest restart delay. Default 10s." }),
  resetAfter: Duration.default(30_000).meta({
    description: "An app ready for this long has its backoff and crash count reset. Default 30s.",
  }),
});

const CrashLoop = z.strictObject({
  restarts: z.number().int().min(1).default(10).meta({ description: "Restarts within `window` that mean a crash loop. Default 10." }),
  window: Duration.default(60_000).meta({ description: "Default 60s." }),
});

const DependencyCondition = z.enum(DEPENDENCY_CONDITIONS);

const EnvFile = z.union([z.string().min(1), z.array(z.string().min(1))]);

export const AppSchema = z.strictObject({
  command: z
    .union([z.string().min(1), z.array(z.string()).min(1)])
    .optional()
    .meta({ description: "A string split into words (no shell), or an array of words. Required unless `url` is given." }),
  url: z.string().optional().meta({
    description:
      'An app zoo fronts but does not run: "http://HOST:PORT". zoo probes it (`health`, default tcp), routes to it while it is ready, keeps the client\'s Host. Instead of `command`.',
  }),
  shell: z.boolean().default(false).meta({ description: "Run `command` with /bin/sh -c. Default false." }),
  cwd: z.string().optional().meta({ description: "Working directory, relative to the config file. Default: the config file's directory." }),
  env: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .default({})
    .meta({ description: "Environment variables, over zoo's own and the envFile ones." }),
  port: Port.optional().meta({ description: "The port the app listens on, passed as PORT. Default: a free port zoo picks." }),
  health: z
    .union([z.literal(false), Health])
    .optional()
    .meta({ description: "Readiness and liveness probe. Default: tcp on the app's port. false: ready once spawned." }),
  envFile: EnvFile.optional().meta({
    description: "A .env file or a list of them, relative to the config file: variables under the app's `env`, over the top-level envFile's.",
  }),
  restart: z.enum(RESTART_MODES).default("always").meta({ description: "Default always." }),
  backoff: Backoff.prefault({}),
  crashLoop: CrashLoop.prefault({}),
  essential: z.boolean().default(false).meta({ description: "When this app fails for good, zoo stops everything and exits non-zero." }),
  dependsOn: z
    .union([z.array(z.string()), z.record(z.string(), DependencyCondition)])
    .default([])
    .meta({ description: "Apps to wait for: a list (condition ready) or a map of app → started | ready | completed." }),
  stopSignal: Signal.default("SIGTERM").meta({ description: "Signal sent to the app's process group on stop. Default SIGTERM." }),
  stopTimeout: Duration.default(5000).meta({ description: "Time between stopSignal and SIGKILL. Default 5s." }),
  lazy: z.boolean().default(false).meta({ description: "Start on the first request instead of at boot." }),
  idleTimeout: Duration.optional().meta({ description: "Stop the app after no request for this long; the next request wakes it." }),
  replicas: z.number().int().min(1).default(1).meta({
    description: "How many copies of the app run, each on its own port with ZOO_REPLICA=0…N-1; requests go to the ready one with the fewest in flight. Default 1.",
  }),
});

const AppRoute = z.strictObject({
  app: z.string(),
  stripPrefix: z.boolean().default(false).meta({ description: "Remove the prefix before forwarding. Default false." }),
  ...routeOptionFields,
});
const RedirectRoute = z.strictObject({
  redirect: z.string().meta({
    description: 'Absolute http(s) URL, or a path on the same host ("/new"); the rest of the path and the query are appended.',
  }),
  status: z.union(REDIRECT_STATUSES.map((status) => z.literal(status))).default(302),
});
const ProxyRoute = z.strictObject({
  proxy: z.string().meta({ description: "Absolute http(s) URL of an outside origin to reverse-proxy to." }),
  stripPrefix: z.boolean().default(true).meta({ description: "Remove the prefix before forwarding. Default true." }),
  ...routeOptionFields,
});
const StaticRoute = z.strictObject({
  static: z.string().meta({ description: "Directory of files, relative to the config file." }),
  ...routeOptionFields,
});

export const RouteSchema = z.union([z.string().meta({ description: "An app name." }), AppRoute, RedirectRoute, ProxyRoute, StaticRoute]);

const Listen = z.union([
  z.number().int().min(0, `expected ${LISTEN_HINT}`).max(65535, `expected ${LISTEN_HINT}`),
  z.string().refine((text) => parseListen(text).ok, `expected ${LISTEN_HINT}`),
]);

export const DEFAULT_METRICS_LISTEN = "127.0.0.1:9464";
export const MetricsSchema = z.strictObject({
  listen: Listen.default(DEFAULT_METRICS_LISTEN).meta({
    description: `Where GET /metrics (Prometheus) is served, never on the public listener. Default "${DEFAULT_METRICS_LISTEN}".`,
  }),
});

export const DEFAULT_DASHBOARD_LISTEN = "127.0.0.1:9465";
export const DashboardSchema = z.strictObject({
  listen: Listen.default(DEFAULT_DASHBOARD_LISTEN).meta({
    description: `Where the dashboard page (/) and its JSON API (/api/) are served, never on the public listener. Default "${DEFAULT_DASHBOARD_LISTEN}".`,
  }),
  token: z.string().optional().meta({
    description: 'The API\'s bearer token, e.g. "${ZOO_DASHBOARD_TOKEN}". Required when `listen` is not a loopback address.',
  }),
});

export const ConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  listen: Listen.optional().meta({ description: 'A port or "host:port". Default: $PORT when set, else 8000; host 0.0.0.0.' }),
  apps: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "expected an app name of letters, digits, _ . -"), AppSchema).default({}),
  routes: z.record(z.string(), RouteSchema).default({}).meta({
    description: 'Keys: a path prefix ("/api"), or a host before it ("api.example.com/", "*.example.com/docs").',
  }),
  envFile: EnvFile.optional().meta({
    description: "A .env file or a list of them, relative to the config file: variables for every app (under their own) and for ${VAR} (under zoo's environment).",
  }),
  logFormat: z.enum(LOG_FORMATS).default("text").meta({ description: "Default text." }),
  accessLog: z.boolean().default(true).meta({ description: "One log line per request. Default true." }),
  trustProxy: z.boolean().default(false).meta({
    description: "Keep client-sent X-Forwarded-* headers (zoo sits behind another proxy). Default false.",
  }),
  upstreamTimeout: Duration.default(60_000).meta({ description: "Time to wait for an app's response headers before 504. Default 60s." }),
  readyWait: Duration.default(10_000).meta({
    description: "How long a request to a starting app is held before 503. Default 10s.",
  }),
  drainTimeout: Duration.default(3000).meta({ description: "On stop, how long in-flight requests may finish. Default 3s." }),
  control: z.string().optional().meta({
    description: "Unix socket for `zoo status` and `zoo health`, created 0600. Default: zoo-<listen port>.sock in $XDG_RUNTIME_DIR, else in <tmpdir>/zoo-<uid>/ (0700).",
  }),
  tls: tlsSchema(Duration).optional().meta({ description: "HTTPS and HTTP/2 on a second port, beside the plain listener." }),
  metrics: MetricsSchema.optional().meta({ description: "Prometheus metrics on their own listener. Default: off." }),
  compress: Compress.optional().meta({ description: "Compress the responses of every app, proxy and static route that does not say otherwise. Default false." }),
  maxBodySize: MaxBodySize.optional().meta({ description: "Largest request body on every app and proxy route that does not say otherwise. Default: none." }),
  limits: limitsSchema(Duration).prefault({}).meta({ description: "What one client may hold: timeouts, open connections, HTTP/2 streams." }),
  dashboard: DashboardSchema.optional().meta({ description: "A live dashboard and an HTTP control API on their own listener. Default: off." }),
});

export type ParsedApp = z.output<typeof AppSchema>;
export type ParsedRoute = z.output<typeof RouteSchema>;

/** The JSON Schema of a config file (zoo schema, zoo.schema.json): what an editor checks as you type. */
export function configJsonSchema(): object {
  return z.toJSONSchema(ConfigSchema, { io: "input" });
}
