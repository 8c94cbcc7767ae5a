// The routes: requests/s, error rate and p50/p99 of each second, as small live uPlot charts (uPlot is a global,
// from /uplot.js). Each chart keeps at most MAX_POINTS points.
import { $, el, ms } from "./common.js";

/** Points per chart: the server keeps 300 seconds, one point each. */
const MAX_POINTS = 300;
const CHART_HEIGHT = 110;
/** route key → { card, numbers, charts, data } */
const routes = new Map();

function seriesKey(series) {
  return series.app ? `${series.route} → ${series.app}` : series.route;
}

export function addTraffic(series, reset) {
  const key = seriesKey(series);
  let route = routes.get(key);
  if (!route) {
    route = routeCard(key);
    routes.set(key, route);
    $("#routes .empty")?.remove();
    $("#routes").append(route.card);
    const cards = [...routes.entries()].sort(([a], [b]) => a.localeCompare(b));
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
