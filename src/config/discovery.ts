// Which file is the config, and its raw value: an explicit path (--config, ZOO_CONFIG) or a search from the working
// directory up to the project's root (cosmiconfig's "project" strategy), parsed as JSON or YAML (parse.ts).
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { cosmiconfig } from "cosmiconfig";
import { ConfigError } from "../errors.ts";
import { ConfigSyntaxError, loadJson, loadYaml } from "./parse.ts";

export interface LoadOptions {
  /** An explicit config file (`--config`); relative to `cwd`. */
  configPath?: string;
  /** Where the search starts. Default: process.cwd(). */
  cwd?: string;
  /** Variables for `${VAR}`, `$PORT` and `ZOO_CONFIG`. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** `--listen`: overrides the file's `listen`. */
  listen?: string | number;
}

export const SEARCH_PLACES = ["zoo.config.json", "zoo.config.yaml", "zoo.config.yml", ".zoorc.json", "package.json"];


export interface Source {
  file: string;
  raw: unknown;
}

export async function readConfig(configPath: string | undefined, envPath: string | undefined, cwd: string): Promise<Source> {
  const explorer = cosmiconfig("zoo", {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: "project",
    packageProp: "zoo",
    loaders: { ".json": loadJson, ".yaml": loadYaml, ".yml": loadYaml, noExt: loadYaml, default: loadYaml },
    ignoreEmptySearchPlaces: false,
    cache: false,
  });
  const explicit = configPath ?? (envPath || undefined);

  let result: Awaited<ReturnType<typeof explorer.search>>;
  const file = explicit === undefined ? undefined : path.resolve(cwd, explicit);
  try {
    result = file === undefined ? await explorer.search(cwd) : await explorer.load(file);
  } catch (error) {
    const failedFile = file ?? (error as { filepath?: string }).filepath ?? cwd;
    if (error instanceof ConfigSyntaxError) {
      throw new ConfigError(failedFile, [{ code: "ZOO_ERR_CONFIG_SYNTAX", path: [], message: error.message, line: error.line, column: error.column }]);
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (file !== undefined && (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR")) {
      const origin = configPath === undefined ? " (from ZOO_CONFIG)" : "";
      const message = code === "EISDIR" ? `config file ${file}${origin} is a directory` : `config file not found: ${file}${origin}`;
      throw new ConfigError(file, [{ code: "ZOO_ERR_CONFIG_NOT_FOUND", path: [], message }], message);
    }
    throw new ConfigError(failedFile, [{ code: "ZOO_ERR_CONFIG_SYNTAX", path: [], message: (error as Error).message }]);
  }

  if (result === null) throw notFound(cwd);
  if (result.isEmpty) {
    throw new ConfigError(result.filepath, [{ code: "ZOO_ERR_CONFIG_INVALID", path: [], message: "the config is empty (expected an object with apps and routes)" }]);
  }
  return { file: result.filepath, raw: result.config };
}

/**
 * The config file loadConfig would read, found without reading it (only a package.json is parsed, for its "zoo"
 * key). No file: the ConfigError loadConfig throws.
 */
export async function findConfigFile(options: LoadOptions = {}): Promise<string> {
  const { cwd = process.cwd(), env = process.env } = options;
  const explicit = options.configPath ?? (env.ZOO_CONFIG || undefined);
  if (explicit !== undefined) {
    const file = path.resolve(cwd, explicit);
    if (!isFile(file)) await readConfig(options.configPath, env.ZOO_CONFIG, cwd); // throws its "not found"
    return file;
  }
  for (const dir of searchedDirs(cwd)) {
    for (const place of SEARCH_PLACES) {
      const file = path.join(dir, place);
      if (isFile(file) && (place !== "package.json" || hasZooKey(file))) return file;
    }
  }
  throw notFound(cwd);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function hasZooKey(packageJson: string): boolean {
  try {
    const value: unknown = JSON.parse(readFileSync(packageJson, "utf8"));
    return value !== null && typeof value === "object" && "zoo" in value;
  } catch {
    return false;
  }
}

function notFound(cwd: string): ConfigError {
  const dirs = searchedDirs(cwd);
  const message = [
    "no zoo config found.",
    `Looked for ${SEARCH_PLACES.slice(0, -1).join(", ")} or a "zoo" key in package.json, in:`,
    ...dirs.map((dir) => `  ${dir}`),
    "To start, create zoo.config.json next to your apps, for example:",
    '  { "apps": { "web": { "command": "node server.js", "port": 3000 } }, "routes": { "/": "web" } }',
    "or name a file with --config PATH or the ZOO_CONFIG variable.",
  ].join("\n");
  return new ConfigError(cwd, [{ code: "ZOO_ERR_CONFIG_NOT_FOUND", path: [], message }], message);
}

/** The directories cosmiconfig's "project" strategy visits: from cwd up to the first one with a package file. */
function searchedDirs(cwd: string): string[] {
  const dirs: string[] = [];
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    dirs.push(dir);
    if (["package.json", "package.yaml"].some((name) => existsSync(path.join(dir, name)))) break;
    if (path.dirname(dir) === dir) break;
  }
  return dirs;
}
