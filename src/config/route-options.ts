// What a route may add to its requests and responses: compression, basic auth, header rules, a body size limit.
// The zod pieces schema.ts spreads into the app, proxy and static routes, and their normalization: the top-level
// `compress` and `maxBodySize` applied to routes that set none, htpasswd files read and their hashes checked.
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { ConfigPath, ConfigProblem } from "../errors.ts";
import { DEFAULT_COMPRESS_MIN_LENGTH, DEFAULT_COMPRESS_TYPES, type BasicAuth, type CompressOptions, type HeaderEdits, type HeaderRules, type RouteOptions } from "./types.ts";

const SIZE_HINT = 'a size such as "10mb", "512kb", "1gb" or a number of bytes (k, m, g are 1024-based)';
const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** "10mb" → 10485760; undefined when the text is no size. */
export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) return undefined;
  return Math.floor(Number(match[1]) * unit);
}

export const Size = z
  .union([z.number().int().nonnegative(), z.string()])
  .transform((value, ctx) => {
    const parsed = typeof value === "number" ? value : parseSize(value);
    if (parsed === undefined) {
      ctx.addIssue({ code: "custom", message: `expected ${SIZE_HINT}, found ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return parsed;
  })
  .meta({ description: SIZE_HINT });

export const MaxBodySize = z.union([z.literal(false), Size]).meta({
  description: 'Largest request body: a larger Content-Length gets 413 before the app sees a byte; a streamed body is cut at the limit. false: no limit. Default: none.',
});

export const Compress = z
  .union([
    z.boolean(),
    z.strictObject({
      types: z.array(z.string().regex(/^[a-z0-9*][a-z0-9!#$&^_.+*-]*\/[a-z0-9*][a-z0-9!#$&^_.+*-]*$/i, 'expected a media type pattern such as "text/*" or "application/json"')).optional().meta({
        description: "Media types to compress (\"*\" matches any run of characters); replaces the default list.",
      }),
      minLength: z.number().int().nonnegative().optional().meta({ description: `Bytes: a smaller Content-Length is sent as is. Default ${DEFAULT_COMPRESS_MIN_LENGTH}.` }),
    }),
  ])
  .meta({ description: "Compress responses (zstd, br or gzip, as the client accepts): true, false or { types, minLength }. Default false." });

// RFC 9110 §5.6.2 token; values as Node accepts them (no CR, LF, NUL or other control characters).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HeaderName = z.string().regex(TOKEN, "expected a header name: letters, digits and !#$%&'*+-.^_`|~");
const HeaderValue = z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, "a header value may not hold CR, LF or other control characters");

/** Headers zoo itself sets or that frame the message: a rule cannot touch them. */
const RESERVED_REQUEST = /^(connection|keep-alive|proxy-connection|te|trailer|transfer-encoding|upgrade|content-length|host|x-request-id|forwarded|x-forwarded-.*)$/i;
const RESERVED_RESPONSE = /^(connection|keep-alive|proxy-connection|trailer|transfer-encoding|upgrade|content-length|content-encoding|x-request-id)$/i;

function headerEdits(reserved: RegExp, direction: string) {
  const name = HeaderName.refine((value) => !reserved.test(value), `zoo itself sets or frames this header on the ${direction}: a rule cannot change it`);
  return z.strictObject({
    set: z.record(name, HeaderValue).default({}).meta({ description: "Headers set, replacing any the message has." }),
    add: z.record(name, HeaderValue).default({}).meta({ description: "Headers added beside any the message has." }),
    remove: z.array(name).default([]).meta({ description: "Headers removed." }),
  });
}

export const Headers = z
  .strictObject({
    request: headerEdits(RESERVED_REQUEST, "request").optional().meta({ description: "Applied to the request after zoo's own headers (X-Forwarded-*, X-Request-Id), before it goes upstream." }),
    response: headerEdits(RESERVED_RESPONSE, "response").optional().meta({ description: "Applied to the response before it goes to the client." }),
  })
  .meta({ description: "Header rules: { request, response }, each { set, add, remove }. Values may use ${VAR}." });

const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
const BCRYPT_HINT = "a bcrypt hash ($2a$, $2b$ or $2y$, as `zoo hash-password` and `htpasswd -B` write)";

export const BasicAuthSchema = z
  .strictObject({
    realm: z.string().regex(/^[^"\\\r\n\0]*$/, "a realm may not hold quotes, backslashes or line breaks").default("restricted").meta({ description: 'Shown by browsers in the login prompt. Default "restricted".' }),
    users: z
      .record(z.string().regex(/^[^:\r\n]+$/, "expected a user name without ':'"), z.string().refine((hash) => BCRYPT.test(hash), `expected ${BCRYPT_HINT}, found something else (not shown)`))
      .optional()
      .meta({ description: "User name → bcrypt hash." }),
    htpasswd: z.string().optional().meta({ description: "An htpasswd file of bcrypt hashes (htpasswd -B), relative to the config file; read at start and on reload." }),
    passAuthorization: z.boolean().default(false).meta({ description: "Pass the Authorization header on to the app. Default false: zoo removes it." }),
  })
  .refine((auth) => (auth.users === undefined) !== (auth.htpasswd === undefined), { message: "expected exactly one of users, htpasswd" })
  .meta({ description: 'HTTP basic auth: { realm?, users: { name: bcrypt hash } } or { realm?, htpasswd: "file" }.' });

/** The fields schema.ts adds to the app, proxy and static routes. */
export const routeOptionFields = {
  compress: Compress.optional(),
  basicAuth: BasicAuthSchema.optional(),
  headers: Headers.optional(),
  maxBodySize: MaxBodySize.optional(),
};

type ParsedCompress = z.output<typeof Compress>;
type ParsedBasicAuth = z.output<typeof BasicAuthSchema>;
type ParsedHeaders = z.output<typeof Headers>;
export interface ParsedRouteOptions {
  compress?: ParsedCompress;
  basicAuth?: ParsedBasicAuth;
  headers?: ParsedHeaders;
  maxBodySize?: number | false;
}

export interface TopLevelOptions {
  compress: CompressOptions | undefined;
  maxBodySize: number | undefined;
}

export function normalizeCompress(value: ParsedCompress | undefined): CompressOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { types: [...DEFAULT_COMPRESS_TYPES], minLength: DEFAULT_COMPRESS_MIN_LENGTH };
  return { types: value.types ?? [...DEFAULT_COMPRESS_TYPES], minLength: value.minLength ?? DEFAULT_COMPRESS_MIN_LENGTH };
}

/** A route's options, the top-level ones under its own; `at` is the route's path in the file. */
export function normalizeRouteOptions(value: ParsedRouteOptions, top: TopLevelOptions, dir: string, at: ConfigPath): { value: RouteOptions; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const options: RouteOptions = {};
  const compress = value.compress === undefined ? top.compress : normalizeCompress(value.compress);
  if (compress) options.compress = compress;
  const maxBodySize = value.maxBodySize === undefined ? top.maxBodySize : value.maxBodySize === false ? undefined : value.maxBodySize;
  if (maxBodySize !== undefined) options.maxBodySize = maxBodySize;
  if (value.headers) {
    const rules: HeaderRules = {};
    if (value.headers.request && hasEdits(value.headers.request)) rules.request = value.headers.request;
    if (value.headers.response && hasEdits(value.headers.response)) rules.response = value.headers.response;
    if (rules.request || rules.response) options.headers = rules;
  }
  if (value.basicAuth) {
    const auth = normalizeBasicAuth(value.basicAuth, dir, [...at, "basicAuth"]);
    problems.push(...auth.problems);
    options.basicAuth = auth.value;
  }
  return { value: options, problems };
}

function hasEdits(edits: HeaderEdits): boolean {
  return Object.keys(edits.set).length > 0 || Object.keys(edits.add).length > 0 || edits.remove.length > 0;
}

function normalizeBasicAuth(auth: ParsedBasicAuth, dir: string, at: ConfigPath): { value: BasicAuth; problems: ConfigProblem[] } {
  const { realm, passAuthorization } = auth;
  if (auth.users !== undefined) return { value: { realm, users: auth.users, passAuthorization }, problems: [] };
  const file = path.resolve(dir, auth.htpasswd!);
  const read = readHtpasswd(file);
  const problems = read.errors.map((message): ConfigProblem => ({ code: "ZOO_ERR_CONFIG_INVALID", path: [...at, "htpasswd"], message }));
  return { value: { realm, users: read.users, passAuthorization, htpasswd: file }, problems };
}

/** "user:hash" lines; blank lines and "#" comments are skipped. Every line that is no bcrypt entry is an error. */
export function readHtpasswd(file: string): { users: Record<string, string>; errors: string[] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return { users: {}, errors: [`cannot read the htpasswd file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`] };
  }
  const users: Record<string, string> = {};
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const colon = line.indexOf(":");
    const name = line.slice(0, colon);
    const hash = line.slice(colon + 1).trim();
    if (colon <= 0) errors.push(`${file} line ${i + 1}: expected "user:hash"`);
    else if (!BCRYPT.test(hash)) errors.push(`${file} line ${i + 1}: the hash of user ${JSON.stringify(name)} is not ${BCRYPT_HINT} (write it with htpasswd -B)`);
    else users[name] = hash;
  });
  if (errors.length === 0 && Object.keys(users).length === 0) errors.push(`the htpasswd file ${file} has no users`);
  return { users, errors };
}
