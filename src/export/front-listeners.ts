// The front zoo's HTTPS and metrics listeners: where they listen inside its container, which host files it mounts
// (certificates) and which ports are published, and on what address (the one zoo itself listened on).
import path from "node:path";
import type { Listen } from "../config/types.ts";
import type { ExportPlan } from "./plan.ts";
import { bindableHost } from "./notes.ts";

/** Where the front zoo finds the certificates mounted into its container. */
export const FRONT_TLS_DIR = "/etc/zoo/tls";
/** The volume that keeps the ACME account and certificates across restarts of the front zoo. */
export const ACME_VOLUME = "zoo-acme";
export const FRONT_ACME_DIR = "/var/lib/zoo/acme";
export const METRICS_PATH = "/metrics";

export interface Mount {
  /** On the machine, absolute. */
  source: string;
  /** In the container. */
  target: string;
}

export interface FrontListeners {
  /** The front config's `tls` (paths in the container), or undefined. */
  tls?: Record<string, unknown>;
  /** The front config's `metrics`: on all addresses in its container, so that Prometheus can reach it. */
  metrics?: { listen: string };
  /** Certificate files to mount. */
  mounts: Mount[];
  /** Ports the front publishes besides the plain one, with the address zoo listened on. */
  published: Array<{ listen: Listen; name: string }>;
}

export function frontListeners(plan: ExportPlan, options: { tls: boolean }): FrontListeners {
  const { tls, metrics } = plan.config;
  const listeners: FrontListeners = { mounts: [], published: [] };
  if (tls && options.tls) {
    const certificates = tls.certificates.map(({ cert, key }, i) => {
      const pair = { cert: `${FRONT_TLS_DIR}/${i}/cert.pem`, key: `${FRONT_TLS_DIR}/${i}/key.pem` };
      listeners.mounts.push({ source: cert, target: pair.cert }, { source: key, target: pair.key });
      return pair;
    });
    let acme: Record<string, unknown> | undefined;
    if (tls.acme) {
      const ca = tls.acme.ca && `${FRONT_TLS_DIR}/acme-ca.pem`;
      if (tls.acme.ca) listeners.mounts.push({ source: tls.acme.ca, target: ca! });
      acme = { email: tls.acme.email, directory: tls.acme.directory, dir: FRONT_ACME_DIR, ...(ca && { ca }) };
    }
    listeners.tls = {
      listen: tls.listen.port,
      certificates,
      ...(acme && { acme }),
      redirectHttp: tls.redirectHttp,
      handshakeTimeout: tls.handshakeTimeout,
    };
    listeners.published.push({ listen: tls.listen, name: "https" });
  }
  if (metrics) {
    listeners.metrics = { listen: `0.0.0.0:${metrics.listen.port}` };
    listeners.published.push({ listen: metrics.listen, name: "metrics" });
  }
  return listeners;
}

/** compose's `ports` entry: bound to the address zoo listened on, all addresses for a wildcard or a host name. */
export function publishedPort({ host, port }: Listen): string {
  if (host === "0.0.0.0" || host === "::" || host === "" || !bindableHost(host)) return `${port}:${port}`;
  const ip = host === "localhost" ? "127.0.0.1" : host;
  return `${ip.includes(":") ? `[${ip}]` : ip}:${port}:${port}`;
}

/** A compose volume: the file's path from the compose file's directory, so that the project can move as a whole. */
export function composeMount(mount: Mount, composeDir: string): string {
  let source = path.relative(composeDir, mount.source).split(path.sep).join("/");
  if (!source.startsWith("../")) source = `./${source}`;
  return `${source}:${mount.target}:ro`;
}
