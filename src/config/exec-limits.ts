// What the kernel accepts when zoo starts an app (execve(2)): each argument and each NAME=value string at most
// MAX_ARG_STRLEN (32 pages: 128 KiB with its NUL byte); all of them with their pointers at most a quarter of the
// stack limit (at least 128 KiB, at most 6 MiB). An app over either could never start (E2BIG): a config error.
import { readFileSync } from "node:fs";
import type { ConfigPath, ConfigProblem } from "../errors.ts";
import type { AppConfig } from "./types.ts";

export const MAX_ARG_STRLEN = 128 * 1024;
const MIN_ARG_MAX = 128 * 1024;
const MAX_ARG_MAX = 6 * 1024 * 1024;
const POINTER_BYTES = 8;
/** What zoo adds to an app's environment itself (PORT, ZOO_REPLICA, its run tag), generously. */
const ZOO_VARIABLES_BYTES = 256;

/** The most an exec's arguments and environment may take here, from this process's stack limit. */
export function argMax(): number {
  let stack = Number.POSITIVE_INFINITY;
  try {
    const line = /^Max stack size\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (line && line[1] !== "unlimited") stack = Number(line[1]);
  } catch {
    stack = 8 * 1024 * 1024; // no /proc: the usual default
  }
  return Math.max(MIN_ARG_MAX, Math.min(MAX_ARG_MAX, Math.floor(stack / 4)));
}

/**
 * `ownEnv`: the names set in the app's `env` (the rest of `app.env` came from envFiles). zoo's own environment,
 * which the app also gets, is not counted: `zoo validate` may run somewhere else than `zoo start`.
 */
export function checkExecLimits(app: AppConfig, ownEnv: readonly string[], limit = argMax()): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at: ConfigPath = ["apps", app.name];
  const tooLong = (what: string, bytes: number) =>
    `${what} is ${kib(bytes)} long; the kernel starts no process with an argument or variable longer than ${kib(MAX_ARG_STRLEN)} (put large data in a file and pass its path)`;

  let total = ZOO_VARIABLES_BYTES;
  for (const [i, word] of app.command.entries()) {
    const bytes = Buffer.byteLength(word) + 1;
    total += bytes + POINTER_BYTES;
    if (bytes > MAX_ARG_STRLEN) problems.push({ code: "ZOO_ERR_CONFIG_INVALID", path: [...at, "command", ...(app.command.length > 1 ? [i] : [])], message: tooLong(`word ${i + 1} of the command`, bytes) });
  }
  for (const [name, value] of Object.entries(app.env)) {
    const bytes = Buffer.byteLength(name) + 1 + Buffer.byteLength(value) + 1;
    total += bytes + POINTER_BYTES;
    if (bytes > MAX_ARG_STRLEN) {
      const where: ConfigPath = ownEnv.includes(name) ? [...at, "env", name] : [...at, "envFile"];
      problems.push({ code: "ZOO_ERR_CONFIG_INVALID", path: where, message: tooLong(`variable ${name} (as NAME=value)`, bytes) });
    }
  }
  if (problems.length === 0 && total > limit) {
    problems.push({
      code: "ZOO_ERR_CONFIG_INVALID",
      path: [...at, "env"],
      message: `the command and environment take ${kib(total)}, over the ${kib(limit)} the kernel allows for starting a process here (before zoo's own environment); put large data in files`,
    });
  }
  return problems;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1).replace(/\.0$/, "")} KiB`;
}
