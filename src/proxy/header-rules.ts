// A route's header rules: set, add and remove, on the request after zoo's own headers (hop-by-hop removed,
// X-Forwarded-*, X-Request-Id; the config refuses rules on those), and on the response head before it is written.
import type { IncomingHttpHeaders } from "node:http";
import type { HeaderEdits } from "../config/types.ts";
import type { HeadFields } from "./response-head.ts";

/** Edits with their names lowercased once, as Node's request headers have them. */
export interface CompiledEdits {
  set: Array<[name: string, value: string]>;
  add: Array<[name: string, value: string]>;
  remove: string[];
}

export function compileEdits(edits: HeaderEdits): CompiledEdits {
  const lower = (entries: Record<string, string>) => Object.entries(entries).map(([name, value]): [string, string] => [name.toLowerCase(), value]);
  return { set: lower(edits.set), add: lower(edits.add), remove: edits.remove.map((name) => name.toLowerCase()) };
}

export function editRequestHeaders(headers: IncomingHttpHeaders, edits: CompiledEdits): void {
  for (const name of edits.remove) delete headers[name];
  for (const [name, value] of edits.set) headers[name] = value;
  for (const [name, value] of edits.add) {
    const present = headers[name];
    if (present === undefined) headers[name] = value;
    else headers[name] = `${String(present)}${name === "cookie" ? "; " : ", "}${value}`;
  }
}

export function editResponseHead(head: HeadFields, edits: CompiledEdits): void {
  for (const name of edits.remove) head.remove(name);
  for (const [name, value] of edits.set) head.set(name, value);
  for (const [name, value] of edits.add) head.add(name, value);
}
