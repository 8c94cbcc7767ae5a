// `envFile`: dotenv files named in the config (a path or a list), relative to the config file, parsed with
// dotenv's own parser. A later file in a list wins over an earlier one.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "dotenv";
import type { ConfigPath, ConfigProblem } from "../errors.ts";

export interface EnvFiles {
  /** The variables of every file read, merged in order. */
  values: Record<string, string>;
  /** Absolute paths of the files read, in order. */
  files: string[];
  problems: ConfigProblem[];
}

/**
 * Reads the files `spec` names (`spec` is the interpolated value found at `at`). Entries that are not non-empty
 * strings are skipped: the schema reports them.
 */
export function readEnvFiles(spec: unknown, at: ConfigPath, dir: string): EnvFiles {
  const entries: Array<[name: unknown, at: ConfigPath]> = Array.isArray(spec) ? spec.map((name, i) => [name, [...at, i]]) : spec === undefined ? [] : [[spec, at]];
  const result: EnvFiles = { values: {}, files: [], problems: [] };
  for (const [name, where] of entries) {
    if (typeof name !== "string" || name === "") continue;
    const file = path.resolve(dir, name);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      result.problems.push({ code: "ZOO_ERR_CONFIG_ENV_FILE", path: where, message: unreadable(name, file, error as NodeJS.ErrnoException) });
      continue;
    }
    Object.assign(result.values, parse(text));
    result.files.push(file);
  }
  return result;
}

function unreadable(name: string, file: string, error: NodeJS.ErrnoException): string {
  const relative = path.isAbsolute(name) ? "" : " (envFile paths are relative to the config file)";
  switch (error.code) {
    case "ENOENT":
      return `env file not found: ${file}${relative}`;
    case "EISDIR":
      return `env file ${file} is a directory (expected a file of NAME=value lines)`;
    case "EACCES":
    case "EPERM":
      return `cannot read env file ${file}: permission denied (zoo runs as uid ${process.getuid?.() ?? "?"})`;
    default:
      return `cannot read env file ${file}: ${error.code ?? error.message}`;
  }
}
