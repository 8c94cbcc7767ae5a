// The composition root: config → Supervisor + ProxyServer + control socket, signals, exit code.
import { setFlagsFromString } from "node:v8";
import { loadConfig } from "./config/load.ts";
import type { AppConfig, Config } from "./config/types.ts";
import { ConfigError } from "./errors.ts";
import { createLogger, type Logger } from "./log.ts";
import { APP_STATES, Supervisor } from "./supervisor/index.ts";
import { ProxyServer } from "./proxy/server.ts";
import { ControlServer, controlSocketPath } from "./admin/server.ts";
import { zooProcessStatus } from "./admin/status.ts";
import type { AcmeManager } from "./tls/acme.ts";
import { loadCertificates } from "./tls/certificates.ts";
import { CertificateStore } from "./tls/store.ts";
import { readUsage } from "./metrics/proc.ts";
import { controlRoutes } from "./admin/routes.ts";
import { LogBook, recordingLogger } from "./logs/book.ts";
import { controlOperations } from "./operations.ts";
import { Reloader } from "./reload.ts";
import { FileWatch } from "./watch.ts";

export interface StartOptions {
  configPath?: string;
  listen?: string;
  logFormat?: "text" | "json";
  /** Reload when the config file or an env file changes. */
  watch?: boolean;
}

/** Docker's default `docker stop` grace before SIGKILL. */
const DOCKER_STOP_GRACE_MS = 10_000;
/** EX_SOFTWARE (sysexits.h): zoo ended because of a bug in itself. */
export const EXIT_INTERNAL_ERROR = 70;

