// The dashboard page in a real browser (Debian's headless Chromium) against a real zoo.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startLoad } from "../operate/load.ts";
import { openBrowser } from "./browser.ts";
import { app, get, pidOf, runDashboard } from "./helpers.ts";

const ROUTES = { "/": "node", "/worker": "worker" };
const APPS = () => ({ node: app(), worker: app({ MODE: "w" }) });

test("the apps appear with their states; Stop shows the app stopped with its reason; logs follow live; Reload shows its plan first; Scale adds a replica", async (t) => {
  const z = await runDashboard(t, { apps: APPS(), routes: ROUTES });
  await z.zoo.waitFor(/node: ready[^]*worker: ready|worker: ready[^]*node: ready/);
  const page = await (await openBrowser(t)).newPage();
  await page.goto(`http://127.0.0.1:${z.dashboard}/`);
  const state = (name: string) => page.locator(`[data-app="${name}"] .card-head .state`);
  await page.waitForFunction(() => document.querySelectorAll("[data-app] .state-ready.state").length === 2);
  assert.equal(await state("node").textContent(), "ready");
  assert.equal(await page.locator('[data-app="node"] .pid').textContent(), String(await pidOf(z.port)));

  await page.click('[data-app="worker"] [data-action="stop"]');
  await page.click("#confirm-ok");
  await page.locator("#result[open]").waitFor();
  assert.match(await page.locator("#result-output").textContent() ?? "", /^worker: stopped/);
  await page.click("#result-close");
  await page.waitForFunction(() => document.querySelector('[data-app="worker"] .reason')?.textContent === "stopped on request");
  assert.equal(await state("worker").textContent(), "stopped");

  await page.selectOption("#logs-app", "node");
  await page.locator("#logs div", { hasText: "node: ready" }).first().waitFor();
  await get(z.port, "/say?text=followed-live");
  await page.locator("#logs div", { hasText: "followed-live" }).waitFor();

  await page.click("#reload");
  await page.locator("#confirm[open]").waitFor();
  assert.match(await page.locator("#confirm-plan").textContent() ?? "", /^would do:\n {2}nothing changed/);
  await page.click("#confirm-ok");
  await page.locator("#result[open]").waitFor();
  assert.match(await page.locator("#result-title").textContent() ?? "", /^zoo reload → exit code 0/);
  await page.click("#result-close");

  await page.fill('[data-app="node"] input[type=number]', "2");
  await page.click('[data-app="node"] [data-action="scale"]');
  assert.equal(await page.locator("#confirm-title").textContent(), "Scale node to 2 replicas?");
  await page.click("#confirm-ok");
  await page.locator("#result[open]").waitFor({ timeout: 60_000 });
  assert.match(await page.locator("#result-title").textContent() ?? "", /^zoo scale node 2 → exit code 0/);
  await page.waitForFunction(() => document.querySelectorAll('[data-app="node"] tbody tr').length === 2);
});

test("a restart clicked in the page replaces the app (new pid) with no failed request under load, and the charts move", async (t) => {
  const z = await runDashboard(t, { apps: { node: app() }, routes: { "/": "node" } });
  await z.zoo.waitFor(/node: ready/);
  const oldPid = await pidOf(z.port);
  const page = await (await openBrowser(t)).newPage();
  await page.goto(`http://127.0.0.1:${z.dashboard}/`);
  await page.waitForFunction((pid) => document.querySelector('[data-app="node"] .pid')?.textContent === String(pid), oldPid);
  const load = startLoad(z.port, "/", { workers: 2, fresh: 1 });
  t.after(() => load.stop());
  // The requests/s chart's last points: non-zero once the load shows, and each second brings a new one.
  const lastPoint = () =>
    page.evaluate(() => {
      const plot = (document.querySelector('[data-route="/ → node"] [data-chart="requests/s"]') as unknown as { uplot: { data: number[][] } }).uplot;
      return { t: plot.data[0].at(-1) ?? 0, requests: plot.data[1].at(-1) ?? 0 };
    });
  await page.waitForFunction(() => Number(document.querySelector('[data-route="/ → node"] .rps')?.textContent) > 0, undefined, { timeout: 20_000 });
  const before = await lastPoint();
  assert.ok(before.requests > 0);
  await page.waitForFunction((t0) => {
    const plot = (document.querySelector('[data-route="/ → node"] [data-chart="requests/s"]') as unknown as { uplot: { data: number[][] } }).uplot;
    return (plot.data[0].at(-1) ?? 0) > t0;
  }, before.t);

  const points = await page.evaluate(() => (document.querySelector('[data-route="/ → node"] [data-chart="requests/s"]') as unknown as { uplot: { data: number[][] } }).uplot.data[0].length);
  assert.ok(points <= 300, `a chart keeps at most 300 points, has ${points}`);

  await page.click('[data-app="node"] [data-action="restart"]');
  await page.click("#confirm-ok");
  await page.locator("#result[open]").waitFor({ timeout: 60_000 });
  assert.match(await page.locator("#result-output").textContent() ?? "", /^node: restarted/);
  const newPid = await pidOf(z.port);
  assert.notEqual(newPid, oldPid);
  await page.waitForFunction((pid) => document.querySelector('[data-app="node"] .pid')?.textContent === String(pid), newPid);
  const sent = await load.stop();
  assert.equal(sent.failed, 0, `failed requests: ${sent.failures.join("; ")} of ${sent.sent}`);
  assert.ok(sent.sent > 50, `only ${sent.sent} requests were sent`);
});

test("the token prompt: asked once, a wrong token asks again, the right one opens the page (on a phone, in dark mode)", async (t) => {
  const z = await runDashboard(t, { apps: { node: app() }, routes: { "/": "node" } }, { token: "pass-word" });
  await z.zoo.waitFor(/node: ready/);
  const context = await openBrowser(t, { colorScheme: "dark", viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${z.dashboard}/`);
  await page.locator("#token-dialog[open]").waitFor();
  await page.fill("#token-input", "wrong");
  await page.click("#token-ok");
  await page.locator("#token-dialog[open] #token-why", { hasText: "not accepted" }).waitFor();
  await page.fill("#token-input", "pass-word");
  await page.click("#token-ok");
  await page.locator('[data-app="node"] .state-ready').first().waitFor();
  await page.locator("#link.live").waitFor();
  // Asked once: the tab keeps it.
  await page.reload();
  await page.locator('[data-app="node"] .state-ready').first().waitFor();
  assert.equal(await page.locator("#token-dialog[open]").count(), 0);
  // It reads on a phone (nothing wider than the screen) and in dark mode.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no horizontal scrolling at 390 px");
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, "rgb(20, 20, 20)");
});
