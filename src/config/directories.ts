// The directories a config names, checked on disk: each app's `cwd` and each static route's directory. Read from the
// raw value field by field, so that they are reported with every other problem of the file, valid or not.
import { statSync } from "node:fs";
import path from "node:path";
import type { ConfigPath, ConfigProblem } from "../errors.ts";

export function checkDirectories(value: unknown, dir: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [name, app] of Object.entries(record(record(value).apps))) {
    const { cwd, url } = record(app);
    if (typeof cwd === "string" && url === undefined) problems.push(...checkDirectory(["apps", name, "cwd"], cwd, dir, "the app's working directory"));
  }
  for (const [prefix, route] of Object.entries(record(record(value).routes))) {
    const { static: files } = record(route);
    if (typeof files === "string") problems.push(...checkDirectory(["routes", prefix, "static"], files, dir, "the directory of files to serve"));
  }
  return problems;
}

function checkDirectory(at: ConfigPath, relative: string, dir: string, what: string): ConfigProblem[] {
  const full = path.resolve(dir, relative);
  let found: string;
  try {
    if (statSync(full).isDirectory()) return [];
    found = "it is a file, not a directory";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    found = code === "ENOENT" || code === "ENOTDIR" ? "it does not exist" : `it cannot be read (${code})`;
  }
  return [{ code: "ZOO_ERR_CONFIG_DIRECTORY", path: at, message: `${what} ${full}: ${found} (paths are relative to the config file)` }];
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