/** Runs zoo until it is asked to stop or an essential app fails; resolves to the process exit code. */
export async function start(options: StartOptions = {}): Promise<number> {
  let config: Config;
  const certificates = new CertificateStore();
  let acmeModule: typeof import("./tls/acme.ts") | undefined;
  // A reload loads the same file with the same --listen, exactly as at start.
  const load = () => loadConfig({ configPath: config?.file ?? options.configPath, listen: options.listen });
  try {
    config = await load();
    if (config.tls) certificates.setFiles(loadCertificates(config));
    // acme-client (and axios under it) is loaded only by a zoo that uses ACME: start-up stays quick without it.
    acmeModule = config.tls?.acme ? await import("./tls/acme.ts") : undefined;
    acmeModule?.prepareAcmeDir(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(error.message.endsWith("\n") ? error.message : error.message + "\n");
    return 2;
  }
  const book = new LogBook();
  // A replica's lines ("node.1") are its app's ("node"): the supervisor knows which app each replica belongs to.
  const replicas = { appOf: (name: string) => name };
  const names = config.apps.flatMap((app) => (app.replicas === 1 ? [app.name] : [app.name, `${app.name}.${app.replicas - 1}`]));
  const log = recordingLogger(createLogger({ format: options.logFormat ?? config.logFormat, names: ["zoo", ...names] }), book, (name) => replicas.appOf(name));
  warnAboutEnvironment(config, log);
  const acme = acmeModule && startAcme(acmeModule.AcmeManager, config, log, certificates);
  return run(config, log, { book, load, watch: options.watch ?? false, replicas }, { certificates, acme });
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

interface Operate {
  book: LogBook;
  load: () => Promise<Config>;
  watch: boolean;
  /** Set here once the supervisor exists: which app a replica's name belongs to. */
  replicas: { appOf(name: string): string };
}

async function run(
  config: Config,
  log: Logger,
  operate: Operate,
  { certificates, acme }: { certificates: CertificateStore; acme: AcmeManager | undefined },
): Promise<number> {
  keepStreamBuffersShortLived();
  // Whoever reads zoo's output may go away (EPIPE): lose the output, not zoo and the apps it supervises.
  const ignoreOutputError = () => {};
  for (const stream of [process.stdout, process.stderr]) stream.on("error", ignoreOutputError);
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  let stopping: Promise<void> | undefined;
  let internalError = false;

  // zoo's own bugs, wherever they surface (a background path of the supervisor, or anything else that throws or
  // rejects with nobody to catch it): one policy. The stack is logged, every app is stopped cleanly, exit 70.
  const onInternalError = () => {
    internalError = true;
    void shutdown(EXIT_INTERNAL_ERROR);
  };
  const onUncaught = (error: unknown, origin: string) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log.zoo("error", `internal error (a bug in zoo), ${origin}: ${detail}`);
    onInternalError();
  };
  const onUnhandledRejection = (reason: unknown) => onUncaught(reason, "unhandledRejection");

  const supervisor = new Supervisor(config.apps, {
    log,
    onFatal(app, exitCode) {
      log.zoo("error", `${app}: essential app failed for good, stopping everything`, { app, exitCode });
      void shutdown(exitCode || 1);
    },
    onInternalError, // the supervisor has logged the stack
    drainTimeout: config.drainTimeout,
  });
  const processesOf = (app: string) => supervisor.processes(app);
  // One series per replica: app="node", replica="1" for node.1 (replica="0" for an app with one replica).
  const samples = () => supervisor.snapshot().map((status) => ({ ...status, ...supervisor.replicaOf(status.name) }));
  // prom-client (and @opentelemetry/api under it, ~80 modules) is loaded only by a zoo that serves metrics.
  const metrics = config.metrics && new (await import("./metrics/server.ts")).MetricsServer({ apps: samples, processes: processesOf, states: APP_STATES });
  operate.replicas.appOf = (name) => supervisor.appOf(name);
  const proxy = new ProxyServer({
    routes: config.routes,
    upstreams: supervisor,
    log,
    upstreamTimeout: config.upstreamTimeout,
    readyWait: config.readyWait,
    trustProxy: config.trustProxy,
    accessLog: config.accessLog,
    ...(config.tls && {
      tls: { contextFor: certificates.contextFor, handshakeTimeout: config.tls.handshakeTimeout, redirectHttp: config.tls.redirectHttp },
    }),
    ...(acme && { acmeChallenge: (token: string) => acme.challenge(token) }),
    observer: metrics?.requests,
  });
  const reloader = new Reloader(config, operate.load, supervisor.operations, {
    update(next) {
      proxy.update(next);
      supervisor.operations.drainTimeout = next.drainTimeout;
      watch?.set([next.file, ...next.envFiles]);
    },
    // Certificate files are re-read on every reload; a bad one is a config error, and nothing changes.
    readFiles(next) {
      const files = next.tls ? loadCertificates(next) : [];
      return { steps: certificates.describeChange(files), apply: () => certificates.setFiles(files) };
    },
  }, log);
  const reload = (cause: string) => background(reloader.reload(false, cause));
  const background = (work: Promise<unknown>) => void work.catch((error) => onUncaught(error, "reload"));
  const watch = operate.watch ? new FileWatch(() => reload("a watched file changed")) : undefined;
  watch?.set([config.file, ...config.envFiles]);
  let listening = false;
  let listen = config.listen; // with port 0, the port actually bound once listening
  const control = new ControlServer(
    () => ({
      listening,
      listen,
      zoo: zooProcessStatus(),
      apps: supervisor.snapshot().map((status) => {
        const app = reloader.config.apps.find((candidate) => candidate.name === supervisor.appOf(status.name));
        const usage = readUsage(processesOf(status.name));
        return { ...status, lazy: app?.lazy, idleTimeout: app?.idleTimeout, cpuSeconds: usage.cpuSeconds, memoryBytes: usage.residentBytes };
      }),
    }),
    controlRoutes(controlOperations(supervisor, reloader, operate.book)),
  );

  let killedBySignal: number | undefined;
  function shutdown(code: number): Promise<void> {
    stopping ??= (async () => {
      log.zoo("info", "stopping: draining requests, then stopping apps");
      acme?.stop();
      watch?.close();
      await proxy.close(reloader.config.drainTimeout).catch((error) => log.zoo("warn", `proxy close: ${error.message}`));
      listening = false;
      await supervisor.stop().catch(async (error) => {
        log.zoo("error", `internal error (a bug in zoo) while stopping the apps: ${error.stack}; killing them`);
        internalError = true;
        await supervisor.killAll();
      });
      await control.close().catch(() => {});
      await metrics?.close().catch(() => {});
      // A bug found on the way out still ends zoo with 70.
      const exitCode = killedBySignal ?? (internalError ? EXIT_INTERNAL_ERROR : code);
      log.zoo("info", `stopped, exit code ${exitCode}`);
      resolveExit(exitCode);
    })();
    return stopping;
  }

  const onStopSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.zoo("warn", `${signal} again: killing everything now`);
      // The stop under way may finish first (the kill ends its apps too): either way zoo exits with the signal's code.
      killedBySignal ??= signal === "SIGINT" ? 130 : 143;
      const code = killedBySignal;
      void supervisor.killAll().then(() => resolveExit(code));
      return;
    }
    log.zoo("info", `${signal} received`);
    void shutdown(0);
  };
  const onForwardSignal = (signal: NodeJS.Signals) => {
    log.zoo("info", `${signal} received: forwarding to the apps`);
    supervisor.signal(signal);
  };
  const onHangup = () => {
    log.zoo("info", "SIGHUP received: reloading the config");
    reload("SIGHUP");
  };
  const handlers: [NodeJS.Signals, (s: NodeJS.Signals) => void][] = [
    ["SIGTERM", onStopSignal],
    ["SIGINT", onStopSignal],
    ["SIGUSR1", onForwardSignal],
    ["SIGUSR2", onForwardSignal],
    ["SIGHUP", onHangup],
  ];
  for (const [signal, handler] of handlers) process.on(signal, handler);
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUnhandledRejection);

  try {
    const { host } = config.listen;
    const port = await proxy.listen(host, config.listen.port);
    listen = { host, port };
    listening = true;
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
    const socketPath = controlSocketPath(config.control, port);
    await control.listen(socketPath, config.file).catch((error) => log.zoo("warn", `control socket ${socketPath}: ${error.message}; zoo status will not work`));
    await supervisor.start();
  } catch (error) {
    const message = (error as NodeJS.ErrnoException).code === "EADDRINUSE"
      ? `cannot listen on ${config.listen.host}:${config.listen.port}: the address is already in use`
      : `cannot start: ${(error as Error).message}`;
    log.zoo("error", message);
    void shutdown(1);
  }

  const code = await exited;
  for (const [signal, handler] of handlers) process.off(signal, handler);
  process.off("uncaughtException", onUncaught);
  process.off("unhandledRejection", onUnhandledRejection);
  return code;
}

