// Request-target normalization, done once before routing, so that a path never reaches an app
// that its resolved form does not route to.

export interface Target {
  /** Path with dot segments resolved; other percent-encodings are kept as the client sent them. */
  path: string;
  /** "" or "?…", exactly as the client sent it. */
  query: string;
  /** The host (and port) of an absolute-form target, which stands in for the Host header (RFC 9112 §3.2.2). */
  authority?: string;
}

// A segment that some decoder (an app, WHATWG URL) could read as a dot segment hidden inside it:
// encoded or back slashes next to dots, e.g. `..%2f`, `%2e%2e%5c`, `..\`.
const HIDDEN_SEPARATOR = /%2f|%5c|\\/i;
const ENCODED_DOT = /%2e/gi;
const ANY_SEPARATOR = /%2f|%5c|\\|\//i;

/**
 * Splits a request target into a normalized path and the raw query; undefined means 400.
 * Absolute-form targets (`http://host/path`) are reduced to their path; their host is returned apart.
 */
export function normalizeTarget(url: string): Target | undefined {
  let start = 0;
  let authority: string | undefined;
  if (url.charCodeAt(0) !== 47 /* / */) {
    const absolute = /^https?:\/\/(?:[^/?#@]*@)?([^/?#@]+)(?=[/?#]|$)/i.exec(url);
    if (!absolute) return undefined;
    start = absolute[0].length;
    authority = absolute[1];
  }
  const q = url.indexOf("?", start);
  let path = q === -1 ? url.slice(start) : url.slice(start, q);
  const query = q === -1 ? "" : url.slice(q);
  if (path === "") path = "/";
  if (path.includes("#")) return undefined;
  // Only a path that could be or hide a dot segment needs resolving.
  if (path.includes("/.") || path.includes("%") || path.includes("\\")) {
    const resolved = resolveSegments(path);
    if (resolved === undefined) return undefined;
    path = resolved;
  }
  return authority === undefined ? { path, query } : { path, query, authority };
}

function resolveSegments(path: string): string | undefined {
  const input = path.split("/");
  const output: string[] = [];
  for (let i = 1; i < input.length; i++) {
    const segment = input[i];
    const last = i === input.length - 1;
    const plain = segment.includes("%") ? segment.replace(ENCODED_DOT, ".") : segment;
    if (plain === "." || plain === "..") {
      if (plain === ".." && output.length > 0) output.pop();
      // "/a/b/.." resolves to "/a/": a trailing dot segment leaves a directory path.
      if (last) output.push("");
      continue;
    }
    if (HIDDEN_SEPARATOR.test(segment) && hasDotPart(plain)) return undefined;
    output.push(segment);
  }
  return "/" + output.join("/");
}

function hasDotPart(segment: string): boolean {
  return segment.split(ANY_SEPARATOR).some((part) => part === "." || part === "..");
}

/** Removes leading slashes beyond the first, so a Location can never be protocol-relative (`//evil.com`). */
export function collapseLeadingSlashes(path: string): string {
  let i = 0;
  while (path.charCodeAt(i) === 47 || path.charCodeAt(i) === 92 /* \ */) i++;
  return i <= 1 && path.charCodeAt(0) === 47 ? path : "/" + path.slice(i);
}
