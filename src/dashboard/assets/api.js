// The API, as the page calls it: the token when there is one, JSON both ways.
import { $, page } from "./common.js";

export async function api(method, path, body) {
  const headers = {};
  if (page.token) headers.authorization = `Bearer ${page.token}`;
  if (method === "POST") headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: method === "POST" ? JSON.stringify(body ?? {}) : undefined });
  const data = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  return { status: res.status, data };
}

export function askToken(why) {
  $("#token-why").textContent = why;
  const dialog = $("#token-dialog");
  if (!dialog.open) dialog.showModal();
  $("#token-input").focus();
}
