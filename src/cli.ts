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
  start        Start the apps and the proxy (the default)
  validate     Check the config and print its apps and routes
  schema       Print the config's JSON Schema
  status       Show the apps of a running zoo
  health       Exit 0 when a running zoo is healthy, 1 when not

Options:
  -c, --config PATH           Config file (default: $ZOO_CONFIG, else zoo.config.json, zoo.config.yaml,
                              zoo.config.yml, .zoorc.json or a "zoo" key in package.json, searched
                              from the working directory up to the project root)
  -l, --listen PORT|HOST:PORT Where zoo listens (overrides the config's listen)
      --log-format text|json  Log format (overrides the config's logFormat)
      --json                  status: print the status as JSON (shape in the README)
  -w, --watch                 status: redraw the status every second until interrupted
  -h, --help                  Show this help
  -v, --version               Show zoo's version

Exit codes: 0 done, 1 failed, 2 bad config or usage.
`;

const COMMANDS = ["start", "validate", "schema", "status", "health"] as const;
type Command = (typeof COMMANDS)[number];

interface Invocation {
  command: Command | "help" | "version";
  configPath?: string;
  listen?: string;
  logFormat?: "text" | "json";
  json?: boolean;
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
        json: { type: "boolean" },
        watch: { type: "boolean", short: "w" },
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
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" after "${command}"`);

  const logFormat = values["log-format"];
  if (logFormat !== undefined && logFormat !== "text" && logFormat !== "json") {
    throw new UsageError(`--log-format: expected text or json, found "${logFormat}"`);
  }
  if (values.listen !== undefined) {
    const listen = parseListen(values.listen);
    if (!listen.ok) throw new UsageError(`--listen: ${listen.error}`);
  }
  for (const flag of ["json", "watch"] as const) {
    if (values[flag] && command !== "status") throw new UsageError(`--${flag} is an option of "status", not of "${command}"`);
  }
  return { command: command as Command, configPath: values.config, listen: values.listen, logFormat, json: values.json, watch: values.watch };
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
  const { command, configPath, listen, logFormat, json, watch } = invocation;

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
        if (watch) return (await import("./admin/watch.ts")).watch({ configPath, listen, json });
        return (await import("./admin/client.ts")).status({ configPath, listen, json });
      case "health":
        return (await import("./admin/client.ts")).health({ configPath, listen });
      case "start":
        return (await import("./main.ts")).start({ configPath, listen, logFormat });
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
    return parseCommandLine(argv).command === "start";
  } catch {
    return false;
  }
}

if (import.meta.main) await main();
