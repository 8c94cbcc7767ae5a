// Parsing a config file's text, with the line and column of a syntax error.
import { defaultLoaders } from "cosmiconfig";

export class ConfigSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(message: string, line: number, column: number) {
    super(message);
    this.line = line;
    this.column = column;
  }
}

export function loadJson(_file: string, content: string): unknown {
  try {
    return JSON.parse(content);
  } catch (error) {
    const message = (error as Error).message;
    const { line, column } = lineAndColumn(content, jsonErrorOffset(content));
    const reason = message.replace(/ in JSON at position.*$/s, "").replace(/, ".*" is not valid JSON$/s, "").replace(/ at position \d+.*$/s, "");
    throw new ConfigSyntaxError(`invalid JSON: ${reason}`, line, column);
  }
}

export function loadYaml(file: string, content: string): unknown {
  try {
    return (defaultLoaders[".yaml"] as (file: string, content: string) => unknown)(file, content);
  } catch (error) {
    const { reason, mark } = error as { reason?: string; mark?: { line: number; column: number } };
    if (!mark) throw error;
    throw new ConfigSyntaxError(`invalid YAML: ${reason ?? "syntax error"}`, mark.line + 1, mark.column + 1);
  }
}

/**
 * Where JSON.parse gave up, found as the shortest prefix that cannot start a valid document
 * (V8's messages only sometimes carry a position).
 */
function jsonErrorOffset(text: string): number {
  const viable = (prefix: string) => {
    try {
      JSON.parse(prefix);
      return true;
    } catch (error) {
      const message = (error as Error).message;
      if (message.startsWith("Unexpected end of JSON input")) return true;
      const position = /at position (\d+)/.exec(message);
      return position !== null && Number(position[1]) >= prefix.length;
    }
  };
  if (viable(text)) return text.trimEnd().length;
  let lo = 0;
  let hi = text.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (viable(text.slice(0, mid))) lo = mid;
    else hi = mid;
  }
  return hi - 1;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
