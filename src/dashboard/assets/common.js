// What every part of the page shares: its state, DOM helpers, and how numbers are worded.
export const TOKEN_KEY = "zoo-dashboard-token";

export const page = {
  token: sessionStorage.getItem(TOKEN_KEY) || "",
  /** Opens the event stream again (after the followed app changed); set by app.js. */
  reconnect: () => {},
};

export const $ = (selector, root = document) => root.querySelector(selector);
export const el = (tag, { dataset, ...props } = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  for (const child of children) node.append(child);
  return node;
};

export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

export function bytes(n) {
  const mib = n / 1024 ** 2;
  return mib >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${mib.toFixed(1)} MiB`;
}

export function ms(value) {
  if (value === null || value === undefined) return "-";
  return value >= 1000 ? `${(value / 1000).toFixed(2)}s` : `${+value.toPrecision(3)}ms`;
}
