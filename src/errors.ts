// zoo's error catalog: every ZOO_ERR_* code, what it means and the exit code it leads to, in one place.

export const ERROR_CODES = {
  ZOO_ERR_USAGE: { exitCode: 2, description: "The command line is wrong: an unknown command or flag, or a bad flag value." },
  ZOO_ERR_CONFIG_NOT_FOUND: { exitCode: 2, description: "No config file was found, or the given one does not exist." },
  ZOO_ERR_CONFIG_SYNTAX: { exitCode: 2, description: "The config file is not valid JSON or YAML (the line and column are given)." },
  ZOO_ERR_CONFIG_INVALID: {
    exitCode: 2,
    description: "A value has the wrong type or form, a key is unknown, or a required key is missing.",
  },
  ZOO_ERR_CONFIG_UNSET_VARIABLE: { exitCode: 2, description: "A ${VAR} in the config names an unset variable and has no :-default." },
  ZOO_ERR_CONFIG_UNKNOWN_APP: { exitCode: 2, description: "A route or dependsOn names an app that is not defined." },
  ZOO_ERR_CONFIG_PORT_CONFLICT: { exitCode: 2, description: "Two apps share a port, or an app or the metrics listener uses zoo's own listen address." },
  ZOO_ERR_CONFIG_ROUTE_PREFIX: {
    exitCode: 2,
    description: "A route prefix does not start with /, or two prefixes are the same after normalisation.",
  },
  ZOO_ERR_CONFIG_URL: { exitCode: 2, description: "A redirect or proxy target is not an absolute http(s) URL." },
  ZOO_ERR_CONFIG_CERTIFICATE: {
    exitCode: 2,
    description: "A TLS certificate or key file cannot be read, the key does not match, or the certificate has expired.",
  },
  ZOO_ERR_CONFIG_DEPENDENCY: { exitCode: 2, description: "An app depends on itself, or dependsOn forms a cycle." },
  ZOO_ERR_CONFIG_ENV_FILE: { exitCode: 2, description: "An envFile does not exist or cannot be read." },
  ZOO_ERR_CONFIG_DIRECTORY: { exitCode: 2, description: "An app's cwd or a static route's directory does not exist or is not a directory." },
  ZOO_ERR_EXPORT: {
    exitCode: 2,
    description: "`zoo export` cannot state the config in compose or Kubernetes terms (e.g. a listen port of 0, an invalid env name).",
  },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ZooError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ZooError";
    this.code = code;
    this.exitCode = ERROR_CODES[code].exitCode;
  }
}

export type ConfigPath = ReadonlyArray<string | number>;

/** One thing wrong with a config. `path` is the JSON path in the file ([] is the root). */
export interface ConfigProblem {
  code: ErrorCode;
  path: ConfigPath;
  message: string;
  /** For syntax errors: 1-based position in the file. */
  line?: number;
  column?: number;
}

/** Every problem found in one config file; `.message` is the complete report a person reads. */
export class ConfigError extends ZooError {
  readonly file: string;
  readonly problems: ConfigProblem[];
  /** `message` replaces the rendered report, for problems that are not about a file's content (no file found). */
  constructor(file: string, problems: ConfigProblem[], message = renderConfigProblems(file, problems)) {
    super(problems[0]?.code ?? "ZOO_ERR_CONFIG_INVALID", message);
    this.name = "ConfigError";
    this.file = file;
    this.problems = problems;
  }
}

/** `apps.node.port`, `routes["/node"]`, `apps.node.command[1]`; the root is `(root)`. */
export function formatConfigPath(path: ConfigPath): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out === "" ? "(root)" : out;
}

export function renderConfigProblems(file: string, problems: ConfigProblem[]): string {
  if (problems.length === 1 && problems[0].path.length === 0 && problems[0].line === undefined) {
    return `${file}: ${problems[0].message}`;
  }
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const lines = problems.map((p) => {
    if (p.line !== undefined) return `  ${file}:${p.line}:${p.column ?? 1}: ${p.message}`;
    return `  ${formatConfigPath(p.path)}: ${p.message}`;
  });
  return [`invalid config ${file} (${count}):`, ...lines].join("\n");
}
