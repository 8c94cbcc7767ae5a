// The composition root: config → Supervisor + ZooProxy + control socket + metrics, wired; lifecycle.ts ends them.
import { setFlagsFromString } from "node:v8";
import { statusView, type ListenerState } from "./admin/status-view.ts";
import { controlRoutes } from "./admin/routes.ts";
import { ControlServer, controlSocketPath } from "./admin/server.ts";
import { loadConfigApart } from "./config-process.ts";
import type { Config, TlsConfig } from "./config/types.ts";
import { ConfigError } from "./errors.ts";
import { Lifecycle } from "./lifecycle.ts";
import { createLogger, type Logger } from "./log.ts";
import { detectLaunch } from "./launcher.ts";
import { LogBook, recordingLogger } from "./logs/book.ts";
import type { MetricsServer } from "./metrics/server.ts";
import { controlOperations } from "./control-operations.ts";
import { ZooProxy } from "./proxy/server.ts";
import { Reloader } from "./reload.ts";
import { LiveProxy } from "./running-proxy.ts";
import { releaseWhenQuiet, settleAfterBoot } from "./memory-release.ts";
import { warnAboutEnvironment } from "./stop-budget.ts";
import { APP_STATES, Supervisor } from "./supervisor/index.ts";
import type { AcmeManager } from "./tls/acme.ts";
import { prepareTls } from "./tls/setup.ts";
import type { CertificateStore } from "./tls/store.ts";
import type { Dashboard } from "./dashboard/index.ts";
import { FileWatch } from "./file-watch.ts";

export { EXIT_INTERNAL_ERROR } from "./lifecycle.ts";

export interface StartOptions {
  configPath?: string;
  listen?: string;
  logFormat?: "text" | "json";
  /** Reload when the config file or an env file changes. */
  watch?: boolean;
}

/** What run() is given: the loaded config and what was read and made from it before anything started. */
interface Prepared {
  config: Config;
  /** Loads the config again exactly as at start (a reload): the same file, the same --listen. */
  load: () => Promise<Config>;
  log: Logger;
  book: LogBook;
  /** Which app a replica's name ("node.1") belongs to, once the supervisor exists. */
  replicas: { appOf(name: string): string };
  certificates: CertificateStore;
  acme: AcmeManager | undefined;
  watch: boolean;
}

