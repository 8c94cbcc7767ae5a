// `zoo export compose`: one service per app from the same image, plus the front zoo that fronts them by address.
import type { DependencyConditionName, Probe } from "../config/types.ts";
import { dollarsDoubled } from "./literal.ts";
import { renderYaml } from "./yaml.ts";
import { ACME_VOLUME, composeMount, FRONT_ACME_DIR, frontListeners, publishedPort, type FrontListeners } from "./front-listeners.ts";
import { noteText, notesFor, planNotCarried } from "./notes.ts";
import { formatDuration, FRONT, FRONT_CONFIG_PATH, frontConfig, probeCommand, type ExportPlan, type ServiceApp } from "./plan.ts";

export const COMPOSE_FILE = "compose.yaml";
export const FRONT_CONFIG_FILE = "zoo.front.json";

export interface ComposeProject {
  /** compose.yaml's text. */
  compose: string;
  /** The front zoo's config (zoo.front.json), mounted into its container. */
  frontConfig: string;
}

/** Time allowed for `zoo probe` to start, on top of the probe's timeout. */
const PROBE_START_MS = 5000;

const RESTART = { always: "always", "on-failure": "on-failure", never: "no" } as const;

/** `composeDir`: where compose.yaml is written (default: the config's directory); mounted files are relative to it. */
export function exportCompose(plan: ExportPlan, composeDir = plan.config.dir): ComposeProject {
  const listeners = frontListeners(plan, { tls: true });
  const services: Record<string, unknown> = {};
  for (const serviceApp of plan.apps) services[serviceApp.service] = appService(plan, serviceApp);
  services[FRONT] = frontService(plan, listeners, composeDir);
  const volumes = plan.config.tls?.acme ? { volumes: { [ACME_VOLUME]: {} } } : {};

  const notes = notesFor(planNotCarried(plan), "compose").map((note) => `   ${noteText(note)}`);
  const comment = [
    ` Made by \`zoo export compose\` from ${plan.config.file}.`,
    ` Every app is a service of image ${plan.settings.image}; "${FRONT}" is zoo fronting them by address (${FRONT_CONFIG_FILE}).`,
    " Run: docker-compose up -d",
    ...(notes.length > 0 ? [" Not carried over from the config:", ...notes] : []),
  ].join("\n");
  const front = frontConfig(plan, plan.config.routes, listeners);
  return { compose: renderYaml([{ object: dollarsDoubled({ services, ...volumes }), comment }]), frontConfig: JSON.stringify(front, null, 2) + "\n" };
}

function appService(plan: ExportPlan, serviceApp: ServiceApp): Record<string, unknown> {
  const { app } = serviceApp;
  // A dependency zoo fronts by url runs elsewhere: compose cannot wait for it.
  const dependsOn = Object.entries(app.dependsOn).flatMap(([name, condition]) => {
    const dependency = plan.byName.get(name);
    return dependency ? [[dependency.service, { condition: composeCondition(condition, dependency.app.health) }]] : [];
  });
  return {
    image: plan.settings.image,
    command: app.command,
    working_dir: serviceApp.workdir,
    environment: serviceApp.environment,
    expose: [String(serviceApp.port)],
    ...(app.replicas > 1 && { deploy: { replicas: app.replicas } }),
    healthcheck: healthcheck(serviceApp),
    ...(dependsOn.length > 0 && { depends_on: Object.fromEntries(dependsOn) }),
    restart: RESTART[app.restart],
    stop_signal: app.stopSignal,
    stop_grace_period: formatDuration(app.stopTimeout),
  };
}

/** `ready` needs a health check to wait for; an app without a probe is ready once started, as in zoo. */
function composeCondition(condition: DependencyConditionName, probe: Probe): string {
  if (condition === "completed") return "service_completed_successfully";
  if (condition === "ready" && probe.kind !== "none") return "service_healthy";
  return "service_started";
}

/** The app's probe run inside its container: `zoo probe` for tcp and http, the command itself for exec. */
function healthcheck(serviceApp: ServiceApp): Record<string, unknown> {
  const probe = serviceApp.app.health;
  // The image's own HEALTHCHECK (`zoo health`) asks a zoo that this container does not run.
  if (probe.kind === "none") return { disable: true };
  const test = probe.kind === "exec" ? probe.command : probeCommand(serviceApp, "127.0.0.1")!;
  // `zoo probe` starts a Node process first: its start-up must not count against the probe's own timeout (and
  // Docker 20.10 leaves a timed-out check running, so checks that time out pile up).
  const timeout = probe.kind === "exec" ? probe.timeout : probe.timeout + PROBE_START_MS;
  return {
    test: ["CMD", ...test],
    interval: formatDuration(probe.interval),
    timeout: formatDuration(timeout),
    retries: probe.failures,
    start_period: formatDuration(probe.startTimeout),
  };
}

function frontService(plan: ExportPlan, listeners: FrontListeners, composeDir: string): Record<string, unknown> {
  const config = ["--config", FRONT_CONFIG_PATH];
  return {
    image: plan.settings.image,
    command: ["zoo", "start", ...config],
    volumes: [
      `./${FRONT_CONFIG_FILE}:${FRONT_CONFIG_PATH}:ro`,
      ...listeners.mounts.map((mount) => composeMount(mount, composeDir)),
      ...(plan.config.tls?.acme ? [`${ACME_VOLUME}:${FRONT_ACME_DIR}`] : []),
    ],
    ports: [plan.config.listen, ...listeners.published.map(({ listen }) => listen)].map(publishedPort),
    healthcheck: { test: ["CMD", "zoo", "health", ...config], interval: "5s", timeout: "3s", retries: 3, start_period: "60s" },
    restart: "always",
    stop_grace_period: formatDuration(plan.config.drainTimeout + 2000),
  };
}
