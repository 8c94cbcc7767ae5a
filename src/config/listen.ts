// `listen`: a port, or "host:port" ("[::1]:8000" for IPv6). Shared by the schema, the loader and `--listen`.

export const DEFAULT_HOST = "0.0.0.0";
export const DEFAULT_PORT = 8000;
export const LISTEN_HINT = 'a port from 0 to 65535 or "host:port"';

export type ListenResult = { ok: true; host: string; port: number } | { ok: false; error: string };

export function parseListen(value: number | string): ListenResult {
  const fail = (): ListenResult => ({ ok: false, error: `expected ${LISTEN_HINT}, found ${JSON.stringify(value)}` });
  if (typeof value === "number") return isPort(value) ? { ok: true, host: DEFAULT_HOST, port: value } : fail();

  const text = value.trim();
  const match = /^(?:(\[[0-9A-Fa-f:.]+\]|[^:\s[\]]*):)?(\d+)$/.exec(text);
  if (!match) return fail();
  const port = Number(match[2]);
  if (!isPort(port)) return fail();
  const host = match[1] ? match[1].replace(/^\[(.*)\]$/, "$1") : DEFAULT_HOST;
  return { ok: true, host, port };
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535;
}

/** 127.0.0.0/8, ::1 or localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
