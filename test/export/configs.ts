// Configs the export tests share, and the exports of them made in-process.
import { buildConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/types.ts";
import { planExport } from "../../src/export/plan.ts";

/** Every kind of app, dependency and route the exports map, with names DNS would reject. */
export const RICH = {
  listen: 8080,
  apps: {
    web: { command: "node server.js", cwd: "web", port: 3000, health: { http: "/health" } },
    "My_API.v2": {
      command: ["python3", "api.py"],
      cwd: "api",
      env: { MODE: "yes", FLAG: "on", TIME: "22:22" },
      health: { http: "/ready", status: 204, startTimeout: "90s" },
      dependsOn: { web: "ready" },
      stopSignal: "SIGINT",
      stopTimeout: "12s",
      restart: "on-failure",
    },
    worker: { command: "node worker.js", health: false, dependsOn: ["web", "My_API.v2"] },
    migrate: { command: "node migrate.js && echo done", shell: true, restart: "never", health: false },
    checker: { command: "node checker.js", port: 3001, health: { exec: "node check.js", interval: "10s", failures: 5 }, dependsOn: { migrate: "completed", worker: "ready" } },
    "9lives": { command: "./cat", port: 3002 },
  },
  routes: {
    "/": "web",
    "/api": { app: "My_API.v2", stripPrefix: true },
    "/docs": { redirect: "https://docs.example.com/v2/", status: 301 },
    "/old": { redirect: "https://example.com/new", status: 308 },
    "/q": { redirect: "https://example.com/search?q=zoo" },
    "/ext": { proxy: "https://example.org" },
    "/assets": { static: "public" },
  },
};

export const FILE = "/project/zoo.config.json";

export function configOf(raw: unknown): Config {
  return buildConfig(raw, { file: FILE, env: {} });
}

export function planOf(raw: unknown, settings = { image: "registry.example/shop:1.2", workdir: "/app" }) {
  return planExport(configOf(raw), settings);
}
