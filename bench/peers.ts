// The other proxies the bench puts beside zoo, each on a free loopback port, each answering /node/info once ready:
// Debian's caddy and haproxy, configured as their docs recommend for a keep-alive upstream, and the two bare
// Node floors of bench/client-proxy.ts.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, waitForUpstreamInfo, type Contender } from "./contenders.ts";
import { freePort, startProcess } from "./proc.ts";

/**
 * `caddy run` with a Caddyfile: reverse_proxy with the http transport's keep-alive (its default, 2 m) and as many
 * idle upstream connections as the bench opens (the default keeps 32 per host; wrk opens 50). Admin API
 * and automatic HTTPS off; Caddy writes no access log unless asked. Under /enc, its `encode` compresses with gzip or
 * zstd (Caddy 2.6 has no brotli encoder without a plugin), as zoo's `compress` route does.
 */
export async function startCaddy(upstreamPort: number, tmp: string): Promise<Contender> {
  const dir = join(tmp, "caddy");
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, "Caddyfile");
  writeFileSync(
    conf,
    `{
	admin off
	auto_https off
}
:${port} {
	bind 127.0.0.1
	@enc path /enc/*
	encode @enc zstd gzip
	reverse_proxy 127.0.0.1:${upstreamPort} {
		transport http {
			keepalive 2m
			keepalive_idle_conns_per_host 64
		}
	}
}
`,
  );
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, "data"), XDG_CONFIG_HOME: join(dir, "config") };
  const proc = startProcess("caddy", "caddy", ["run", "--config", conf, "--adapter", "caddyfile"], {
    env,
    logFile: join(dir, "caddy.log"),
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForUpstreamInfo(origin, 15_000, proc.exited);
  return { name: "caddy", origin, process: proc, stop: async () => void (await proc.stop(5000)) };
}

/**
 * haproxy in the foreground (-db), `mode http` with `option http-keep-alive` and `http-reuse safe` (both its
 * defaults, and what its configuration manual recommends): every client connection keeps its server connection,
 * idle server connections are shared. Threads: haproxy's default, one per CPU. `timeout tunnel` covers WebSockets.
 */
export async function startHaproxy(upstreamPort: number, tmp: string): Promise<Contender> {
  const dir = join(tmp, "haproxy");
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, "haproxy.cfg");
  writeFileSync(
    conf,
    `global
  maxconn 4096

defaults
  mode http
  option http-keep-alive
  http-reuse safe
  timeout connect 5s
  timeout client 120s
  timeout server 120s
  timeout http-keep-alive 120s
  timeout tunnel 1h

frontend bench
  bind 127.0.0.1:${port}
  default_backend app

backend app
  server upstream 127.0.0.1:${upstreamPort}
`,
  );
  const proc = startProcess("haproxy", "haproxy", ["-db", "-f", conf], { logFile: join(dir, "haproxy.log") });
  const origin = `http://127.0.0.1:${port}`;
  await waitForUpstreamInfo(origin, 10_000, proc.exited);
  return { name: "haproxy", origin, process: proc, stop: async () => void (await proc.stop(5000)) };
}

/** A bare Node proxy of bench/client-proxy.ts: `bare-http` (node-floor) or `bare-undici` (undici-floor). */
export async function startNodeFloor(client: "bare-http" | "bare-undici", upstreamPort: number, tmp: string, env?: NodeJS.ProcessEnv): Promise<Contender> {
  const name = client === "bare-http" ? "node-floor" : "undici-floor";
  const port = await freePort();
  const proc = startProcess(name, process.execPath, [join(BENCH_DIR, "client-proxy.ts"), client, String(port), String(upstreamPort)], {
    env: env && { ...process.env, ...env },
    logFile: join(tmp, `${name}.log`),
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForUpstreamInfo(origin, 10_000, proc.exited);
  return { name, origin, process: proc, floor: true, stop: async () => void (await proc.stop(5000)) };
}
