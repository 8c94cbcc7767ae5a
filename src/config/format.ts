// zod issues → config problems a person can act on: the JSON path, what was expected, what was found,
// and for a misspelt key or value the closest valid one. Unions are judged by the variant the value
// was meant to be (a route with `redirect` is judged as a redirect route), not dumped whole.
import type { z } from "zod";
import type { ConfigPath, ConfigProblem } from "../errors.ts";

type Schema = z.core.$ZodType;
type Issue = z.core.$ZodIssue;
type Key = string | number;

// zod's definitions are typed per schema kind; reading them generically needs a loose view.
type LooseDef = {
  type: string;
  innerType?: Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
  valueType?: Schema;
  element?: Schema;
  options?: Schema[];
  values?: unknown[];
  entries?: Record<string, unknown>;
};
const defOf = (schema: Schema): LooseDef => schema._zod.def as unknown as LooseDef;

/** Turn zod issues for `input` (validated against `schema`) into problems. */
export function formatIssues(issues: readonly Issue[], schema: Schema, input: unknown): ConfigProblem[] {
  return issues.flatMap((issue) => formatIssue(issue, { schema, base: [], input }));
}

interface Scope {
  /** The schema the issue's path is relative to, and the path of that schema in the file. */
  schema: Schema;
  base: Key[];
  /** The value at `base`. */
  input: unknown;
}

function formatIssue(issue: Issue, scope: Scope): ConfigProblem[] {
  const rel = issue.path.filter((k): k is Key => typeof k !== "symbol");
  const path = [...scope.base, ...rel];
  const value = valueAt(scope.input, rel);
  const invalid = (message: string, at: ConfigPath = path): ConfigProblem => ({ code: "ZOO_ERR_CONFIG_INVALID", path: at, message });
  const found = `found ${describe(value)}`;

  switch (issue.code) {
    case "invalid_union": {
      const union = schemaAt(scope.schema, rel, scope.input);
      const options = union && defOf(unwrap(union)).type === "union" ? (defOf(unwrap(union)).options ?? []) : [];
      if (value === undefined) return [missing(path, options.map(expectation).join(" or "))];
      const chosen = chooseOption(options, value);
      if (chosen !== undefined && issue.errors[chosen]?.length) {
        const inner: Scope = { schema: options[chosen], base: path, input: value };
        return issue.errors[chosen].flatMap((sub) => formatIssue(sub, inner));
      }
      const objectOptions = options.filter((o) => defOf(unwrap(o)).type === "object");
      if (isPlainObject(value) && objectOptions.length > 0) {
        const known = [...new Set(objectOptions.flatMap((o) => objectKeys(o)))];
        const unknown = Object.keys(value).filter((k) => !known.includes(k));
        if (unknown.length > 0) return unknown.map((k) => unknownKey(path, k, known));
      }
      return [invalid(`expected ${joinOr(options.map(expectation))}, ${found}`)];
    }
    case "invalid_type":
      if (value === undefined) {
        return [missing(path, expectation(schemaAt(scope.schema, rel, scope.input)) ?? article(issue.expected))];
      }
      return [invalid(`expected ${article(issue.expected)}, ${found}`)];
    case "unrecognized_keys": {
      const object = schemaAt(scope.schema, rel, scope.input);
      const known = object ? objectKeys(resolveUnion(object, value)) : [];
      return issue.keys.map((key) => unknownKey(path, key, known));
    }
    case "invalid_value": {
      const expected = issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
      const strings = issue.values.filter((v): v is string => typeof v === "string");
      const guess = typeof value === "string" ? closest(value, strings) : undefined;
      return [invalid(`expected ${expected}, ${found}${guess ? ` — did you mean ${JSON.stringify(guess)}?` : ""}`)];
    }
    case "invalid_key": {
      const reason = issue.issues.map((sub) => ownMessage(sub.message) ?? "invalid key").join("; ");
      return [invalid(`invalid key ${JSON.stringify(rel.at(-1))}: ${reason}`)];
    }
    case "too_small":
    case "too_big": {
      const own = ownMessage(issue.message);
      if (own) return [invalid(`${own}, ${found}`)];
      const isMin = issue.code === "too_small";
      const limit = isMin ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum;
      const inclusive = issue.inclusive !== false;
      if (issue.origin === "string" && isMin && Number(limit) === 1) return [invalid(`expected a non-empty string, ${found}`)];
      if (issue.origin === "array") return [invalid(`expected ${isMin ? "at least" : "at most"} ${limit} item(s), ${found}`)];
      const op = isMin ? (inclusive ? ">=" : ">") : inclusive ? "<=" : "<";
      return [invalid(`expected ${issue.origin === "string" ? "a length" : "a number"} ${op} ${limit}, ${found}`)];
    }
    case "invalid_format":
      return [invalid(`${ownMessage(issue.message) ?? `expected a ${issue.format}`}, ${found}`)];
    default: {
      const message = ownMessage(issue.message) ?? issue.message;
      return [invalid(/\bfound\b/.test(message) ? message : `${message}, ${found}`)];
    }
  }
}