/** Runs zoo until it is asked to stop or an essential app fails; resolves to the process exit code. */
export async function start(options: StartOptions = {}): Promise<number> {
  let config: Config;
  const load = () => loadConfigApart({ configPath: config?.file ?? options.configPath, listen: options.listen });
  let tls: Awaited<ReturnType<typeof prepareTls>>;
  try {
    config = await load();
    tls = await prepareTls(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(error.message.endsWith("\n") ? error.message : error.message + "\n");
    return 2;
  }
  const book = new LogBook();
  // A replica's lines ("node.1") are its app's ("node"): the supervisor, made in run(), knows which app that is.
  const replicas = { appOf: (name: string) => name };
  const names = config.apps.flatMap((app) => (app.replicas === 1 ? [app.name] : [app.name, `${app.name}.${app.replicas - 1}`]));
  const log = recordingLogger(createLogger({ format: options.logFormat ?? config.logFormat, names: ["zoo", ...names], appOf: (name) => replicas.appOf(name) }), book, (name) => replicas.appOf(name));
  warnAboutEnvironment(config, log);
  const { certificates } = tls;
  return run({ config, load, log, book, replicas, certificates, acme: tls.startAcme(log), watch: options.watch ?? false });
}

/**
 * Caps V8's young generation at 2 MB (default: grows to 32 MB). Every chunk a proxied body brings is a fresh
 * 64 KiB buffer that is garbage once written, but it is freed only when a young-generation GC runs, and a chunk
 * adds so little to the JS heap that the default young generation lets ~100 MB of them pile up during a large
 * transfer. With 2 MB they are collected every few dozen chunks: RSS grows by ~17 MB instead of ~110 MB over a
 * 1 GB stream, and throughput rises (measured in docs/performance.md). Set here, after start-up, it takes effect
 * (measured: the same figures as on the command line).
 */
function keepStreamBuffersShortLived(): void {
  setFlagsFromString("--scavenger-max-new-space-capacity-mb=2");
}

async function run({ config, load, log, book, replicas, certificates, acme, watch: watching }: Prepared): Promise<number> {
  keepStreamBuffersShortLived();
  // Whoever reads zoo's output may go away (EPIPE): lose the output, not zoo and the apps it supervises.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
  const onFatal = (app: string, exitCode: number) => {
    log.zoo("error", `${app}: essential app failed for good, stopping everything`, { app, exitCode });
    void lifecycle.shutdown(exitCode || 1);
  };
  const onInternalError = () => lifecycle.onInternalError(); // the supervisor has logged the stack
  const supervisor = new Supervisor(config.apps, { log, onFatal, onInternalError, drainTimeout: config.drainTimeout });
  replicas.appOf = (name) => supervisor.appOf(name);
  // One series per replica: app="node", replica="1" for node.1 (replica="0" for an app with one replica).
  const samples = () => supervisor.snapshot().map((status) => ({ ...status, ...supervisor.replicaOf(status.name) }));
  // prom-client (and @opentelemetry/api under it, ~80 modules) is loaded only by a zoo that serves metrics.
  const metrics = config.metrics && new (await import("./metrics/server.ts")).MetricsServer({ apps: samples, processes: (app) => supervisor.processes(app), states: APP_STATES });
  // The dashboard's code is loaded only when the config asks for it.
  const dashboard = config.dashboard && new (await import("./dashboard/index.ts")).Dashboard(config.dashboard);
  const proxy = new ZooProxy({
    ...proxySettings(config),
    upstreams: supervisor,
    log,
    ...(config.tls && { tls: tlsSettings(config.tls, certificates) }),
    ...(acme && { acmeChallenge: (token: string) => acme.challenge(token) }),
    observer: dashboard ? dashboard.observe(metrics?.requests) : metrics?.requests,
    limits: config.limits,
  });
  const reload = (cause: string) => void reloader.reload(false, cause).catch((error) => lifecycle.onUncaught(error, "reload"));
  const watch = watching ? new FileWatch(() => reload("a watched file changed")) : undefined;
  watch?.set([config.file, ...config.envFiles]);
  const reloader = new Reloader(config, load, supervisor.operations, new LiveProxy(proxy, supervisor.operations, certificates, watch), log);
  const listener: ListenerState = { listening: false, listen: config.listen };
  const status = statusView(supervisor, () => reloader.config, listener);
  const operations = controlOperations(supervisor, reloader, book);
  const control = new ControlServer(status, controlRoutes(operations));
  const subscribe = (fn: () => void) => supervisor.subscribe(fn).unsubscribe;
  dashboard?.attach({ status, operations, appOf: (name) => supervisor.appOf(name), subscribe, connections: () => proxy.openConnections() });
  const lifecycle = new Lifecycle(log, {
    async drain() {
      acme?.stop();
      watch?.close();
      await proxy.close(reloader.config.drainTimeout).catch((error) => log.zoo("warn", `proxy close: ${error.message}`));
      listener.listening = false;
    },
    apps: supervisor,
    close: async () => void (await Promise.all([control, metrics, dashboard].map((server) => server && server.close().catch(() => {})))),
    reload,
  }, detectLaunch());
  const exited = lifecycle.run();
  const served = await serve({ config, log, proxy, listener, acme, metrics, dashboard, control, supervisor }).then(
    () => true,
    (error: Error) => {
      log.zoo("error", error.message);
      void lifecycle.shutdown(1);
      return false;
    },
  );
  if (served) {
    settleAfterBoot();
    releaseWhenQuiet();
  }
  return exited;
}

function tlsSettings(tls: TlsConfig, certificates: CertificateStore) {
  const { handshakeTimeout, redirectHttp, ciphers, minVersion, hsts } = tls;
  return { contextFor: certificates.contextFor, handshakeTimeout, redirectHttp, ciphers, minVersion, hsts };
}

function proxySettings(config: Config) {
  const { routes, upstreamTimeout, readyWait, trustProxy, accessLog } = config;
  return { routes, upstreamTimeout, readyWait, trustProxy, accessLog };
}

interface Serving {
  config: Config;
  log: Logger;
  proxy: ZooProxy;
  listener: ListenerState;
  acme: AcmeManager | undefined;
  metrics: MetricsServer | undefined;
  dashboard: Dashboard | undefined;
  control: ControlServer;
  supervisor: Supervisor;
}

/** Opens the listeners (plain, HTTPS, metrics, control socket), then starts the apps; throws why it cannot. */
async function serve({ config, log, proxy, listener, acme, metrics, dashboard, control, supervisor }: Serving): Promise<void> {
  const { host, port: wanted } = config.listen;
  try {
    const port = await proxy.listen(host, wanted);
    listener.listen = { host, port };
    listener.listening = true;
    log.zoo("info", `listening on ${httpUrl(host, port)}`);
    if (config.tls) {
      const { host: tlsHost } = config.tls.listen;
      const tlsPort = await proxy.listenTls(tlsHost, config.tls.listen.port);
      log.zoo("info", `listening on https://${tlsHost.includes(":") ? `[${tlsHost}]` : tlsHost}:${tlsPort} (HTTP/2 and HTTP/1.1)`);
      acme?.start();
    }
    if (metrics) {
      const at = config.metrics!.listen;
      const bound = await metrics.listen(at.host, at.port).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot serve metrics on ${at.host}:${at.port}: ${error.code === "EADDRINUSE" ? "the address is already in use" : error.message}`);
      });
      log.zoo("info", `metrics on ${httpUrl(at.host, bound)}/metrics`);
    }
    if (dashboard) log.zoo("info", await dashboard.start(metrics ? { listen: config.metrics!.listen, server: metrics } : undefined));
    const socketPath = controlSocketPath(config.control, port);
    await control.listen(socketPath, config.file).catch((error) => log.zoo("warn", `control socket ${socketPath}: ${error.message}; zoo status will not work`));
    await supervisor.start();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new Error(code === "EADDRINUSE" ? `cannot listen on ${host}:${wanted}: the address is already in use` : `cannot start: ${message}`);
  }
}

function httpUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
