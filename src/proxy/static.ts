// Static files through `send`: index.html, content types, ETag/Last-Modified with 304, Range, HEAD,
// no traversal (send refuses to leave `root`), no directory listing.
import type { IncomingMessage, ServerResponse } from "node:http";
import type Send from "send";
import { collapseLeadingSlashes } from "./paths.ts";
import { sendPage } from "./pages.ts";
import { markHeadersOf } from "./exchange.ts";

const kPage = Symbol("zoo.static");

let send: typeof Send | undefined;
let loading: Promise<unknown> | undefined;

/** Imports `send` (with mime-db, http-errors, debug…) for the first static request, not at start. */
function loadSend(): Promise<unknown> {
  loading ??= import("send").then((module) => void (send = module.default));
  return loading;
}

interface StaticRequest {
  /** The public path, for the trailing-slash redirect of a directory. */
  path: string;
  query: string;
  label: string;
}

/** `file` is the path under the route's prefix, still percent-encoded (send decodes it). */
export function serveStatic(req: IncomingMessage, res: ServerResponse, root: string, file: string, info: StaticRequest): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return sendPage(res, 405, `${info.label}: only GET and HEAD`, { allow: "GET, HEAD" });
  }
  if (send !== undefined) return serve(req, res, root, file, info);
  loadSend().then(
    () => void (res.destroyed || serve(req, res, root, file, info)),
    () => sendPage(res, 500, `${info.label}: cannot serve this path`),
  );
}

function serve(req: IncomingMessage, res: ServerResponse, root: string, file: string, info: StaticRequest): void {
  const stream = send!(req, file, { root, index: ["index.html"], dotfiles: "ignore" });
  (stream as unknown as Record<symbol, StaticRequest>)[kPage] = info;
  stream.on("error", onSendError);
  stream.on("directory", onDirectory);
  stream.on("headers", markHeadersOf);
  stream.pipe(res);
}

function onSendError(this: Send.SendStream, err: { status?: number; statusCode?: number }): void {
  const res = (this as unknown as { res: ServerResponse }).res;
  const info = (this as unknown as Record<symbol, StaticRequest>)[kPage];
  const status = err.status ?? err.statusCode ?? 500;
  sendPage(res, status, `${info.label}: ${status === 404 ? "no such file" : "cannot serve this path"}`);
}

/** A directory without its trailing slash: redirect to the slash form under the public prefix, not send's. */
function onDirectory(this: Send.SendStream, res: ServerResponse): void {
  const info = (this as unknown as Record<symbol, StaticRequest>)[kPage];
  res.writeHead(301, { location: collapseLeadingSlashes(info.path + "/") + info.query, "content-length": 0 });
  res.end();
}
