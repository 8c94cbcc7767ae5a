// Debian's pebble (Let's Encrypt's ACME test server) for tests: its own config, listening on free ports it picks
// itself (read back from /proc, never picked beforehand), validating HTTP-01 against a given port for real.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { issue, type TestCa } from "./certs.ts";

export interface Pebble {
  child: ChildProcess;
  /** The ACME directory URL. */
  directory: string;
  /** PEM of the root pebble issues certificates under (it makes a new one on every start). */
  root: () => Promise<string>;
  stop: () => Promise<void>;
}

/** Starts pebble with `httpPort` as the port its HTTP-01 validation connects to (zoo's plain listener). */
export async function startPebble(ca: TestCa, httpPort: number): Promise<Pebble> {
  const own = issue(ca, ["localhost"], { name: "pebble" });
  const config = path.join(ca.dir, "pebble-config.json");
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: "127.0.0.1:0",
        managementListenAddress: "127.0.0.1:0",
        certificate: own.cert,
        privateKey: own.key,
        httpPort,
        tlsPort: 0,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
      },
    }),
  );
  // PEBBLE_VA_NOSLEEP only skips pebble's random wait before validating; validation itself is real.
  const child = spawn("pebble", ["-config", config], { env: { ...process.env, PEBBLE_VA_NOSLEEP: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk));
  const exited = once(child, "exit");
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
  };
  try {
    const ports = await listeningPorts(child.pid!, 2, () => output);
    // Which one is the directory: the management interface answers /roots/0, the ACME server /dir.
    const get = (port: number, urlPath: string) => httpsGet(`https://localhost:${port}${urlPath}`, ca.ca);
    const [acmePort, managementPort] = (await get(ports[0], "/dir")).status === 200 ? ports : [ports[1], ports[0]];
    return {
      child,
      directory: `https://localhost:${acmePort}/dir`,
      root: async () => (await get(managementPort, "/roots/0")).body,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function httpsGet(url: string, ca: string, options: https.RequestOptions = {}): Promise<{ status: number; body: string; peerCertificate: ReturnType<import("node:tls").TLSSocket["getPeerCertificate"]> }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: false, ...options }, (res) => {
      const peerCertificate = (res.socket as import("node:tls").TLSSocket).getPeerCertificate();
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body, peerCertificate }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** The TCP ports a process listens on, from its socket inodes in /proc; waits until there are `count`. */
async function listeningPorts(pid: number, count: number, output: () => string, timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ports = readListeningPorts(pid);
    if (ports.length >= count) return ports;
    if (Date.now() > deadline) throw new Error(`pebble did not listen on ${count} ports; output:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function readListeningPorts(pid: number): number[] {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter((inode): inode is string => inode !== undefined),
    );
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT, st 0A is LISTEN, the inode is field 9.
      if (fields.length > 9 && fields[3] === "0A" && inodes.has(fields[9])) ports.push(parseInt(fields[1].split(":")[1], 16));
    }
  }
  return ports;
}
