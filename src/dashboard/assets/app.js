// zoo's dashboard: a thin client of /api (the same commands as the CLI). No build step, no dependency but uPlot.
// Updates arrive by server-sent events; every buffer here is capped (chart points, log lines), so a page left
// open for a day holds what it held after five minutes.
"use strict";

/** Points per chart: the server keeps 300 seconds, one point each. */
const MAX_POINTS = 300;
/** Log lines kept on the page. */
const MAX_LOG_LINES = 500;
const TOKEN_KEY = "zoo-dashboard-token";
const CHART_HEIGHT = 110;

const $ = (selector, root = document) => root.querySelector(selector);
const el = (tag, { dataset, ...props } = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  for (const child of children) node.append(child);
  return node;
};

const page = {
  token: sessionStorage.getItem(TOKEN_KEY) || "",
  source: null,
  /** name → { at, cpuSeconds, startedAt } of the last reading, for CPU%. */
  cpu: new Map(),
  /** app name → its card's parts. */
  apps: new Map(),
  /** route key → { card, numbers, charts: [uPlot, uPlot], data } */
  routes: new Map(),
  logsApp: "",
  appNames: [],
};

// ---- the API ----

async function api(method, path, body) {
  const headers = {};
  if (page.token) headers.authorization = `Bearer ${page.token}`;
  if (method === "POST") headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: method === "POST" ? JSON.stringify(body ?? {}) : undefined });
  const data = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  return { status: res.status, data };
}

async function boot() {
  let reply;
  try {
    reply = await api("GET", "/api/status");
  } catch {
    setLink(false, "zoo is not answering; retrying…");
    return void setTimeout(boot, 3000);
  }
  if (reply.status === 401) return askToken(page.token ? "That token was not accepted." : "Enter the token zoo was given (dashboard.token).");
  if (reply.status !== 200) {
    setLink(false, reply.data.error || `error ${reply.status}`);
    return void setTimeout(boot, 5000);
  }
  renderStatus(reply.data);
  connect();
}

function askToken(why) {
  $("#token-why").textContent = why;
  const dialog = $("#token-dialog");
  if (!dialog.open) dialog.showModal();
  $("#token-input").focus();
}

$("#token-form").addEventListener("submit", () => {
  page.token = $("#token-input").value.trim();
  sessionStorage.setItem(TOKEN_KEY, page.token);
  void boot();
});

/** One EventSource; it follows the logs of the app chosen below (a new choice opens a new one). */
function connect() {
  page.source?.close();
  const query = new URLSearchParams();
  if (page.token) query.set("token", page.token);
  if (page.logsApp) query.set("logs", page.logsApp);
  const source = new EventSource(`/api/events?${query}`);
  page.source = source;
  source.addEventListener("open", () => setLink(true, "live"));
  source.addEventListener("hello", (event) => {
    const data = JSON.parse(event.data);
    renderStatus(data);
    for (const series of data.traffic) addTraffic(series, true);
    if (data.logs) setLogs(data.logs.lines);
  });
  source.addEventListener("tick", (event) => {
    const data = JSON.parse(event.data);
    renderStatus(data);
    for (const series of data.traffic) addTraffic(series, false);
  });
  source.addEventListener("status", (event) => renderStatus(JSON.parse(event.data)));
  source.addEventListener("logs", (event) => {
    const data = JSON.parse(event.data);
    appendLogs(data.lines, data.skipped);
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      // Refused (token, too many pages) or zoo went away: ask again from the start.
      setLink(false, "disconnected; retrying…");
      source.close();
      setTimeout(boot, 3000);
    } else setLink(false, "reconnecting…");
  });
}

function setLink(live, text) {
  const link = $("#link");
  link.textContent = text;
  link.classList.toggle("live", live);
}

// ---- status: zoo and the apps ----

