// What an export cannot carry over, said once: the plan lists it, each exporter writes the notes for its format as
// comments in its output, and `zoo export` prints the same notes on stderr. Nothing in the config is dropped silently.
import { isDeepStrictEqual } from "node:util";
import type { AppConfig, DependencyConditionName, Probe } from "../config/types.ts";
import { AppSchema, ConfigSchema } from "../config/schema.ts";
import { planRoutes } from "./gateway.ts";
import type { ExportPlan, ServiceApp } from "./plan.ts";

export type ExportFormat = "compose" | "kubernetes";

export interface NotCarried {
  /** The app it is about; undefined: the config as a whole. */
  app?: string;
  /** The exports that cannot carry it. */
  formats: readonly ExportFormat[];
  text: string;
}

const BOTH: readonly ExportFormat[] = ["compose", "kubernetes"];
const KUBERNETES: readonly ExportFormat[] = ["kubernetes"];
const COMPOSE: readonly ExportFormat[] = ["compose"];

const APP_DEFAULTS = AppSchema.parse({ command: "x" });
const CONFIG_DEFAULTS = ConfigSchema.parse({});
/** The proxy's own settings: the front zoo keeps them, a Gateway that routes straight to an app has its own. */
const PROXY_SETTINGS = ["upstreamTimeout", "readyWait", "accessLog", "trustProxy"] as const;

/** How a Kubernetes init container waits for a dependency: the service and the probe to run, or why it cannot. */
export type KubernetesWait = { target: ServiceApp; probe: Exclude<Probe, { kind: "none" }> } | { target?: undefined; why: string };

export function kubernetesWait(byName: Map<string, ServiceApp>, dependency: string, condition: DependencyConditionName): KubernetesWait {
  const target = byName.get(dependency);
  if (!target) return { why: `dependsOn ${dependency}: not carried over; zoo fronts it by url, it runs elsewhere.` };
  const probe = target.app.health;
  if (condition !== "ready" || probe.kind === "none") {
    return { why: `dependsOn ${dependency} (${condition}): not carried over; Kubernetes starts every Deployment at once, and an init container can only wait for an app that answers a probe.` };
  }
  return { target, probe };
}

/** Every setting of the config that an export does not carry over, apps first, in config order. */
export function planNotCarried(plan: ExportPlan): NotCarried[] {
  const { config, byName } = plan;
  const notes: NotCarried[] = [];
  for (const app of config.apps) {
    if (app.url) continue;
    notes.push(...appNotes(app, byName).map((note) => ({ app: app.name, ...note })));
  }
  const wildcard = (host: string) => host === "0.0.0.0" || host === "::" || host === "";
  if (!wildcard(config.listen.host)) {
    notes.push({ formats: KUBERNETES, text: `listen host ${config.listen.host}: not carried over; the Service is reached through the Gateway, on the addresses the Gateway listens on.` });
    if (!bindableHost(config.listen.host)) notes.push({ formats: COMPOSE, text: `listen host ${config.listen.host}: not carried over; compose publishes on an IP address; the port is published on all addresses.` });
  }
  const changed = PROXY_SETTINGS.filter((key) => config[key] !== CONFIG_DEFAULTS[key]);
  if (changed.length > 0) {
    notes.push({ formats: KUBERNETES, text: `${changed.join(", ")}: carried over to the front zoo only; the routes the Gateway sends straight to an app follow the Gateway's own settings.` });
  }
  if (config.control !== undefined) notes.push({ formats: BOTH, text: "control: not carried over; the front zoo uses its default control socket inside its container." });
  if (config.metrics) {
    notes.push({ formats: BOTH, text: "metrics: zoo_app_* not carried over; the front zoo runs no app, so it serves the request metrics only; use the orchestrator's for the apps." });
    if (planRoutes(plan).frontRoutes.length === 0) {
      notes.push({ formats: KUBERNETES, text: "metrics: not carried over; every route goes straight to an app's Service, so there is no front zoo to serve them; use the Gateway's metrics." });
    } else {
      notes.push({ formats: KUBERNETES, text: "metrics: partly carried over; the front zoo counts only the requests of the routes it serves; the Gateway's metrics cover the others." });
    }
  }
  if (config.tls) {
    const tls = config.tls;
    if (tls.certificates.length > 0) {
      notes.push({ formats: KUBERNETES, text: "tls: the certificates become kubernetes.io/tls Secrets, but HTTPS ends at the Gateway, which the export does not make: name the Secrets in its HTTPS listener's certificateRefs (the Secrets hold the private keys: keep the output private)." });
    }
    if (tls.acme) notes.push({ formats: KUBERNETES, text: "tls.acme: not carried over; let the cluster obtain certificates (cert-manager) for the Gateway." });
    if (tls.redirectHttp) notes.push({ formats: KUBERNETES, text: "tls.redirectHttp: not carried over; redirect at the Gateway (an HTTPRoute on its HTTP listener with a RequestRedirect to https)." });
    if (tls.handshakeTimeout !== 10_000) notes.push({ formats: KUBERNETES, text: "tls.handshakeTimeout: not carried over; the Gateway has its own." });
    if (!wildcard(tls.listen.host) && !bindableHost(tls.listen.host)) notes.push({ formats: COMPOSE, text: `tls.listen host ${tls.listen.host}: not carried over; compose publishes on an IP address; the port is published on all addresses.` });
  }
  return notes;
}

