// argv → command: start (the default), validate, schema, status, health, probe, export.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import ms from "ms";
import { closest } from "./config/format.ts";
import { answerConfigLoad, LOAD_CONFIG_COMMAND } from "./config-process.ts";
import { parseListen } from "./config/listen.ts";
import type { ExportOptions } from "./export/command.ts";
import { ZooError } from "./errors.ts";
import { HELP } from "./help.ts";

const COMMANDS = ["start", "validate", "schema", "status", "health", "restart", "stop", "scale", "logs", "reload", "probe", "export", "hash-password"] as const;
type Command = (typeof COMMANDS)[number];
/** Options that only some commands take. */
const FLAG_COMMANDS = { json: ["logs", "status"], watch: ["start", "status"] };
/** Commands that name apps after them. */
const TAKES_APPS = new Set<string>(["start", "restart", "stop", "scale", "logs"]);
const EXPORT_FORMATS = ["compose", "kubernetes"] as const;

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
  probe?: { target: string; status?: number; timeoutMs?: number; waitMs?: number };
  export?: ExportOptions;
}

/** Options only one command takes, and that command. */
const COMMAND_OPTIONS: Record<string, Command> = {
  status: "probe",
  timeout: "probe",
  wait: "probe",
  image: "export",
  output: "export",
  workdir: "export",
  namespace: "export",
  gateway: "export",
};

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
        status: { type: "string" },
        timeout: { type: "string" },
        wait: { type: "string" },
        image: { type: "string" },
        output: { type: "string", short: "o" },
        workdir: { type: "string" },
        namespace: { type: "string" },
        gateway: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    if (!unknown) throw new UsageError(message);
    // The options --help documents are the ones to suggest.
    const documented = [...new Set([...HELP.matchAll(/--([a-z][a-z-]+)/g)].map((match) => match[1]))];
    const guess = unknown[1].startsWith("--") ? closest(unknown[1].slice(2), documented) : undefined;
    throw new UsageError(`unknown option "${unknown[1]}"${guess ? ` — did you mean "--${guess}"?` : ""}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: "help" };
  if (values.version) return { command: "version" };

  const [command = "start", ...extra] = positionals;
  if (!(COMMANDS as readonly string[]).includes(command)) {
    const guess = closest(command, COMMANDS);
    throw new UsageError(`unknown command "${command}"${guess ? ` — did you mean "${guess}"?` : ` (expected one of: ${COMMANDS.join(", ")})`}`);
  }
  for (const [option, owner] of Object.entries(COMMAND_OPTIONS)) {
    if (values[option as keyof typeof values] !== undefined && owner !== command) throw new UsageError(`--${option} applies to "zoo ${owner}" only`);
  }
  const operands = command === "probe" || command === "export" ? 1 : 0;
  if (extra.length < operands) {
    throw new UsageError(command === "probe" ? "probe: expected a target: tcp://HOST:PORT, http://HOST:PORT/PATH or an app name" : `export: expected a format: ${EXPORT_FORMATS.join(" or ")}`);
  }
  if (extra.length > operands && !TAKES_APPS.has(command)) throw new UsageError(`unexpected argument "${extra[operands]}" after "${command}${operands ? ` ${extra[0]}` : ""}"`);
  if ((command === "restart" || command === "stop") && extra.length === 0) {
    throw new UsageError(`zoo ${command}: name the apps to ${command} (zoo ${command} APP…)`);
  }
  if (command === "scale" && (extra.length !== 2 || !/^\d+$/.test(extra[1]))) {
    throw new UsageError(`zoo scale: name one app and a number of replicas, 0 to stop every one (zoo scale APP N)`);
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
  for (const [flag, commands] of Object.entries(FLAG_COMMANDS)) {
    if (values[flag as keyof typeof FLAG_COMMANDS] && !commands.includes(command)) {
      throw new UsageError(`--${flag} is an option of ${commands.map((c) => `"${c}"`).join(" and ")}, not of "${command}"`);
    }
  }
  const invocation: Invocation = {
    command: command as Command,
    configPath: values.config,
    listen: values.listen,
    logFormat,
    apps: TAKES_APPS.has(command) ? extra : [],
    follow: values.follow,
    lines,
    json: values.json,
    dryRun: values["dry-run"],
    watch: values.watch,
  };
  if (command === "probe") {
    invocation.probe = {
      target: extra[0],
      status: values.status === undefined ? undefined : httpStatus(values.status),
      timeoutMs: values.timeout === undefined ? undefined : duration("--timeout", values.timeout),
      waitMs: values.wait === undefined ? undefined : duration("--wait", values.wait),
    };
  }
  if (command === "export") {
    const format = extra[0];
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`export: unknown format "${format}" (expected ${EXPORT_FORMATS.join(" or ")})`);
    for (const option of ["namespace", "gateway"] as const) {
      if (values[option] !== undefined && format !== "kubernetes") throw new UsageError(`--${option} applies to "zoo export kubernetes" only`);
    }
    invocation.export = {
      format: format as ExportOptions["format"],
      image: values.image,
      outDir: values.output,
      workdir: values.workdir,
      namespace: values.namespace,
      gateway: values.gateway,
    };
  }
  return invocation;
}

function httpStatus(text: string): number {
  const status = Number(text);
  if (!/^\d{3}$/.test(text) || status < 100 || status > 599) throw new UsageError(`--status: expected an HTTP status from 100 to 599, found "${text}"`);
  return status;
}

function duration(flag: string, text: string): number {
  const parsed = /^\d+$/.test(text) ? Number(text) : /^\d+(\.\d+)?[a-z]+$/i.test(text) ? ms(text as ms.StringValue) : undefined;
  if (typeof parsed !== "number" || !Number.isFinite(parsed)) throw new UsageError(`${flag}: expected a duration such as "500ms", "5s", "2m" or a number of milliseconds, found "${text}"`);
  return Math.round(parsed);
}

/** Runs one command; resolves to the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // A message that names its command already ("zoo stop: …") needs no second "zoo: ".
    process.stderr.write(`${error.message.startsWith("zoo ") ? "" : "zoo: "}${error.message}\nRun "zoo --help" for usage.\n`);
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
        return await printSchema();
      case "hash-password":
        return await (await import("./hash-password.ts")).hashPassword();
      case "validate":
        return await validate(configPath, listen);
      case "status": {
        const { json, watch } = invocation;
        if (watch) return await (await import("./admin/status-watch.ts")).watch({ configPath, listen, json });
        return await (await import("./admin/client.ts")).status({ configPath, listen, json });
      }
      case "health":
        return await (await import("./admin/client.ts")).health({ configPath, listen });
      case "start":
        if (apps.length > 0) return await (await import("./admin/operate.ts")).appCommand("start", apps, { configPath, listen });
        return await (await import("./main.ts")).start({ configPath, listen, logFormat, watch: invocation.watch });
      case "scale":
        return await (await import("./admin/operate.ts")).scale(apps[0], Number(apps[1]), { configPath, listen });
      case "restart":
      case "stop":
        return await (await import("./admin/operate.ts")).appCommand(command, apps, { configPath, listen });
      case "logs": {
        const { follow = false, lines = 100, json = false } = invocation;
        return await (await import("./admin/operate.ts")).logs({ configPath, listen, apps, follow, lines, json });
      }
      case "reload":
        return await (await import("./admin/operate.ts")).reload(invocation.dryRun ?? false, { configPath, listen });
      case "probe":
        return await (await import("./probe-command.ts")).probeCommand({ ...invocation.probe!, configPath });
      case "export":
        return await (await import("./export/command.ts")).exportCommand({ ...invocation.export!, configPath, listen });
    }
  } catch (error) {
    if (!(error instanceof ZooError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
}

async function printSchema(): Promise<number> {
  const { configJsonSchema } = await import("./config/schema.ts");
  process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + "\n");
  return 0;
}

async function validate(configPath: string | undefined, listen: string | undefined): Promise<number> {
  const [{ loadConfig }, { summarize }] = await Promise.all([import("./config/load.ts"), import("./config/summary.ts")]);
  const config = await loadConfig({ configPath, listen }); // certificate files and directories are checked too
  process.stdout.write(summarize(config));
  return 0;
}

// The single-file build (scripts/build-binary.ts) has no package.json beside it: it defines ZOO_VERSION instead.
declare const ZOO_VERSION: string | undefined;

function version(): string {
  if (typeof ZOO_VERSION === "string") return ZOO_VERSION;
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** The process entry (bin/zoo.js, `node src/cli.ts`). */
export async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === LOAD_CONFIG_COMMAND) {
    process.exitCode = await answerConfigLoad(argv[1]);
    return;
  }
  if (isStart(argv)) (await import("./memory-settings.ts")).applyMemorySettings();
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