function renderStatus(data) {
  const zoo = data.zoo;
  if (zoo) {
    const figures = [
      ["pid", zoo.pid],
      ["up", duration(zoo.uptimeSeconds * 1000)],
      ["memory", bytes(zoo.rssBytes)],
      ["heap", bytes(zoo.heapUsedBytes)],
      ["connections", zoo.connections],
      ["listening", data.listening ? `${data.listen.host}:${data.listen.port}` : "no"],
    ];
    $("#zoo").replaceChildren(...figures.map(([term, value]) => el("div", { dataset: { figure: term } }, el("dt", { textContent: term }), el("dd", { textContent: String(value) }))));
  }
  const byApp = new Map();
  for (const instance of data.apps) {
    if (!byApp.has(instance.app)) byApp.set(instance.app, []);
    byApp.get(instance.app).push(instance);
  }
  for (const [name, card] of page.apps) {
    if (!byApp.has(name)) {
      card.root.remove();
      page.apps.delete(name);
    }
  }
  for (const [name, instances] of byApp) renderApp(name, instances);
  const running = new Set(data.apps.map((instance) => instance.name));
  for (const name of page.cpu.keys()) if (!running.has(name)) page.cpu.delete(name);
  const names = [...byApp.keys()];
  if (names.join("\0") !== page.appNames.join("\0")) setAppNames(names);
}

function renderApp(name, instances) {
  let card = page.apps.get(name);
  if (!card) {
    card = appCard(name);
    page.apps.set(name, card);
    $("#apps").append(card.root);
  }
  const worst = summaryState(instances);
  card.state.textContent = worst.state;
  card.state.className = `state state-${worst.state}`;
  card.replicas.textContent = instances.length === 1 ? "" : `${instances.length} replicas`;
  const reasons = instances.filter((i) => i.reason && i.state !== "ready").map((i) => (instances.length > 1 ? `${i.name}: ${i.reason}` : i.reason));
  card.reason.textContent = reasons.join("; ");
  card.reason.hidden = reasons.length === 0;
  if (document.activeElement !== card.scale) card.scale.value = String(instances.length);
  const now = Date.now();
  card.rows.replaceChildren(
    ...instances.map((i) =>
      el(
        "tr",
        { dataset: { instance: i.name } },
        el("td", { textContent: i.name }),
        el("td", { className: `state-${i.state}`, textContent: i.state }),
        el("td", { className: "pid", textContent: i.pid ?? "-" }),
        el("td", { textContent: i.pid && i.startedAt ? duration(now - Date.parse(i.startedAt)) : "-" }),
        el("td", { className: "restarts", textContent: String(i.restarts) }),
        el("td", { textContent: lastExit(i.lastExit, now) }),
        el("td", { textContent: cpuPercent(i, now) }),
        el("td", { textContent: i.pid && i.memoryBytes !== null ? bytes(i.memoryBytes) : "-" }),
      ),
    ),
  );
}

/** The app's state: the best of its replicas' (ready when one is), with the replicas' own listed below. */
function summaryState(instances) {
  const rank = ["ready", "sleeping", "waking", "starting", "unhealthy", "backoff", "stopping", "idle", "stopped", "failed"];
  return instances.reduce((best, i) => (rank.indexOf(i.state) < rank.indexOf(best.state) ? i : best), instances[0]);
}

function appCard(name) {
  const state = el("span", { className: "state" });
  const replicas = el("span", { className: "muted" });
  const reason = el("p", { className: "reason", hidden: true });
  const rows = el("tbody");
  const head = ["replica", "state", "pid", "uptime", "restarts", "last exit", "CPU", "RSS"].map((h) => el("th", { textContent: h }));
  const scale = el("input", { type: "number", min: "1", value: "1", ariaLabel: `replicas of ${name}` });
  const button = (action, label, onClick) => el("button", { type: "button", textContent: label, dataset: { action }, onclick: onClick });
  const actions = el(
    "div",
    { className: "actions" },
    button("restart", "Restart", () => act(name, "restart")),
    button("stop", "Stop", () => act(name, "stop")),
    button("start", "Start", () => act(name, "start")),
    scale,
    button("scale", "Scale", () => act(name, "scale", { n: Number(scale.value) })),
    button("logs", "Logs", () => followLogs(name, true)),
  );
  const root = el(
    "article",
    { className: "card", dataset: { app: name } },
    el("div", { className: "card-head" }, el("span", { className: "name", textContent: name }), state, replicas),
    reason,
    el("div", { className: "table-wrap" }, el("table", {}, el("thead", {}, el("tr", {}, ...head)), rows)),
    actions,
  );
  return { root, state, replicas, reason, rows, scale };
}