function missing(path: ConfigPath, expected: string): ConfigProblem {
  const key = path.at(-1);
  return {
    code: "ZOO_ERR_CONFIG_INVALID",
    path: path.slice(0, -1),
    message: `missing required key \`${String(key)}\` (expected ${expected})`,
  };
}

function unknownKey(path: ConfigPath, key: string, known: string[]): ConfigProblem {
  const guess = closest(key, known);
  const hint = guess ? ` — did you mean \`${guess}\`?` : known.length ? ` (expected one of: ${known.join(", ")})` : "";
  return { code: "ZOO_ERR_CONFIG_INVALID", path, message: `unknown key \`${key}\`${hint}` };
}

/** zod's built-in messages start with a capital ("Invalid input…", "Too big…"); ours start with "expected". */
function ownMessage(message: string): string | undefined {
  return /^[a-z]/.test(message) ? message : undefined;
}

// ---- walking the schema alongside the value ----

function unwrap(schema: Schema): Schema {
  for (;;) {
    const def = defOf(schema);
    if (def.innerType && ["optional", "default", "prefault", "nullable", "readonly", "catch", "nonoptional"].includes(def.type)) {
      schema = def.innerType;
    } else if (def.type === "pipe" && def.in) {
      schema = def.in;
    } else {
      return schema;
    }
  }
}

function schemaAt(schema: Schema | undefined, path: Key[], value: unknown): Schema | undefined {
  for (const key of path) {
    if (!schema) return undefined;
    schema = childSchema(schema, key, value);
    value = isPlainObject(value) || Array.isArray(value) ? (value as Record<Key, unknown>)[key] : undefined;
  }
  return schema;
}

/** For a union, the option the value was meant to be (or the union itself when that is unclear). */
function resolveUnion(schema: Schema, value: unknown): Schema {
  const def = defOf(unwrap(schema));
  if (def.type !== "union") return schema;
  const chosen = chooseOption(def.options ?? [], value);
  return chosen === undefined ? schema : resolveUnion(def.options![chosen], value);
}

function childSchema(schema: Schema, key: Key, value: unknown): Schema | undefined {
  const def = defOf(unwrap(schema));
  switch (def.type) {
    case "object":
      return def.shape?.[key];
    case "record":
      return def.valueType;
    case "array":
      return def.element;
    case "union": {
      const chosen = chooseOption(def.options ?? [], value);
      return chosen === undefined ? undefined : childSchema(def.options![chosen], key, value);
    }
    default:
      return undefined;
  }
}

