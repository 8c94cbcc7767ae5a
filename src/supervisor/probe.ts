// Health probes: one attempt each, resolving to pass/fail with a short reason. Scheduling (fast polls
// while starting, `interval` once ready, N failures) is the app's job, not the probe's.
import { http } from "../builtins.ts";
import net from "node:net";
import type { Probe } from "../config/types.ts";
import { isOutOfDescriptors } from "../descriptors.ts";

export interface ProbeResult {
  ok: boolean;
  /** Why it failed (or what passed), e.g. "connection refused", "status 500". */
  detail: string;
  /** zoo could not run the probe (it is out of file descriptors): the result says nothing about the app. */
  skipped?: boolean;
}

/** The result of a probe zoo could not make for want of file descriptors. */
function notProbed(what: string, error: NodeJS.ErrnoException): ProbeResult {
  return { ok: false, skipped: true, detail: `${what}: not probed, zoo is out of file descriptors (${error.code})` };
}

export interface ProbeTarget {
  host: string;
  port: number | undefined;
  cwd: string;
  env: Record<string, string>;
}

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: ProbeResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, detail: `tcp ${port}: no answer within ${timeoutMs}ms` }), timeoutMs);
    socket.once("connect", () => {
      // Polling a closed port in the ephemeral range can connect the socket to itself (TCP
      // simultaneous open): that is not a listener, and it holds the port the app wants.
      const self = socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
      done(self ? { ok: false, detail: `tcp ${port}: connection refused` } : { ok: true, detail: `tcp ${port}: open` });
    });
    socket.once("error", (error: NodeJS.ErrnoException) =>
      done(
        isOutOfDescriptors(error)
          ? notProbed(`tcp ${port}`, error)
          : { ok: false, detail: `tcp ${port}: ${error.code === "ECONNREFUSED" ? "connection refused" : (error.code ?? error.message)}` },
      ),
    );
  });
}

export function httpProbe(host: string, port: number, path: string, status: number | undefined, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      request.destroy();
      resolve(result);
    };
    const request = http.get({ host, port, path, agent: false, timeout: timeoutMs, headers: { "user-agent": "zoo-probe" } }, (response) => {
      response.resume();
      const code = response.statusCode ?? 0;
      const ok = status === undefined ? code >= 200 && code < 400 : code === status;
      done({ ok, detail: `http ${path}: status ${code}` });
    });
    request.once("timeout", () => done({ ok: false, detail: `http ${path}: no answer within ${timeoutMs}ms` }));
    request.once("error", (error: NodeJS.ErrnoException) =>
      done(
        isOutOfDescriptors(error)
          ? notProbed(`http ${path}`, error)
          : { ok: false, detail: `http ${path}: ${error.code === "ECONNREFUSED" ? "connection refused" : (error.code ?? error.message)}` },
      ),
    );
  });
}

/**
 * Runs one attempt of `probe` against an app. A probe of kind "none" always passes. `signal` ends an
 * exec probe's process at once (tcp and http probes end by their timeout).
 */
export async function runProbe(probe: Probe, target: ProbeTarget, signal?: AbortSignal): Promise<ProbeResult> {
  switch (probe.kind) {
    case "none":
      return { ok: true, detail: "no probe" };
    case "tcp":
      if (target.port === undefined) return { ok: true, detail: "no port to probe" };
      return tcpProbe(target.host, target.port, probe.timeout);
    case "http":
      if (target.port === undefined) return { ok: false, detail: "http probe needs a port" };
      return httpProbe(target.host, target.port, probe.path, probe.status, probe.timeout);
    case "exec": {
      // spawn.ts, loaded when an exec probe first runs: `zoo probe tcp://…` starts without it.
      const { runCommand } = await import("./spawn.ts");
      const result = await runCommand({ command: probe.command, cwd: target.cwd, env: target.env, timeoutMs: probe.timeout, signal });
      return { ok: result.ok, detail: `exec ${probe.command.join(" ")}: ${result.detail}`, ...(result.skipped && { skipped: true }) };
    }
  }
}

/** How often to retry a probe while the app is starting: fast, so readiness is seen promptly. */
export function startupPollInterval(probe: Probe): number {
  return probe.kind === "exec" ? 100 : 20;
}

/** Whether a port on this machine already has a listener (tried by connecting to it). */
export async function isPortInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return (await tcpProbe(host, port, 500)).ok;
}

/** What the supervisor probes with; tests inject their own to script results in virtual time. */
export interface Prober {
  /** One attempt of `probe` (see runProbe). */
  run(probe: Probe, target: ProbeTarget, signal?: AbortSignal): Promise<ProbeResult>;
  /** Whether a fixed port is taken before the app is started. */
  isPortInUse(port: number): Promise<boolean>;
}

export const realProber: Prober = { run: runProbe, isPortInUse: (port) => isPortInUse(port) };