function cpuPercent(instance, now) {
  const before = page.cpu.get(instance.name);
  if (instance.cpuSeconds === null || !instance.pid) return "-";
  page.cpu.set(instance.name, { at: now, cpuSeconds: instance.cpuSeconds, startedAt: instance.startedAt, shown: before?.shown });
  if (!before || before.startedAt !== instance.startedAt || now - before.at < 500) return before?.shown ?? "-";
  const shown = `${(((instance.cpuSeconds - before.cpuSeconds) / ((now - before.at) / 1000)) * 100).toFixed(1)}%`;
  page.cpu.get(instance.name).shown = shown;
  return shown;
}

function lastExit(exit, now) {
  if (!exit) return "-";
  return `${exit.signal ?? `code ${exit.code}`}, ${duration(now - Date.parse(exit.at))} ago`;
}

// ---- actions: confirm, run, show what the CLI would print ----

const VERBS = { restart: "Restart", stop: "Stop", start: "Start", scale: "Scale" };

async function act(app, action, body) {
  const what = action === "scale" ? `Scale ${app} to ${body.n} replica${body.n === 1 ? "" : "s"}?` : `${VERBS[action]} ${app}?`;
  if (!(await confirmDialog(what))) return;
  const path = `/api/apps/${encodeURIComponent(app)}/${action}`;
  showResult(`zoo ${action} ${app}${action === "scale" ? ` ${body.n}` : ""}`, await api("POST", path, body));
}

$("#reload").addEventListener("click", async () => {
  const plan = await api("POST", "/api/reload?dryRun=1");
  if (plan.status !== 200 || !plan.data.ok) return showResult("zoo reload --dry-run", plan);
  if (!(await confirmDialog("Reload the config? zoo would do:", plan.data.output))) return;
  showResult("zoo reload", await api("POST", "/api/reload"));
});

function confirmDialog(title, plan) {
  const dialog = $("#confirm");
  $("#confirm-title").textContent = title;
  $("#confirm-plan").textContent = plan ?? "";
  $("#confirm-plan").hidden = plan === undefined;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }));
}

function showResult(command, reply) {
  if (reply.status === 401) return askToken("That token was not accepted.");
  const output = reply.data.output ?? `${reply.data.error}\n`;
  const code = reply.data.exitCode ?? (reply.status === 200 ? 0 : 2);
  $("#result-title").textContent = `${command} → exit code ${code}`;
  const pre = $("#result-output");
  pre.textContent = output;
  pre.className = code === 0 ? "ok" : "failed";
  $("#result").showModal();
}

// ---- routes: small live charts ----

function seriesKey(series) {
  return series.app ? `${series.route} → ${series.app}` : series.route;
}

function addTraffic(series, reset) {
  const key = seriesKey(series);
  let route = page.routes.get(key);
  if (!route) {
    route = routeCard(key);
    page.routes.set(key, route);
    $("#routes .empty")?.remove();
    $("#routes").append(route.card);
    const cards = [...page.routes.entries()].sort(([a], [b]) => a.localeCompare(b));
    $("#routes").append(...cards.map(([, other]) => other.card));
  }
  const data = route.data;
  if (reset) for (const column of data) column.length = 0;
  const last = data[0].at(-1) ?? 0;
  for (const [t, requests, errorRate, p50, p99] of series.points) {
    if (t <= last && !reset) continue;
    data[0].push(t);
    data[1].push(requests);
    data[2].push(requests ? errorRate * 100 : null);
    data[3].push(p50);
    data[4].push(p99);
  }
  const excess = data[0].length - MAX_POINTS;
  if (excess > 0) for (const column of data) column.splice(0, excess);
  const [rps, errors, latency] = route.charts;
  rps.setData([data[0], data[1]]);
  errors.setData([data[0], data[2]]);
  latency.setData([data[0], data[3], data[4]]);
  const i = data[0].length - 1;
  route.numbers.replaceChildren(
    figure("req/s", "rps", data[1][i] ?? 0),
    figure("errors", "errors", `${(data[2][i] ?? 0).toFixed(1)}%`),
    figure("p50", "p50", ms(data[3][i])),
    figure("p99", "p99", ms(data[4][i])),
  );
}

