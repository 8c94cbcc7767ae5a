// `zoo export kubernetes`: per app a Deployment (the image's entrypoint kept, the command in `args`) and a Service;
// the routes as Gateway API HTTPRoutes; a front zoo Deployment for what HTTPRoutes cannot state.
import type { Probe } from "../config/types.ts";
import { routeKeyId } from "../config/hosts.ts";
import { planRoutes } from "./gateway.ts";
import { httpRoutes } from "./httproutes.ts";
import { readFileSync } from "node:fs";
import { frontListeners, METRICS_PATH } from "./front-listeners.ts";
import { dollarsDoubled } from "./literal.ts";
import { kubernetesWait, noteText, notesFor, planNotCarried, type NotCarried } from "./notes.ts";
import type { YamlDoc } from "./yaml.ts";
import { formatDuration, FRONT, FRONT_CONFIG_PATH, frontConfig, probeCommand, type ExportPlan, type ServiceApp } from "./plan.ts";

export interface KubernetesSettings {
  namespace?: string;
  /** The Gateway the HTTPRoutes attach to. */
  gateway: string;
}

export type KubeDoc = YamlDoc;

/** Output files (name → documents), in order: one per app, then the front zoo's, then the routes. */
export type KubeFiles = Map<string, KubeDoc[]>;

const NAME_LABEL = "app.kubernetes.io/name";
const PART_OF = { "app.kubernetes.io/part-of": "zoo" };

export function exportKubernetes(plan: ExportPlan, settings: KubernetesSettings): KubeFiles {
  const files: KubeFiles = new Map();
  const meta = (name: string) => ({ name, ...(settings.namespace !== undefined && { namespace: settings.namespace }), labels: { [NAME_LABEL]: name, ...PART_OF } });
  const notes = notesFor(planNotCarried(plan), "kubernetes");

  for (const serviceApp of plan.apps) {
    const deployment = appDeployment(plan, serviceApp, meta, notes.filter((note) => note.app === serviceApp.app.name));
    files.set(`${serviceApp.service}.yaml`, [deployment, { object: service(meta(serviceApp.service), serviceApp.port) }]);
  }

  const routes = planRoutes(plan);
  if (routes.frontRoutes.length > 0) {
    // HTTPS ends at the Gateway, which sends the front zoo plain HTTP: only its metrics listener carries over.
    const listeners = frontListeners(plan, { tls: false });
    const configMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(`${FRONT}-config`),
      data: { "zoo.config.json": JSON.stringify(frontConfig(plan, routes.frontRoutes, listeners), null, 2) + "\n" },
    };
    files.set(`${FRONT}.yaml`, [
      { object: configMap, comment: ` The front zoo: serves the routes Gateway API cannot state (${routes.frontRoutes.map((route) => routeKeyId(route)).join(", ")}).` },
      { object: frontDeployment(plan, meta) },
      { object: service(meta(FRONT), plan.frontPort) },
    ]);
  }

  if (plan.config.tls && plan.config.tls.certificates.length > 0) files.set(`${FRONT}-tls.yaml`, tlsSecrets(plan, meta));
  files.set("httproutes.yaml", httpRoutes(routes.rules, meta, settings.gateway));

  // What concerns the config as a whole is said above the first document.
  const general = notes.filter((note) => note.app === undefined).map((note) => ` ${noteText(note)}`);
  const first = [...files.values()].find((docs) => docs.length > 0)?.[0];
  if (first && general.length > 0) first.comment = [...(first.comment === undefined ? [] : [first.comment]), " Not carried over from the config:", ...general].join("\n");
  return files;
}

/** Each certificate pair as a kubernetes.io/tls Secret (zoo-tls, zoo-tls-2, …), for the Gateway's HTTPS listener. */
function tlsSecrets(plan: ExportPlan, meta: Meta): KubeDoc[] {
  const base64 = (file: string) => readFileSync(file).toString("base64");
  return plan.config.tls!.certificates.map(({ cert, key }, i) => ({
    object: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: meta(i === 0 ? `${FRONT}-tls` : `${FRONT}-tls-${i + 1}`),
      type: "kubernetes.io/tls",
      data: { "tls.crt": base64(cert), "tls.key": base64(key) },
    },
    comment: ` ${cert} and its private key ${key}; name this Secret in the Gateway's HTTPS listener (certificateRefs).`,
  }));
}

type Meta = (name: string) => Record<string, unknown>;