/** ACME for every exact host in the routes that no certificate file covers. */
function startAcme(Manager: typeof AcmeManager, config: Config, log: Logger, certificates: CertificateStore): AcmeManager {
  const named = [...new Set(config.routes.map((route) => route.host).filter((host) => host !== undefined))];
  for (const host of named.filter((h) => h.startsWith("*."))) {
    if (!certificates.coveredByFile(host)) log.zoo("warn", `acme: ${host}: a wildcard needs a DNS-01 challenge, which zoo does not do: give it a certificate file`);
  }
  const hosts = named.filter((host) => !host.startsWith("*.") && !certificates.coveredByFile(host));
  if (hosts.length === 0) log.zoo("warn", "acme: no route names a host without a certificate file: nothing to obtain");
  return new Manager({
    acme: config.tls!.acme!,
    hosts,
    log: (level, message) => log.zoo(level, message),
    onCertificate: (host, certificate) => certificates.setAcme(host, certificate),
  });
}

function httpUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

function warnAboutEnvironment(config: Config, log: Logger): void {
  if (process.pid === 1) {
    log.zoo("warn", 'zoo is PID 1 without an init: orphaned zombies will not be reaped. Run it under tini (ENTRYPOINT ["tini", "--"]) or `docker run --init`.');
  }
  const worstStop = config.drainTimeout + longestStopChain(config.apps);
  if (worstStop > DOCKER_STOP_GRACE_MS) {
    log.zoo(
      "warn",
      `stopping may take up to ${worstStop}ms (drainTimeout + stopTimeouts in dependency order), more than Docker's ${DOCKER_STOP_GRACE_MS}ms stop grace: lower them or run docker stop -t ${Math.ceil(worstStop / 1000) + 1}`,
    );
  }
}

/** Apps stop in reverse dependency order, so the worst case is the longest chain of stopTimeouts. */
export function longestStopChain(apps: AppConfig[]): number {
  const byName = new Map(apps.map((app) => [app.name, app]));
  const memo = new Map<string, number>();
  const chain = (app: AppConfig): number => {
    const known = memo.get(app.name);
    if (known !== undefined) return known;
    memo.set(app.name, app.stopTimeout); // guards against cycles, which the config rejects anyway
    const deps = Object.keys(app.dependsOn).map((name) => byName.get(name)).filter((dep) => dep !== undefined);
    const total = app.stopTimeout + Math.max(0, ...deps.map(chain));
    memo.set(app.name, total);
    return total;
  };
  return Math.max(0, ...apps.map(chain));
}