/** The union option a value was meant to be: by JSON type, then for objects by the keys it uses. */
function chooseOption(options: Schema[], value: unknown): number | undefined {
  const kind = jsonType(value);
  const candidates = options.map((o, i) => ({ i, def: defOf(unwrap(o)) })).filter(({ def }) => accepts(def, kind, value));
  if (candidates.length <= 1) return candidates[0]?.i;
  if (kind !== "object") return candidates[0].i;

  const keys = Object.keys(value as object);
  let best: { i: number; score: number } | undefined;
  for (const { i, def } of candidates) {
    const shape = def.shape ?? {};
    const required = Object.keys(shape).filter((k) => isRequired(shape[k]));
    const score = 10 * required.filter((k) => keys.includes(k)).length + keys.filter((k) => k in shape).length;
    if (score > 0 && (!best || score > best.score)) best = { i, score };
  }
  return best?.i;
}

function accepts(def: LooseDef, kind: string, value: unknown): boolean {
  switch (def.type) {
    case "object":
    case "record":
      return kind === "object";
    case "literal":
      return (def.values ?? []).includes(value);
    case "enum":
      return kind === "string";
    case "union":
      return (def.options ?? []).some((o) => accepts(defOf(unwrap(o)), kind, value));
    default:
      return def.type === kind;
  }
}

/** zod marks optional and defaulted keys with `optin`; the rest must be present. */
function isRequired(schema: Schema): boolean {
  return schema._zod.optin === undefined;
}

function objectKeys(schema: Schema | undefined): string[] {
  if (!schema) return [];
  const def = defOf(unwrap(schema));
  return def.type === "object" ? Object.keys(def.shape ?? {}) : [];
}

/** A short phrase for what a schema accepts: "a string", "an object with `redirect`", "false". */
function expectation(schema: Schema | undefined): string {
  if (!schema) return "a value";
  const def = defOf(unwrap(schema));
  switch (def.type) {
    case "object": {
      const shape = def.shape ?? {};
      const required = Object.keys(shape).filter((k) => isRequired(shape[k]) && k !== "$schema");
      return required.length ? `an object with ${required.map((k) => `\`${k}\``).join(" and ")}` : "an object";
    }
    case "record":
      return "an object";
    case "literal":
      return (def.values ?? []).map((v) => JSON.stringify(v)).join(" or ");
    case "enum":
      return `one of ${Object.values(def.entries ?? {}).map((v) => JSON.stringify(v)).join(", ")}`;
    case "union":
      return joinOr((def.options ?? []).map(expectation));
    default:
      return article(def.type);
  }
}

// ---- small text helpers ----

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return jsonType(value) === "object";
}

function valueAt(root: unknown, path: Key[]): unknown {
  let value = root;
  for (const key of path) {
    if (!isPlainObject(value) && !Array.isArray(value)) return undefined;
    value = (value as Record<Key, unknown>)[key];
  }
  return value;
}

function article(type: string): string {
  const names: Record<string, string> = {
    string: "a string",
    number: "a number",
    int: "an integer",
    boolean: "a boolean",
    object: "an object",
    record: "an object",
    array: "an array",
    null: "null",
  };
  return names[type] ?? type;
}

function joinOr(items: string[]): string {
  const unique = [...new Set(items)];
  return unique.length <= 1 ? (unique[0] ?? "a value") : `${unique.slice(0, -1).join(", ")} or ${unique.at(-1)}`;
}

/** A short rendering of a value for "found …": long values are cut. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  const short = text.length > 40 ? `${text.slice(0, 37)}...` : text;
  if (Array.isArray(value)) return `an array ${short}`;
  if (isPlainObject(value)) return `an object ${short}`;
  return short;
}

/** The valid word closest to a misspelt one, if one is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(word.length, best.candidate.length) / 3));
  if (best.distance <= allowed) return best.candidate;
  // A longer or shorter form of a valid word: `environment` for `env`, `TERM` for `SIGTERM`.
  const lower = word.toLowerCase();
  return candidates.find((c) => c.length >= 3 && lower.length >= 3 && (lower.startsWith(c.toLowerCase()) || c.toLowerCase().endsWith(lower)));
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
