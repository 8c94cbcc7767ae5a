// The followed app's last lines, live: at most MAX_LOG_LINES on the page.
import { $, el, page } from "./common.js";

const MAX_LOG_LINES = 500;
let followed = "";

/** The app whose lines the event stream brings ("" for none). */
export function followedApp() {
  return followed;
}

export function setAppNames(names) {
  const select = $("#logs-app");
  select.replaceChildren(el("option", { value: "", textContent: "choose an app" }), ...names.map((name) => el("option", { value: name, textContent: name })));
  select.value = names.includes(followed) ? followed : "";
}

$("#logs-app").addEventListener("change", (event) => followLogs(event.target.value));

export function followLogs(app, scroll = false) {
  followed = app;
  $("#logs-app").value = app;
  $("#logs").replaceChildren();
  page.reconnect();
  if (app && scroll) $("#logs").scrollIntoView({ behavior: "smooth", block: "nearest" });
}

export function setLogs(lines) {
  $("#logs").replaceChildren();
  appendLogs(lines, 0);
}

export function appendLogs(lines, skipped) {
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