function figure(label, name, value) {
  return el("span", {}, `${label} `, el("b", { className: name, textContent: String(value) }));
}

function routeCard(key) {
  const numbers = el("div", { className: "numbers" });
  const card = el("article", { className: "card", dataset: { route: key } }, el("div", { className: "card-head" }, el("span", { className: "name", textContent: key })), numbers);
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  const axis = { stroke: color("--muted"), grid: { stroke: color("--grid"), width: 1 }, ticks: { stroke: color("--grid"), width: 1 }, size: 40, font: "11px system-ui" };
  const chart = (title, series, unit) => {
    const holder = el("div", { className: "chart", dataset: { chart: title } });
    card.append(holder);
    const plot = new uPlot(
      {
        width: Math.max(200, card.clientWidth - 24 || 340),
        height: CHART_HEIGHT,
        title: undefined,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max ?? 0, unit === "%" ? 1 : 0.001) * 1.1] } },
        axes: [{ ...axis, size: 24 }, { ...axis, space: 20, values: (_u, ticks) => ticks.map((v) => `${+v.toPrecision(3)}${unit}`), size: 56 }],
        series: [{}, ...series.map(([label, stroke]) => ({ label, stroke: color(stroke), width: 1.5, spanGaps: false, points: { show: false } }))],
      },
      [[], ...series.map(() => [])],
      holder,
    );
    holder.uplot = plot;
    holder.prepend(el("div", { className: "muted", textContent: title }));
    return plot;
  };
  const charts = [chart("requests/s", [["req/s", "--rps"]], ""), chart("errors %", [["errors", "--err"]], "%"), chart("latency", [["p50", "--p50"], ["p99", "--p99"]], "ms")];
  new ResizeObserver(() => {
    const width = Math.max(200, card.clientWidth - 24);
    for (const plot of charts) if (plot.width !== width) plot.setSize({ width, height: CHART_HEIGHT });
  }).observe(card);
  return { card, numbers, charts, data: [[], [], [], [], []] };
}

// ---- logs ----

function setAppNames(names) {
  page.appNames = names;
  const select = $("#logs-app");
  select.replaceChildren(el("option", { value: "", textContent: "choose an app" }), ...names.map((name) => el("option", { value: name, textContent: name })));
  select.value = names.includes(page.logsApp) ? page.logsApp : "";
}

$("#logs-app").addEventListener("change", (event) => followLogs(event.target.value));

function followLogs(app, scroll = false) {
  page.logsApp = app;
  $("#logs-app").value = app;
  $("#logs").replaceChildren();
  connect();
  if (app && scroll) $("#logs").scrollIntoView({ behavior: "smooth", block: "nearest" });
}

function setLogs(lines) {
  $("#logs").replaceChildren();
  appendLogs(lines, 0);
}

function appendLogs(lines, skipped) {
  const box = $("#logs");
  if (skipped) box.append(el("div", { className: "note", textContent: `… ${skipped} lines skipped (too many at once)` }));
  for (const entry of lines) {
    const time = new Date(entry.at).toTimeString().slice(0, 8);
    const who = entry.instance ?? entry.app;
    box.append(el("div", { className: entry.stream, textContent: `${time} ${who} | ${entry.stream === "zoo" ? "zoo: " : ""}${entry.line}` }));
  }
  while (box.childElementCount > MAX_LOG_LINES) box.firstElementChild.remove();
  if ($("#logs-follow").checked) box.scrollTop = box.scrollHeight;
}

// ---- words ----

function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

function bytes(n) {
  const mib = n / 1024 ** 2;
  return mib >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${mib.toFixed(1)} MiB`;
}

function ms(value) {
  if (value === null || value === undefined) return "-";
  return value >= 1000 ? `${(value / 1000).toFixed(2)}s` : `${+value.toPrecision(3)}ms`;
}

void boot();
