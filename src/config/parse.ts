// Parsing a config file's text, with the line and column of a syntax error. YAML goes through the `yaml` package
// with a bound on aliases (cosmiconfig's default, js-yaml, expands an alias bomb until memory runs out).
import { LineCounter, parseDocument } from "yaml";

/** Aliases a YAML config may resolve, counted as `yaml` counts them (an alias of aliases weighs their sum). */
export const MAX_YAML_ALIASES = 100;

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

export function loadYaml(_file: string, content: string): unknown {
  const lines = new LineCounter();
  let document: ReturnType<typeof parseDocument>;
  try {
    // merge: `<<: *defaults` keys, which js-yaml (zoo's earlier YAML parser) read too.
    document = parseDocument(content, { lineCounter: lines, merge: true, prettyErrors: false });
  } catch (error) {
    // A document nested deeper than the parser's stack.
    throw new ConfigSyntaxError(`invalid YAML: ${(error as Error).message}`, 1, 1);
  }
  const [first] = document.errors;
  if (first) {
    const { line, col } = lines.linePos(first.pos[0]);
    throw new ConfigSyntaxError(`invalid YAML: ${first.message}`, line, col);
  }
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? undefined;
  } catch (error) {
    if (!(error instanceof ReferenceError) && !(error instanceof RangeError)) throw error;
    const message = error instanceof RangeError ? "nested too deeply" : `its aliases (*name) expand to more than ${MAX_YAML_ALIASES} copies; write the values out, or use fewer aliases`;
    throw new ConfigSyntaxError(`invalid YAML: ${message}`, 1, 1);
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
