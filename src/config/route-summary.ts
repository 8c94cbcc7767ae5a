// A route's options in one cell of `zoo validate`'s route table: "compress, basic auth (2 users), headers, max body 10mb".
import path from "node:path";
import { DEFAULT_COMPRESS_MIN_LENGTH, DEFAULT_COMPRESS_TYPES, type Route } from "./types.ts";

export function describeRouteOptions(route: Route, dir: string): string {
  const parts: string[] = [];
  const { compress, basicAuth, headers, maxBodySize } = route;
  if (compress) {
    const custom = [
      ...(compress.types.join() === DEFAULT_COMPRESS_TYPES.join() ? [] : [`types ${compress.types.join(" ")}`]),
      ...(compress.minLength === DEFAULT_COMPRESS_MIN_LENGTH ? [] : [`min ${formatSize(compress.minLength)}`]),
    ];
    parts.push(custom.length === 0 ? "compress" : `compress (${custom.join(", ")})`);
  }
  if (basicAuth) {
    const count = Object.keys(basicAuth.users).length;
    const from = basicAuth.htpasswd ? ` from ${path.relative(dir, basicAuth.htpasswd) || basicAuth.htpasswd}` : "";
    parts.push(`basic auth (${count} user${count === 1 ? "" : "s"}${from}${basicAuth.passAuthorization ? ", Authorization passed on" : ""})`);
  }
  if (headers) {
    const count = (edits: typeof headers.request) => (edits ? Object.keys(edits.set).length + Object.keys(edits.add).length + edits.remove.length : 0);
    const sides = [
      ...(headers.request ? [`request ${count(headers.request)}`] : []),
      ...(headers.response ? [`response ${count(headers.response)}`] : []),
    ];
    parts.push(`headers (${sides.join(", ")})`);
  }
  if (maxBodySize !== undefined) parts.push(`max body ${formatSize(maxBodySize)}`);
  return parts.length === 0 ? "-" : parts.join(", ");
}

/** 10485760 → "10mb"; sizes that are no whole unit stay in bytes. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [["gb", 1024 ** 3], ["mb", 1024 ** 2], ["kb", 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}b`;
}
