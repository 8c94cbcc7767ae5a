// The running zoo loads its config in a short-lived child process (`zoo __load-config`), at start and at every
// reload: the validator (zod), the YAML parser and cosmiconfig are ~6 MB of memory that an ES module cannot give
// back once imported, and zoo needs them for a few milliseconds a reload. The child is zoo itself; it prints the
// loaded Config as JSON, or the ConfigError that a load in this process would have thrown.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Config } from "./config/types.ts";
import { ConfigError, type ConfigProblem } from "./errors.ts";

export const LOAD_CONFIG_COMMAND = "__load-config";

export interface ConfigRequest {
  configPath?: string;
  listen?: string | number;
}

type ConfigAnswer = { config: Config } | { error: { file: string; problems: ConfigProblem[]; message: string } };

/** A config load has no reason to take long: the bound is for a child that hangs (a stuck network file system). */
const LOAD_TIMEOUT_MS = 60_000;
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

// The single executable (scripts/build-binary.ts) defines this: it is its own entry and has no cli.js beside it.
declare const ZOO_SINGLE_EXECUTABLE: boolean | undefined;

/** How to start zoo's own command line: `node cli.js` (or `cli.ts`), or the single executable alone. */
function zooCommand(): string[] {
  if (typeof ZOO_SINGLE_EXECUTABLE === "boolean" && ZOO_SINGLE_EXECUTABLE) return [];
  return [fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? "./cli.ts" : "./cli.js", import.meta.url))];
}

/** loadConfig, run in a child process with this process's environment and working directory. */
export function loadConfigApart(request: ConfigRequest): Promise<Config> {
  const args = [...zooCommand(), LOAD_CONFIG_COMMAND, JSON.stringify(request)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: LOAD_TIMEOUT_MS, maxBuffer: MAX_ANSWER_BYTES, env: process.env }, (error, stdout, stderr) => {
      let answer: ConfigAnswer | undefined;
      try {
        answer = JSON.parse(stdout) as ConfigAnswer;
      } catch {
        const why = error?.killed ? `did not answer within ${LOAD_TIMEOUT_MS / 1000} s` : `failed (${error?.message.split("\n")[0] ?? "no answer"})`;
        reject(new Error(`loading the config in a child process ${why}${stderr ? `: ${stderr.trim()}` : ""}`));
        return;
      }
      if ("config" in answer) resolve(answer.config);
      else reject(new ConfigError(answer.error.file, answer.error.problems, answer.error.message));
    });
  });
}

/** The child's side: load, print the answer, exit 0 (a ConfigError is an answer too). */
export async function answerConfigLoad(requestJson: string | undefined): Promise<number> {
  const request = JSON.parse(requestJson ?? "{}") as ConfigRequest;
  const { loadConfig } = await import("./config/load.ts");
  let answer: ConfigAnswer;
  try {
    answer = { config: await loadConfig(request) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    answer = { error: { file: error.file, problems: error.problems, message: error.message } };
  }
  await new Promise<void>((resolve, reject) => process.stdout.write(JSON.stringify(answer), (error) => (error ? reject(error) : resolve())));
  return 0;
}
