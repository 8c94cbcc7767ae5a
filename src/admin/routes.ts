// The control socket's commands beyond status and health: per-app restart/stop/start, scale, logs, reload.
// Each answer is JSON, except logs, which is one JSON line per log line (and stays open with follow).
import type { IncomingMessage, ServerResponse } from "node:http";
import { closest } from "../config/format.ts";
import type { LogBook, LogLine } from "../logs/book.ts";

export type AppAction = "restart" | "stop" | "start";
export const APP_ACTIONS: readonly AppAction[] = ["restart", "stop", "start"];

/** What one action did to one app: ok, or why not. */
export interface ActionOutcome {
  app: string;
  ok: boolean;
  message: string;
}

/** A refusal of the whole command before anything was done (an unknown app, say): the CLI exits 2. */
export interface Refusal {
  refused: string;
}

export interface ReloadReply {
  ok: boolean;
  /** Invalid config: every error, as `zoo validate` prints them. */
  errors?: string;
  /** The change needs a restart of zoo: nothing was applied. */
  needsRestart?: boolean;
  /** What was (or, with dryRun, would be) done, one line each. */
  plan: string[];
}

export interface ControlOperations {
  /** The names of the apps zoo runs now. */
  apps(): string[];
  /** The names of their current replicas ("node.1"): restart, stop and start take one too. */
  replicas(): string[];
  /** For an app zoo fronts but does not run (`url`): its address; such an app has no process to act on. */
  addressOf(app: string): string | undefined;
  logs: LogBook;
  act(action: AppAction, apps: string[]): Promise<ActionOutcome[] | Refusal>;
  /** Runs `replicas` replicas of the app. */
  scale(app: string, replicas: number): Promise<ActionOutcome | Refusal>;
  reload(dryRun: boolean): Promise<ReloadReply | Refusal>;
}

export interface ControlRoutes {
  /** True when the request was one of these routes (answered, or being answered). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

export function controlRoutes(operations: ControlOperations): ControlRoutes {
  return {
    handle(req, res) {
      const url = new URL(req.url ?? "/", "http://zoo");
      if (url.pathname === "/logs" && req.method === "GET") {
        const apps = url.searchParams.getAll("app");
        const refusal = logsRefusal(apps, operations);
        if (refusal) reply(res, Promise.resolve(refusal));
        else serveLogs(operations.logs, apps, url, req, res);
        return true;
      }
      const answer = commandAnswer(operations, req.method ?? "GET", url);
      if (answer) reply(res, answer);
      return answer !== undefined;
    },
  };
}

/**
 * The answer to a command other than logs (what it did, or a refusal), or undefined when the request is none.
 * The control socket and the dashboard's API both answer through it.
 */
export function commandAnswer(operations: ControlOperations, method: string, url: URL): Promise<unknown> | undefined {
  const [, first, second] = url.pathname.split("/");
  const apps = url.searchParams.getAll("app");
  if (first === "apps" && method === "POST" && second === "scale") {
    const replicas = Number(url.searchParams.get("n"));
    const refusal = apps.length !== 1
      ? { refused: "name one app" }
      : !Number.isInteger(replicas) || replicas < 0
        ? { refused: `expected a number of replicas (0 or more), found "${url.searchParams.get("n")}"` }
        : (unknownApp(apps, operations.apps()) ?? notRun("scale", apps, operations));
    return refusal ? Promise.resolve(refusal) : operations.scale(apps[0], replicas);
  }
  if (first === "apps" && method === "POST" && APP_ACTIONS.includes(second as AppAction)) {
    const action = second as AppAction;
    const known = [...new Set([...operations.apps(), ...operations.replicas()])];
    const refusal = apps.length === 0 ? { refused: `name at least one app` } : (unknownApp(apps, known) ?? notRun(action, apps, operations));
    return refusal ? Promise.resolve(refusal) : operations.act(action, apps);
  }
  if (first === "reload" && method === "POST") return operations.reload(url.searchParams.get("dryRun") === "1");
  return undefined;
}

/** Why the logs of these apps cannot be read (an unknown app, one zoo does not run), or undefined. */
export function logsRefusal(apps: readonly string[], operations: ControlOperations): Refusal | undefined {
  return unknownApp(apps, operations.apps()) ?? notRun("logs", apps, operations);
}

function reply(res: ServerResponse, answer: Promise<unknown>): void {
  answer.then(
    (body) => {
      const status = isRefusal(body) ? 400 : 200;
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    },
    (error: Error) => res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ refused: `zoo failed: ${error.message}` })),
  );
}

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === "object" && value !== null && "refused" in value;
}

/** The last `n` lines of the named apps; with follow=1, every later line too, until the client goes. */
function serveLogs(book: LogBook, apps: string[], url: URL, req: IncomingMessage, res: ServerResponse): void {
  const n = Number(url.searchParams.get("n") ?? "100");
  const follow = url.searchParams.get("follow") === "1";
  // The names the lines come under, so that a client's text prefixes line up from the first line on.
  res.writeHead(200, { "content-type": "application/x-ndjson", "x-zoo-log-names": book.names(apps).join(",") });
  const write = (entry: LogLine) => res.write(JSON.stringify(entry) + "\n");
  for (const entry of book.tail(apps, Number.isFinite(n) && n >= 0 ? n : 100)) write(entry);
  if (!follow) return void res.end();
  // The head now, not with the first line: the client knows it is following.
  res.flushHeaders();
  const unfollow = book.follow(apps, write);
  req.socket.setTimeout(0);
  res.once("close", unfollow);
}

/** The first app named that zoo fronts but does not run: there is no process to restart, stop, start or read. */
function notRun(command: string, names: readonly string[], operations: ControlOperations): Refusal | undefined {
  for (const name of names) {
    const address = operations.addressOf(name);
    if (address) return { refused: `zoo does not run ${name}, it only fronts it at ${address} (its url): there is no process to ${command === "logs" ? "read" : command}` };
  }
  return undefined;
}

/** The first name that is no app of this zoo, with the closest real name as a hint. */
function unknownApp(names: readonly string[], known: readonly string[]): Refusal | undefined {
  const unknown = names.find((name) => !known.includes(name));
  if (unknown === undefined) return undefined;
  const guess = closest(unknown, known);
  const hint = guess ? ` — did you mean "${guess}"?` : known.length ? ` (apps: ${known.join(", ")})` : " (no apps are defined)";
  return { refused: `unknown app "${unknown}"${hint}` };
}
