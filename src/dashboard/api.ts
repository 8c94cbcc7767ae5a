// The dashboard's JSON API: the control socket's commands over HTTP. Each command is answered by the very function
// the control socket uses (commandAnswer, logsRefusal), and its result is printed as the CLI prints it.
import type { IncomingMessage, ServerResponse } from "node:http";
import { actionPrinted, reloadPrinted, scalePrinted, type Printed } from "../admin/operate.ts";
import { commandAnswer, isRefusal, logsRefusal, APP_ACTIONS, type ActionOutcome, type AppAction, type ControlOperations, type Refusal, type ReloadReply } from "../admin/routes.ts";
import { DEFAULT_LOG_LIMITS } from "../logs/book.ts";
import { json, type EventHub } from "./events.ts";

/** A POST body is a small JSON object ({ "n": 3 }); anything longer is refused. */
const MAX_BODY_BYTES = 4096;

export interface ApiDeps {
  operations: ControlOperations;
  snapshot(): object;
  events: EventHub;
}

/** Answers a request under /api/ (the guard has let it through). */
export function serveApi(req: IncomingMessage, res: ServerResponse, url: URL, deps: ApiDeps): void {
  const [, , first, encoded, action] = url.pathname.split("/");
  const name = encoded === undefined ? undefined : decoded(encoded);
  if (name === "") return json(res, 400, { error: `not an app name: ${encoded}` });
  if (req.method === "GET" && first === "status" && name === undefined) return json(res, 200, deps.snapshot());
  if (req.method === "GET" && first === "events" && name === undefined) return deps.events.open(req, res, url);
  if (req.method === "GET" && first === "logs" && name === undefined) return serveLogs(res, url, deps.operations);
  if (req.method === "POST" && first === "reload" && name === undefined) {
    const dryRun = url.searchParams.get("dryRun") === "1";
    return void readJson(req, res).then((body) => body && run(res, command(deps, `/reload${dryRun ? "?dryRun=1" : ""}`), (reply) => reloadPrinted(reply as ReloadReply | Refusal, dryRun)));
  }
  if (req.method === "POST" && first === "apps" && name && action === "scale") {
    return void readJson(req, res).then((body) => {
      if (!body) return;
      const n = (body as { n?: unknown }).n;
      const query = `app=${encodeURIComponent(name)}&n=${encodeURIComponent(String(n))}`;
      run(res, command(deps, `/apps/scale?${query}`), (reply) => scalePrinted(reply as ActionOutcome | Refusal));
    });
  }
  if (req.method === "POST" && first === "apps" && name && APP_ACTIONS.includes(action as AppAction)) {
    return void readJson(req, res).then((body) => {
      if (!body) return;
      const path = `/apps/${action}?app=${encodeURIComponent(name)}`;
      run(res, command(deps, path), (reply) => actionPrinted(action as AppAction, reply as ActionOutcome[] | Refusal));
    });
  }
  json(res, 404, { error: `no such API: ${req.method} ${url.pathname} (see the README, "Dashboard")` });
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return "";
  }
}

function command(deps: ApiDeps, path: string): Promise<unknown> {
  return commandAnswer(deps.operations, "POST", new URL(path, "http://zoo"))!;
}

/**
 * 200 when the command ran (ok: false when it failed, exit code 1), 400 when it was refused (exit code 2), with the
 * lines the CLI prints in `output` and its exit code in `exitCode`.
 */
function run(res: ServerResponse, answer: Promise<unknown>, print: (reply: unknown) => Printed): void {
  answer.then(
    (reply) => {
      const printed = print(reply);
      const output = printed.err + printed.out;
      if (isRefusal(reply)) return json(res, 400, { error: reply.refused, output, exitCode: printed.code });
      json(res, printed.code === 2 ? 400 : 200, { ok: printed.code === 0, exitCode: printed.code, output, result: reply });
    },
    (error: Error) => json(res, 500, { error: `zoo failed: ${error.message}` }),
  );
}

function serveLogs(res: ServerResponse, url: URL, operations: ControlOperations): void {
  const app = url.searchParams.get("app");
  if (!app) return json(res, 400, { error: "name one app: /api/logs?app=NAME" });
  const refusal = logsRefusal([app], operations);
  if (refusal) return json(res, 400, { error: refusal.refused });
  const asked = Number(url.searchParams.get("n") ?? "100");
  const n = Number.isInteger(asked) && asked >= 0 ? Math.min(asked, DEFAULT_LOG_LIMITS.lines) : 100;
  json(res, 200, { app, lines: operations.logs.tail([app], n) });
}

/** The body as JSON ({} when empty), or undefined after answering why not. */
async function readJson(req: IncomingMessage, res: ServerResponse): Promise<object | undefined> {
  let text = "";
  try {
    for await (const chunk of req) {
      text += chunk;
      if (text.length > MAX_BODY_BYTES) {
        json(res, 413, { error: `the body is longer than ${MAX_BODY_BYTES} bytes` }, { connection: "close" });
        return undefined;
      }
    }
  } catch {
    return undefined; // the client went away
  }
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
  } catch {}
  json(res, 400, { error: "expected a JSON object as the body" });
  return undefined;
}