function appDeployment(plan: ExportPlan, serviceApp: ServiceApp, meta: Meta, notes: NotCarried[]): KubeDoc {
  const { app, service: name, port } = serviceApp;
  const initContainers: Record<string, unknown>[] = [];
  for (const [dependency, condition] of Object.entries(app.dependsOn)) {
    const wait = kubernetesWait(plan.byName, dependency, condition);
    if (!wait.target) continue;
    const { target, probe } = wait;
    const waitArgs = probeCommand({ ...target, app: { ...target.app, health: probe.kind === "exec" ? { ...probe, kind: "tcp" } : probe } }, target.service)!;
    initContainers.push({
      name: `wait-for-${target.service}`.slice(0, 63).replace(/-+$/, ""),
      image: plan.settings.image,
      args: [...waitArgs, "--wait", formatDuration(probe.startTimeout)],
      securityContext: CONTAINER_SECURITY,
    });
  }

  const container: Record<string, unknown> = {
    name,
    image: plan.settings.image,
    args: dollarsDoubled(app.command),
    workingDir: serviceApp.workdir,
    env: Object.entries(serviceApp.environment).map(([envName, value]) => ({ name: envName, value: dollarsDoubled(value) })),
    ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
    ...probes(serviceApp),
    securityContext: CONTAINER_SECURITY,
  };
  const podSpec = {
    securityContext: POD_SECURITY,
    terminationGracePeriodSeconds: Math.ceil(app.stopTimeout / 1000),
    ...(initContainers.length > 0 && { initContainers }),
    containers: [container],
  };
  const comment = [` app "${app.name}"${serviceApp.portAssigned ? ` (no port in the config: PORT=${port} here)` : ""}`, ...notes.map((note) => ` ${note.text}`)].join("\n");
  return { object: deployment(meta(name), podSpec, app.replicas), comment };
}

function frontDeployment(plan: ExportPlan, meta: Meta): Record<string, unknown> {
  const metricsPort = plan.config.metrics?.listen.port;
  const container = {
    name: FRONT,
    image: plan.settings.image,
    args: ["zoo", "start", "--config", FRONT_CONFIG_PATH],
    ports: [
      { name: "http", containerPort: plan.frontPort, protocol: "TCP" },
      ...(metricsPort === undefined ? [] : [{ name: "metrics", containerPort: metricsPort, protocol: "TCP" }]),
    ],
    readinessProbe: { tcpSocket: { port: plan.frontPort }, periodSeconds: 5 },
    livenessProbe: { exec: { command: ["zoo", "health", "--config", FRONT_CONFIG_PATH] }, periodSeconds: 10, timeoutSeconds: 3 },
    volumeMounts: [{ name: "config", mountPath: FRONT_CONFIG_PATH.slice(0, FRONT_CONFIG_PATH.lastIndexOf("/")), readOnly: true }],
    securityContext: CONTAINER_SECURITY,
  };
  // The annotations Prometheus' usual kubernetes_sd pod relabelling reads (no ServiceMonitor, no operator needed).
  const annotations = metricsPort === undefined ? undefined : { "prometheus.io/scrape": "true", "prometheus.io/port": String(metricsPort), "prometheus.io/path": METRICS_PATH };
  return deployment(
    meta(FRONT),
    {
      securityContext: POD_SECURITY,
      terminationGracePeriodSeconds: Math.ceil((plan.config.drainTimeout + 2000) / 1000),
      containers: [container],
      volumes: [{ name: "config", configMap: { name: `${FRONT}-config` } }],
    },
    1,
    annotations,
  );
}

const POD_SECURITY = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
const CONTAINER_SECURITY = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };

function deployment(metadata: Record<string, unknown>, podSpec: Record<string, unknown>, replicas: number, annotations?: Record<string, string>): Record<string, unknown> {
  const name = metadata.name as string;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      replicas,
      selector: { matchLabels: { [NAME_LABEL]: name } },
      template: { metadata: { labels: { [NAME_LABEL]: name, ...PART_OF }, ...(annotations && { annotations }) }, spec: podSpec },
    },
  };
}

function service(metadata: Record<string, unknown>, port: number): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata,
    spec: { selector: { [NAME_LABEL]: metadata.name }, ports: [{ name: "http", port, targetPort: port, protocol: "TCP" }] },
  };
}

/**
 * The app's probe as startup, readiness and liveness probes. The startup probe gives it `startTimeout`; readiness
 * fails at once, as zoo stops routing to an app at its first failed probe; liveness restarts after `failures`.
 */
function probes(serviceApp: ServiceApp): Record<string, unknown> {
  const probe = serviceApp.app.health;
  if (probe.kind === "none") return {};
  const handler = probeHandler(serviceApp, probe);
  const timeoutSeconds = seconds(probe.timeout);
  const periodSeconds = seconds(probe.interval);
  return {
    startupProbe: { ...handler, timeoutSeconds, periodSeconds: 1, failureThreshold: seconds(probe.startTimeout) },
    readinessProbe: { ...handler, timeoutSeconds, periodSeconds, failureThreshold: 1 },
    livenessProbe: { ...handler, timeoutSeconds, periodSeconds, failureThreshold: probe.failures },
  };
}

/** tcpSocket and httpGet where the kubelet checks the same thing; `zoo probe` for an exact expected status. */
function probeHandler(serviceApp: ServiceApp, probe: Exclude<Probe, { kind: "none" }>): Record<string, unknown> {
  switch (probe.kind) {
    case "tcp":
      return { tcpSocket: { port: serviceApp.port } };
    case "http":
      if (probe.status === undefined) return { httpGet: { path: probe.path, port: serviceApp.port } };
      return { exec: { command: probeCommand(serviceApp, "127.0.0.1")! } };
    case "exec":
      return { exec: { command: probe.command } };
  }
}

/** Whole seconds, at least 1 (the API's minimum for probe timings). */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
