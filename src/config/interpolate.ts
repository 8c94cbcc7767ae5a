// `${VAR}` and `${VAR:-default}` in every string value of the raw config, before validation.
// `$${` is a literal `${`. `:-` uses the default when the variable is unset or empty, as a shell does.
import type { ConfigPath, ConfigProblem } from "../errors.ts";

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Deeper than any config needs; a value nested deeper is refused before anything recurses into it. */
export const MAX_DEPTH = 100;

export interface Interpolated {
  value: unknown;
  problems: ConfigProblem[];
}

/** `at`: where `raw` sits in the file, for the problems' paths. */
export function interpolate(raw: unknown, env: Record<string, string | undefined>, at: ConfigPath = []): Interpolated {
  const problems: ConfigProblem[] = [];

  const inString = (text: string, path: ConfigPath): string =>
    text.replace(REFERENCE, (match: string, inner: string | undefined) => {
      if (match === "$${") return "${";
      if (inner === undefined) {
        problems.push({ code: "ZOO_ERR_CONFIG_INVALID", path, message: `unclosed "\${" in ${quote(text)} (write "$\${" for a literal "\${")` });
        return match;
      }
      const dash = inner.indexOf(":-");
      const name = dash === -1 ? inner : inner.slice(0, dash);
      if (!NAME.test(name)) {
        problems.push({
          code: "ZOO_ERR_CONFIG_INVALID",
          path,
          message: `expected a variable name in "\${${inner}}" (letters, digits and _, then an optional :-default)`,
        });
        return match;
      }
      const value = env[name];
      if (dash !== -1) return value === undefined || value === "" ? inner.slice(dash + 2) : value;
      if (value === undefined) {
        problems.push({
          code: "ZOO_ERR_CONFIG_UNSET_VARIABLE",
          path,
          message: `variable \${${name}} is not set and has no default (set it, or write \${${name}:-default})`,
        });
        return match;
      }
      return value;
    });

  let tooDeep = false;
  const walk = (value: unknown, path: ConfigPath): unknown => {
    if (typeof value === "string") return inString(value, path);
    if (value === null || typeof value !== "object") return value;
    if (path.length - at.length >= MAX_DEPTH) {
      // Reported once, at the first keys of the path; the rest of the value is dropped.
      if (!tooDeep) problems.push({ code: "ZOO_ERR_CONFIG_INVALID", path: path.slice(0, at.length + 3), message: `nested deeper than ${MAX_DEPTH} levels (no zoo config needs that many)` });
      tooDeep = true;
      return null;
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key])]));
  };

  return { value: walk(raw, at), problems };
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
}