function appNotes(app: AppConfig, byName: Map<string, ServiceApp>): Omit<NotCarried, "app">[] {
  const notes: Omit<NotCarried, "app">[] = [];
  for (const [dependency, condition] of Object.entries(app.dependsOn)) {
    if (!byName.has(dependency)) {
      notes.push({ formats: BOTH, text: `dependsOn ${dependency}: not carried over; zoo fronts it by url, it runs elsewhere.` });
      continue;
    }
    const wait = kubernetesWait(byName, dependency, condition);
    if (!wait.target) notes.push({ formats: KUBERNETES, text: wait.why });
    else if (wait.probe.kind === "exec") notes.push({ formats: KUBERNETES, text: `dependsOn ${dependency}: its exec probe cannot run from here; the init container waits for its port instead.` });
  }
  if (app.restart !== "always") notes.push({ formats: KUBERNETES, text: `restart "${app.restart}": not carried over; a Deployment's pods always restart.` });
  if (app.stopSignal !== "SIGTERM") notes.push({ formats: KUBERNETES, text: `stopSignal ${app.stopSignal}: not carried over; Kubernetes sends SIGTERM.` });
  if (app.lazy || app.idleTimeout !== undefined) notes.push({ formats: BOTH, text: "lazy / idleTimeout: not carried over; the service runs all the time." });
  if (app.essential) notes.push({ formats: BOTH, text: "essential: not carried over; the orchestrator keeps the other services running." });
  if (!isDeepStrictEqual(app.backoff, APP_DEFAULTS.backoff) || !isDeepStrictEqual(app.crashLoop, APP_DEFAULTS.crashLoop)) {
    notes.push({ formats: BOTH, text: "backoff / crashLoop: not carried over; the orchestrator restarts with its own backoff." });
  }
  return notes;
}

/** An address `ports:` can bind: an IP literal, or localhost. */
export function bindableHost(host: string): boolean {
  return host === "localhost" || /^[\d.]+$/.test(host) || host.includes(":");
}

/** The notes one format cannot carry. */
export function notesFor(notes: readonly NotCarried[], format: ExportFormat): NotCarried[] {
  return notes.filter((note) => note.formats.includes(format));
}

/** A note as a line, naming its app. */
export function noteText(note: NotCarried): string {
  return note.app === undefined ? note.text : `app "${note.app}": ${note.text}`;
}
