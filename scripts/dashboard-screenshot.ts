// docs/dashboard.png: the dashboard of a real zoo under load, in headless Chromium (the test suite's browser).
//   node scripts/dashboard-screenshot.ts [--dark]
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { startZoo, stopZoo, tempConfig } from "../test/helpers/zoo-process.ts";
import { startLoad } from "../test/operate/load.ts";

const { values } = parseArgs({ options: { dark: { type: "boolean", default: false } } });
const ROOT = join(import.meta.dirname, "..");
const app = (mode: string, extra = {}) => ({ command: [process.execPath, join(ROOT, "test/operate/app.js")], env: { MODE: mode }, ...extra });
const { dir, file } = tempConfig({
  listen: "127.0.0.1:0",
  apps: { web: app("web", { replicas: 2 }), api: app("api"), worker: app("worker") },
  routes: { "/": "web", "/api": "api", "/worker": "worker" },
  dashboard: { listen: "127.0.0.1:0" },
  accessLog: false,
});
const zoo = startZoo(["start", "-c", file], { cwd: dir });
try {
  const port = Number(/:(\d+)$/.exec(await zoo.waitFor(/listening on http:\/\/\S+:\d+/, 60_000))![1]);
  const dashboard = Number(/:(\d+)\/$/.exec(await zoo.waitFor(/dashboard on http:\/\/\S+:\d+\//, 60_000))![1]);
  await zoo.waitFor(/worker: ready/, 60_000);
  const post = (path: string) => fetch(`http://127.0.0.1:${dashboard}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  await post("/api/apps/worker/stop");
  const loads = [startLoad(port, "/", { workers: 3, fresh: 1 }), startLoad(port, "/api/", { workers: 1, fresh: 0 }), startLoad(port, "/worker", { workers: 1, fresh: 0 })];
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, colorScheme: values.dark ? "dark" : "light" });
  await page.goto(`http://127.0.0.1:${dashboard}/`);
  await page.selectOption("#logs-app", "api");
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const line = i % 7 === 3 ? "warning: cache miss for /orders, refilling" : `GET /orders/${1000 + i} 200 in ${(3 + (i % 5) * 1.7).toFixed(1)}ms`;
    await fetch(`http://127.0.0.1:${port}/api/say?text=${encodeURIComponent(line)}`);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ROOT, "docs/dashboard.png"), fullPage: true });
  await browser.close();
  await Promise.all(loads.map((load) => load.stop()));
} finally {
  await stopZoo(zoo);
}
