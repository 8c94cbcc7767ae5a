// The apps: a card each (state, reason, replicas with pid, uptime, restarts, last exit, CPU, RSS) and its actions,
// each confirmed, then shown as the CLI would print it; zoo's own figures in the header.
import { api, askToken } from "./api.js";
import { $, bytes, duration, el } from "./common.js";
import { followLogs, setAppNames } from "./logs.js";

/** app name → its card's parts. */
const cards = new Map();
/** instance name → { at, cpuSeconds, startedAt, shown } of the last reading, for CPU%. */
const cpu = new Map();
let appNames = [];

export function renderStatus(data) {
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
  for (const [name, card] of cards) {
    if (!byApp.has(name)) {
      card.root.remove();
      cards.delete(name);
    }
  }
  for (const [name, instances] of byApp) renderApp(name, instances);
  const running = new Set(data.apps.map((instance) => instance.name));
  for (const name of cpu.keys()) if (!running.has(name)) cpu.delete(name);
  const names = [...byApp.keys()];
  if (names.join("\0") !== appNames.join("\0")) {
    appNames = names;
    setAppNames(names);
  }
}

function renderApp(name, instances) {
  let card = cards.get(name);
  if (!card) {
    card = appCard(name);
    cards.set(name, card);
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
  const scale = el("input", { type: "number", min: "0", value: "1", ariaLabel: `replicas of ${name}` });
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
  const before = cpu.get(instance.name);
  if (instance.cpuSeconds === null || !instance.pid) return "-";
  cpu.set(instance.name, { at: now, cpuSeconds: instance.cpuSeconds, startedAt: instance.startedAt, shown: before?.shown });
  if (!before || before.startedAt !== instance.startedAt || now - before.at < 500) return before?.shown ?? "-";
  const shown = `${(((instance.cpuSeconds - before.cpuSeconds) / ((now - before.at) / 1000)) * 100).toFixed(1)}%`;
  cpu.get(instance.name).shown = shown;
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
