// The control endpoint behind `zoo status` and `zoo health`: a unix socket, never the public port.
import type { Server } from "node:http";
import { http } from "../builtins.ts";
import { connect } from "node:net";
import { existsSync } from "node:fs";
import { chmod, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { keepAccepting } from "../descriptors.ts";
import { pointTo, removePointer } from "./pointer.ts";
import { controlDirs, ensurePrivateDir, inControlDir, listenPrivately } from "./socket-dir.ts";
import type { ControlStatus } from "./status.ts";
import type { ControlRoutes } from "./routes.ts";

/** The configured socket path, or the default one derived from the port zoo listens on, in zoo's user's directory. */
export function controlSocketPath(configured: string | undefined, listenPort: number): string {
  return configured ?? join(controlDirs()[0], `zoo-${listenPort}.sock`);
}

/** Where a command finds the socket: as controlSocketPath, or the default in the other per-user directory if only it exists. */
export function findControlSocket(configured: string | undefined, listenPort: number): string {
  const path = controlSocketPath(configured, listenPort);
  if (configured !== undefined || existsSync(path)) return path;
  return controlDirs().map((dir) => join(dir, `zoo-${listenPort}.sock`)).find((candidate) => existsSync(candidate)) ?? path;
}

export class ControlServer {
  #server: Server;
  #path: string | undefined;
  #configFile: string | undefined;

  /** `routes` answers everything beyond /status and /health (per-app commands, logs, reload). */
  constructor(readStatus: () => ControlStatus, routes?: ControlRoutes) {
    this.#server = http.createServer((req, res) => {
      if (routes?.handle(req, res)) return;
      const status = readStatus();
      if (req.url === "/status") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(status));
      } else if (req.url === "/health") {
        const verdict = healthOf(status);
        res.writeHead(verdict.healthy ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(verdict));
      } else {
        res.writeHead(404).end();
      }
    });
    keepAccepting(this.#server, "control socket");
  }

  /** `configFile`: the file zoo runs, for commands that cannot find zoo from it after it changed (pointer.ts). */
  async listen(path: string, configFile?: string): Promise<void> {
    if (inControlDir(path)) ensurePrivateDir(dirname(path));
    if (await isLive(path)) throw new Error("another zoo is already using this control socket");
    await rm(path, { force: true });
    // Only zoo's own user may control it: an app running as another user must not restart or stop its peers.
    await listenPrivately(this.#server, path);
    await chmod(path, 0o600);
    this.#path = path;
    this.#configFile = configFile;
    if (configFile) pointTo(configFile, path);
  }

  async close(): Promise<void> {
    if (!this.#path) return;
    if (this.#configFile) removePointer(this.#configFile, this.#path);
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#path = undefined;
  }
}

/**
 * Healthy: the proxy listens and every essential app is ready (every non-lazy app, when none is marked
 * essential). A sleeping app is healthy: it was put to sleep on purpose and the next request wakes it.
 */
export function healthOf(status: ControlStatus): { healthy: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (!status.listening) reasons.push("the proxy is not listening");
  const essential = status.apps.filter((app) => app.essential);
  const watched = essential.length > 0 ? essential : status.apps.filter((app) => !app.lazy);
  for (const app of watched) {
    if (app.state !== "ready" && app.state !== "sleeping") reasons.push(`${app.name} is ${app.state}${app.reason ? ` (${app.reason})` : ""}`);
  }
  return { healthy: reasons.length === 0, reasons };
}

function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
