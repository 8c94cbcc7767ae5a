// zoo's dashboard: a thin client of /api (the same commands as the CLI). No build step, no dependency but uPlot.
// Updates arrive by server-sent events; every buffer here is capped (chart points, log lines), so a page left
// open for a day holds what it held after five minutes.
import { api, askToken } from "./api.js";
import { renderStatus } from "./apps.js";
import { addTraffic } from "./charts.js";
import { $, page, TOKEN_KEY } from "./common.js";
import { appendLogs, followedApp, setLogs } from "./logs.js";

let source = null;

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

$("#token-form").addEventListener("submit", () => {
  page.token = $("#token-input").value.trim();
  sessionStorage.setItem(TOKEN_KEY, page.token);
  void boot();
});

/** One EventSource; it follows the logs of the app chosen below (a new choice opens a new one). */
function connect() {
  source?.close();
  const query = new URLSearchParams();
  if (page.token) query.set("token", page.token);
  if (followedApp()) query.set("logs", followedApp());
  source = new EventSource(`/api/events?${query}`);
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

page.reconnect = connect;
void boot();
