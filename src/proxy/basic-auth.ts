// HTTP basic auth on a route (RFC 7617) with bcrypt hashes (bcryptjs). A wrong or missing password gets 401 with
// WWW-Authenticate. An unknown user costs the same bcrypt check as a known one (against a hash of the route's own),
// so the time of a 401 says nothing about which users exist. Successful checks are remembered for a while, since a
// browser sends the same credentials with every request and one check costs tens of milliseconds of CPU. Addresses
// that keep failing are slowed down (FailureThrottle), never locked out.
import { createHmac, randomBytes } from "node:crypto";
import type { BasicAuth } from "../config/types.ts";
import type { Exchange } from "./exchange.ts";

/** Successful checks remembered, at most this many, each for this long. */
const CACHE_MAX = 1000;
const CACHE_TTL_MS = 5 * 60_000;
/**
 * A cache key is an HMAC under a key of this process: the cache never holds a password or a plain digest of one. Made
 * by the first check, not when this module loads: a zoo without basicAuth routes never pays for OpenSSL's random
 * generator (2.3 MB in an empty Node process).
 */
let cacheSecret: Buffer | undefined;

const verified = new Map<string, number>();

let bcrypt: Promise<typeof import("bcryptjs")> | undefined;

/** bcryptjs is imported by the first check, not at start: most configs have no basicAuth route. */
function loadBcrypt(): Promise<typeof import("bcryptjs")> {
  bcrypt ??= import("bcryptjs");
  return bcrypt;
}

function cacheKey(hash: string, user: string, password: string): string {
  cacheSecret ??= randomBytes(32);
  return createHmac("sha256", cacheSecret).update(hash).update("\0").update(user).update("\0").update(password).digest("base64");
}

function rememberVerified(key: string): void {
  verified.delete(key);
  if (verified.size >= CACHE_MAX) verified.delete(verified.keys().next().value!);
  verified.set(key, Date.now() + CACHE_TTL_MS);
}

function isVerified(key: string): boolean {
  const until = verified.get(key);
  if (until === undefined) return false;
  if (until > Date.now()) return true;
  verified.delete(key);
  return false;
}

/**
 * Per client address: failures in the last FAILURE_MEMORY_MS. The nth failure makes that address wait
 * 100 ms × 2^(n-1), at most 5 s, before each next check, one check at a time; an address whose queue would wait over
 * 30 s gets 429 at once. A success or 10 minutes without failures forgets the address. Addresses kept: at most 10,000.
 */
const FAILURE_BASE_MS = 100;
const FAILURE_MAX_DELAY_MS = 5000;
const FAILURE_MEMORY_MS = 10 * 60_000;
const MAX_QUEUE_WAIT_MS = 30_000;
const MAX_ADDRESSES = 10_000;

interface Failures {
  count: number;
  last: number;
  /** When this address's next check may run. */
  nextAt: number;
}

export class FailureThrottle {
  readonly #addresses = new Map<string, Failures>();

  /** Milliseconds this address waits before its check; undefined: too many waiting already (429). */
  reserve(address: string): number | undefined {
    const entry = this.#current(address);
    if (entry === undefined) return 0;
    const now = Date.now();
    const wait = Math.max(0, entry.nextAt - now);
    if (wait > MAX_QUEUE_WAIT_MS) return undefined;
    entry.nextAt = now + wait + Math.min(FAILURE_BASE_MS * 2 ** (entry.count - 1), FAILURE_MAX_DELAY_MS);
    return wait;
  }

  failed(address: string): void {
    const now = Date.now();
    const entry = this.#current(address) ?? { count: 0, last: now, nextAt: now };
    entry.count++;
    entry.last = now;
    entry.nextAt = Math.max(entry.nextAt, now + Math.min(FAILURE_BASE_MS * 2 ** (entry.count - 1), FAILURE_MAX_DELAY_MS));
    this.#addresses.delete(address);
    if (this.#addresses.size >= MAX_ADDRESSES) this.#addresses.delete(this.#addresses.keys().next().value!);
    this.#addresses.set(address, entry);
  }

  succeeded(address: string): void {
    this.#addresses.delete(address);
  }

  #current(address: string): Failures | undefined {
    const entry = this.#addresses.get(address);
    if (entry !== undefined && Date.now() - entry.last > FAILURE_MEMORY_MS) {
      this.#addresses.delete(address);
      return undefined;
    }
    return entry;
  }
}

const throttle = new FailureThrottle();

/** "Basic dXNlcjpwYXNz" → { user, password }; undefined for anything else. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class BasicAuthGuard {
  readonly #users: Map<string, string>;
  readonly #challenge: string;
  /** Checked for an unknown user: a hash of this route's, so that it costs what a known user's check costs. */
  readonly #standIn: string;
  readonly #passAuthorization: boolean;

  constructor(auth: BasicAuth) {
    this.#users = new Map(Object.entries(auth.users));
    this.#challenge = `Basic realm="${auth.realm}", charset="UTF-8"`;
    this.#standIn = this.#users.values().next().value!;
    this.#passAuthorization = auth.passAuthorization;
  }

  /** Calls `admitted` when the request's credentials are right; answers 401 (or 429) itself otherwise. */
  check(exchange: Exchange, admitted: () => void): void {
    const headers = exchange.req.headers;
    const credentials = parseBasic(headers.authorization);
    if (!this.#passAuthorization) delete headers.authorization;
    if (credentials === undefined) return this.#refuse(exchange, "credentials required");
    const hash = this.#users.get(credentials.user);
    const key = hash === undefined ? undefined : cacheKey(hash, credentials.user, credentials.password);
    if (key !== undefined && isVerified(key)) return admitted();

    const address = exchange.req.socket.remoteAddress ?? "";
    const wait = throttle.reserve(address);
    if (wait === undefined) return exchange.answer(429, `${exchange.route?.label ?? "route"}: too many failed logins from this address; retry later`, { "Retry-After": "30" });
    const verify = () => {
      if (exchange.clientGone) return;
      loadBcrypt().then(({ compare }) => compare(credentials.password, hash ?? this.#standIn)).then(
        (match) => {
          if (match && key !== undefined) {
            rememberVerified(key);
            throttle.succeeded(address);
            if (!exchange.clientGone) admitted();
            return;
          }
          throttle.failed(address);
          if (!exchange.clientGone) this.#refuse(exchange, "wrong user name or password");
        },
        () => this.#refuse(exchange, "wrong user name or password"),
      );
    };
    if (wait === 0) verify();
    else setTimeout(verify, wait);
  }

  #refuse(exchange: Exchange, why: string): void {
    exchange.answer(401, `${exchange.route?.label ?? "route"}: ${why}`, { "WWW-Authenticate": this.#challenge });
  }
}
