// argv → command: start (the default), validate, schema, status, health.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { parseListen } from "./config/listen.ts";
import { loadConfig } from "./config/load.ts";
import { ConfigSchema } from "./config/schema.ts";
import { summarize } from "./config/summary.ts";
import { ZooError } from "./errors.ts";

const HELP = `zoo: one process for a container. It supervises your apps and fronts them on one port.

Usage: zoo [command] [options]

Commands:
  start        Start the apps and the proxy (the default); --watch reloads when the config or an env file changes
  validate     Check the config and print its apps and routes
  schema       Print the config's JSON Schema
  status       Show the apps of a running zoo
  health       Exit 0 when a running zoo is healthy, 1 when not

Commands for a running zoo (over its control socket):
  restart APP…     Restart apps (without downtime when zoo picks their port)
  stop APP…        Stop apps; they stay stopped until started
  scale APP N      Run N replicas of an app: new ones start, the highest ones drain and stop
  start APP…       Start apps stopped with zoo stop
  logs [APP…]      Print the apps' last lines (-n N, default 100); -f follows; --json one JSON object a line
  reload           Load the config again and apply only what changed; --dry-run prints the plan only

Options:
  -c, --config PATH           Config file (default: $ZOO_CONFIG, else zoo.config.json, zoo.config.yaml,
                              zoo.config.yml, .zoorc.json or a "zoo" key in package.json, searched
                              from the working directory up to the project root)
  -l, --listen PORT|HOST:PORT Where zoo listens (overrides the config's listen)
      --log-format text|json  Log format (overrides the config's logFormat)
  -f, --follow                logs: keep printing new lines until interrupted
  -n, --lines N               logs: how many of the last lines (default 100)
      --json                  logs: JSON lines
      --dry-run               reload: print what would change, change nothing
      --watch                 start: reload when the config file or an env file changes
  -h, --help                  Show this help
  -v, --version               Show zoo's version

Exit codes: 0 done, 1 failed, 2 bad config or usage.
`;

const COMMANDS = ["start", "validate", "schema", "status", "health", "restart", "stop", "scale", "logs", "reload"] as const;
type Command = (typeof COMMANDS)[number];
/** Commands that name apps after them. */
const TAKES_APPS = new Set<string>(["start", "restart", "stop", "scale", "logs"]);

interface Invocation {
  command: Command | "help" | "version";
  configPath?: string;
  listen?: string;
  logFormat?: "text" | "json";
  /** The apps named after start, restart, stop or logs. */
  apps?: string[];
  follow?: boolean;
  lines?: number;
  json?: boolean;
  dryRun?: boolean;
  watch?: boolean;
}

class UsageError extends ZooError {
  constructor(message: string) {
    super("ZOO_ERR_USAGE", message);
  }
}

export function parseCommandLine(argv: string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: "string", short: "c" },
        listen: { type: "string", short: "l" },
        "log-format": { type: "string" },
        follow: { type: "boolean", short: "f" },
        lines: { type: "string", short: "n" },
        json: { type: "boolean" },
        "dry-run": { type: "boolean" },
        watch: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw new UsageError(unknown ? `unknown option "${unknown[1]}"` : message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: "help" };
  if (values.version) return { command: "version" };

  const [command = "start", ...extra] = positionals;
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`unknown command "${command}" (expected one of: ${COMMANDS.join(", ")})`);
  }
  if (extra.length > 0 && !TAKES_APPS.has(command)) throw new UsageError(`unexpected argument "${extra[0]}" after "${command}"`);
  if ((command === "restart" || command === "stop") && extra.length === 0) {
    throw new UsageError(`zoo ${command}: name the apps to ${command} (zoo ${command} APP…)`);
  }
  if (command === "scale" && (extra.length !== 2 || !/^\d+$/.test(extra[1]) || Number(extra[1]) < 1)) {
    throw new UsageError(`zoo scale: name one app and a number of replicas of at least 1 (zoo scale APP N)`);
  }
  const lines = values.lines === undefined ? undefined : Number(values.lines);
  if (lines !== undefined && !(Number.isInteger(lines) && lines >= 0)) throw new UsageError(`--lines: expected a whole number, found "${values.lines}"`);

  const logFormat = values["log-format"];
  if (logFormat !== undefined && logFormat !== "text" && logFormat !== "json") {
    throw new UsageError(`--log-format: expected text or json, found "${logFormat}"`);
  }
  if (values.listen !== undefined) {
    const listen = parseListen(values.listen);
    if (!listen.ok) throw new UsageError(`--listen: ${listen.error}`);
  }
  return {
    command: command as Command,
    configPath: values.config,
    listen: values.listen,
    logFormat,
    apps: extra,
    follow: values.follow,
    lines,
    json: values.json,
    dryRun: values["dry-run"],
    watch: values.watch,
  };
}

/** Runs one command; resolves to the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`zoo: ${error.message}\nRun "zoo --help" for usage.\n`);
    return error.exitCode;
  }
  const { command, configPath, listen, logFormat, apps = [] } = invocation;

  try {
    switch (command) {
      case "help":
        process.stdout.write(HELP);
        return 0;
      case "version":
        process.stdout.write(`${version()}\n`);
        return 0;
      case "schema":
        process.stdout.write(JSON.stringify(z.toJSONSchema(ConfigSchema, { io: "input" }), null, 2) + "\n");
        return 0;
      case "validate":
        process.stdout.write(summarize(await loadConfig({ configPath, listen })));
        return 0;
      case "status":
        return (await import("./admin/client.ts")).status({ configPath, listen });
      case "health":
        return (await import("./admin/client.ts")).health({ configPath, listen });
      case "start":
        if (apps.length > 0) return (await import("./admin/operate.ts")).appCommand("start", apps, { configPath, listen });
        return (await import("./main.ts")).start({ configPath, listen, logFormat, watch: invocation.watch });
      case "scale":
        return (await import("./admin/operate.ts")).scale(apps[0], Number(apps[1]), { configPath, listen });
      case "restart":
      case "stop":
        return (await import("./admin/operate.ts")).appCommand(command, apps, { configPath, listen });
      case "logs": {
        const { follow = false, lines = 100, json = false } = invocation;
        return (await import("./admin/operate.ts")).logs({ configPath, listen, apps, follow, lines, json });
      }
      case "reload":
        return (await import("./admin/operate.ts")).reload(invocation.dryRun ?? false, { configPath, listen });
    }
  } catch (error) {
    if (!(error instanceof ZooError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** The process entry (bin/zoo.js, `node src/cli.ts`). */
export async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const code = await runCli(argv);
  // `start` may leave handles (signal listeners, sockets) that are done with: exit now. Others exit naturally, so output is flushed.
  if (isStart(argv)) process.exit(code);
  process.exitCode = code;
}

function isStart(argv: string[]): boolean {
  try {
    const { command, apps = [] } = parseCommandLine(argv);
    return command === "start" && apps.length === 0;
  } catch {
    return false;
  }
}

if (import.meta.main) await main();
