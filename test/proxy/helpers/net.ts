// Real-socket helpers for tests: small upstream servers, a proxy under test, plain and raw clients.
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { once } from "node:events";
import type { TestContext } from "node:test";
import type { Route } from "../../../src/config/types.ts";
import { silentLogger, type AccessEntry, type Logger } from "../../../src/log.ts";
import { ZooProxy, type ZooProxyOptions } from "../../../src/proxy/server.ts";
import { loadAppClient } from "../../../src/proxy/client.ts";
import { TestGate } from "./gate.ts";

export interface Upstream {
  server: http.Server;
  port: number;
  /** Every TCP connection the upstream accepted so far. */
  connections: number;
  /** Connections currently open. */
  open: Set<net.Socket>;
}

/** An http server on 127.0.0.1 with a free port, closed after the test. */
export async function upstream(t: TestContext, handler: http.RequestListener): Promise<Upstream> {
  const server = http.createServer(handler);
  const result: Upstream = { server, port: 0, connections: 0, open: new Set() };
  server.on("connection", (socket: net.Socket) => {
    result.connections++;
    result.open.add(socket);
    socket.on("close", () => result.open.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  result.port = (server.address() as net.AddressInfo).port;
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return result;
}

/** An upstream that answers every request with JSON describing what it received. */
export function echo(t: TestContext): Promise<Upstream> {
  return upstream(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
}

export interface Proxy {
  proxy: ZooProxy;
  port: number;
  gate: TestGate;
  access: AccessEntry[];
}

/** A ZooProxy on a free port with a TestGate, closed after the test. */
export async function startProxy(
  t: TestContext,
  routes: Route[],
  gate: TestGate,
  options: Partial<Omit<ZooProxyOptions, "routes" | "upstreams">> = {},
): Promise<Proxy> {
  // zoo loads its app client on the first request, which waits for it; tests load it first, so no request waits.
  await loadAppClient();
  const access: AccessEntry[] = [];
  const log: Logger = { ...silentLogger, access: (entry) => access.push(entry) };
  const proxy = new ZooProxy({ routes, upstreams: gate, log, upstreamTimeout: 5000, readyWait: 2000, trustProxy: false, accessLog: true, ...options });
  const port = await listenBelowEphemeral(proxy);
  t.after(() => proxy.close(0));
  return { proxy, port, gate, access };
}

/**
 * Listens on a port below the kernel's ephemeral range, which no "free port" (bind to 0, then close) of another
 * process can be: a test elsewhere that keeps such a port for an app that is down, or zoo probing the port it picked
 * for an app before the app listens, would otherwise send its requests here, and its lines to this proxy's access log.
 */
async function listenBelowEphemeral(proxy: ZooProxy): Promise<number> {
  const FIRST = 20_000;
  let ephemeral = 0; // unknown off Linux: any free port, as before
  try {
    [ephemeral] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
  } catch {}
  for (let attempt = 0; ephemeral - FIRST > 1000 && attempt < 50; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (ephemeral - FIRST));
    try {
      return await proxy.listen("127.0.0.1", port);
    } catch (error) {
      if ((error as { code?: string }).code !== "EADDRINUSE") throw error;
    }
  }
  return proxy.listen("127.0.0.1", 0);
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (no pooling), whole body read. */
export function request(
  port: number,
  path: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer; agent?: http.Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers, agent: options.agent ?? false });
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.end(options.body);
  });
}

/** Writes raw bytes and returns everything the server sends until it closes the connection. */
export async function raw(port: number, data: string | Buffer, { end = false } = {}): Promise<string> {
  const socket = net.connect(port, "127.0.0.1");
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  socket.write(data);
  if (end) socket.end();
  await once(socket, "close");
  return Buffer.concat(chunks).toString();
}

/** Polls a condition until it holds or the deadline passes (for state with no event to await). */
/**
 * Polls until the condition holds. The deadline only ends a wait that failed: it is long, so that a machine busy with
 * a whole `npm test` (two test files at once on two cores, other processes beside) does not fail a passing test.
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const app = (prefix: string, name: string, stripPrefix = false): Route => ({ prefix, kind: "app", app: name, stripPrefix });

/** A port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
