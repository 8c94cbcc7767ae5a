// Where the zoo running a config file has its control socket, read without judging the file: `zoo status`,
// `health`, `logs`, `restart`, … must reach a running zoo whatever the file on disk says now (an edit in progress,
// a typo). Only `listen` and `control` are read, leniently; `zoo reload` and `zoo validate` judge the whole file.
import { readFileSync } from "node:fs";
import path from "node:path";
import { interpolate } from "./interpolate.ts";
import { DEFAULT_PORT, parseListen } from "./listen.ts";
import { findConfigFile, type LoadOptions } from "./discovery.ts";
import { loadYaml } from "./parse.ts";

export interface ControlAddress {
  /** The config file, absolute. */
  file: string;
  /** zoo's listen port: `--listen`, else the file's, else $PORT, else 8000. */
  port: number;
  /** The file's `control`, absolute. */
  control: string | undefined;
  /** False when the file could not say (it does not parse, or its `listen` or `control` is bad): defaults were used. */
  certain: boolean;
}

/** Throws the ConfigError loadConfig would only when there is no config file at all. */
export async function readControlAddress(options: LoadOptions = {}): Promise<ControlAddress> {
  const { env = process.env } = options;
  const file = await findConfigFile(options);
  const raw = leniently(file);
  const listenField = fieldOf(raw, "listen", env);
  const controlField = fieldOf(raw, "control", env);
  const fromFile = typeof listenField.value === "string" || typeof listenField.value === "number" ? listenField.value : undefined;
  const listen = parseListen(options.listen ?? fromFile ?? (env.PORT !== undefined && env.PORT !== "" ? env.PORT : DEFAULT_PORT));
  const control = typeof controlField.value === "string" ? path.resolve(path.dirname(file), controlField.value) : undefined;
  const wellTyped = (listenField.value === undefined || fromFile !== undefined) && (controlField.value === undefined || control !== undefined);
  const certain = raw !== undefined && listenField.ok && controlField.ok && wellTyped && listen.ok;
  return { file, port: listen.ok ? listen.port : DEFAULT_PORT, control, certain };
}

/** A top-level field with its ${VAR}s resolved; not ok when one cannot be. */
function fieldOf(raw: Record<string, unknown> | undefined, key: string, env: Record<string, string | undefined>): { value?: unknown; ok: boolean } {
  if (raw?.[key] === undefined) return { ok: true };
  const interpolated = interpolate(raw[key], env);
  return interpolated.problems.length > 0 ? { ok: false } : { value: interpolated.value, ok: true };
}

/** The file's top-level object, or undefined when it does not parse into one. */
function leniently(file: string): Record<string, unknown> | undefined {
  try {
    const text = readFileSync(file, "utf8");
    const base = path.basename(file);
    const parsed: unknown = base === "package.json" ? (JSON.parse(text) as { zoo?: unknown }).zoo : base.endsWith(".json") ? JSON.parse(text) : loadYaml(file, text);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
