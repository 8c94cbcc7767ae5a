// A short, human summary of a valid config for `zoo validate`: where zoo listens (HTTP, HTTPS, metrics), the env
// files read, the apps (with how many run and whether they wait for a request), the routes.
import path from "node:path";
import { routeKeyId } from "./hosts.ts";
import { describeRouteOptions } from "./route-summary.ts";
import type { AppConfig, Config, Probe, Route, TlsConfig } from "./types.ts";

export function summarize(config: Config): string {
  const address = ({ host, port }: { host: string; port: number }) => `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const lines = [
    `${config.file}: valid`,
    `listen ${address(config.listen)}`,
    ...(config.tls ? [`tls https://${address(config.tls.listen)} (${tls(config.tls)})`] : []),
    ...(config.metrics ? [`metrics http://${address(config.metrics.listen)}/metrics`] : []),
    ...(config.dashboard ? [`dashboard http://${address(config.dashboard.listen)}/${config.dashboard.token ? " (token required)" : ""}`] : []),
    ...(config.envFiles.length > 0 ? [`env files ${config.envFiles.map((file) => relative(config.dir, file)).join(", ")}`] : []),
    "",
    ...table(
      ["APP", "COMMAND", "CWD", "PORT", "RUNS", "HEALTH", "DEPENDS ON"],
      config.apps.map((app) => [
        app.name,
        app.url ? `(fronted) http://${app.url.host}:${app.url.port}` : shorten(app.command.map(quoteWord).join(" "), 40),
        app.url ? "-" : relative(config.dir, app.cwd),
        app.url ? String(app.url.port) : app.port === undefined ? "auto" : String(app.port),
        runs(app),
        probe(app.health),
        dependencies(app),
      ]),
    ),
    "",
    ...routeTable(config),
  ];
  return lines.join("\n") + "\n";
}

/** The routes; an OPTIONS column only when a route has options (compress, basic auth, headers, a body limit). */
function routeTable(config: Config): string[] {
  const options = config.routes.map((route) => describeRouteOptions(route, config.dir));
  const withOptions = options.some((text) => text !== "-");
  return table(
    withOptions ? ["ROUTE", "TARGET", "OPTIONS"] : ["ROUTE", "TARGET"],
    config.routes.map((route, i) => [routeKeyId(route), target(route, config.dir), ...(withOptions ? [options[i]] : [])]),
  );
}

function table(header: string[], rows: string[][]): string[] {
  if (rows.length === 0) return [`(no ${header[0].toLowerCase()}s)`];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
}

function tls(tls: TlsConfig): string {
  const parts = [];
  if (tls.certificates.length > 0) parts.push(`${tls.certificates.length} certificate${tls.certificates.length === 1 ? "" : "s"}`);
  if (tls.acme) parts.push(`acme ${tls.acme.email} at ${tls.acme.directory}`);
  if (tls.redirectHttp) parts.push("http redirects to https");
  return parts.join(", ");
}

/** How many copies run and when: "-" for one, started with zoo. */
function runs(app: AppConfig): string {
  if (app.url) return "-";
  const parts = [];
  if (app.replicas > 1) parts.push(`${app.replicas} replicas`);
  if (app.lazy) parts.push(app.idleTimeout === undefined ? "lazy" : `lazy, idle ${duration(app.idleTimeout)}`);
  else if (app.idleTimeout !== undefined) parts.push(`idle ${duration(app.idleTimeout)}`);
  return parts.join(", ") || "-";
}

function duration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function probe(health: Probe): string {
  switch (health.kind) {
    case "none":
      return "none";
    case "tcp":
      return "tcp";
    case "http":
      return `http ${health.path}`;
    case "exec":
      return `exec ${shorten(health.command.map(quoteWord).join(" "), 24)}`;
  }
}

function dependencies(app: AppConfig): string {
  const entries = Object.entries(app.dependsOn);
  if (entries.length === 0) return "-";
  return entries.map(([name, condition]) => (condition === "ready" ? name : `${name} (${condition})`)).join(", ");
}

function target(route: Route, dir: string): string {
  switch (route.kind) {
    case "app":
      return `app ${route.app}${route.stripPrefix ? " (prefix stripped)" : ""}`;
    case "redirect":
      return `redirect ${route.status} ${route.to}`;
    case "proxy":
      return `proxy ${route.target}${route.stripPrefix ? "" : " (prefix kept)"}`;
    case "static":
      return `static ${relative(dir, route.dir)}`;
  }
}

function relative(dir: string, target: string): string {
  return path.relative(dir, target) || ".";
}

function quoteWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
