// Certificates from an ACME CA (Let's Encrypt, pebble) with acme-client: one certificate per host named in the
// routes, HTTP-01 answered by zoo's plain listener (`challenge(token)`), kept in `dir` so a restart reuses them,
// renewed 30 days before expiry, failed attempts retried with a growing delay. The plain listener serves throughout:
// nothing here blocks start-up.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import * as acme from "acme-client";
import type { Config, TlsConfig } from "../config/types.ts";
import { ConfigError } from "../errors.ts";
import { parseCertificate, type Certificate } from "./certificates.ts";

export const RENEW_BEFORE_MS = 30 * 24 * 3600_000;
const RETRY_FIRST_MS = 5000;
const RETRY_MAX_MS = 3600_000;
const DIRECTORY_TIMEOUT_MS = 10_000;
/** setTimeout cannot wait longer than 2^31-1 ms (~24.8 days): a longer wait is done in steps. */
const LONGEST_TIMER_MS = 24 * 3600_000;

export interface AcmeOptions {
  acme: NonNullable<TlsConfig["acme"]>;
  hosts: string[];
  log: (level: "info" | "warn", message: string) => void;
  /** A certificate for `host`, loaded from the store or just issued. */
  onCertificate: (host: string, certificate: Certificate) => void;
}

/** When to try again after `failures` failed attempts in a row: 5 s, 10 s, 20 s, … up to an hour. */
export function retryDelay(failures: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1));
}

/** How long until a certificate expiring at `notAfter` is due for renewal (0: now). */
export function renewalDelay(notAfter: number, now = Date.now()): number {
  return Math.max(0, notAfter - RENEW_BEFORE_MS - now);
}

/** Makes the ACME directory (and checks it is writable) before anything starts; a ConfigError naming it if not. */
export function prepareAcmeDir(config: Config): void {
  const dir = config.tls?.acme?.dir;
  if (dir === undefined) return;
  try {
    mkdirSync(path.join(dir, "certificates"), { recursive: true, mode: 0o700 });
    const probe = path.join(dir, `.zoo-write-test-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (error) {
    const message = `cannot use ${dir} for ACME account and certificates: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (mount a writable directory there)`;
    throw new ConfigError(config.file, [{ code: "ZOO_ERR_CONFIG_CERTIFICATE", path: ["tls", "acme", "dir"], message }]);
  }
}

export class AcmeManager {
  readonly #options: AcmeOptions;
  /** HTTP-01 token → key authorization, while a challenge is open. */
  readonly #tokens = new Map<string, string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #failures = new Map<string, number>();
  /** One account for every host, made once even when several hosts start at the same moment. */
  #client: Promise<acme.Client> | undefined;
  #stopped = false;

  constructor(options: AcmeOptions) {
    this.#options = options;
    if (options.acme.ca) acme.axios.defaults.httpsAgent = new https.Agent({ ca: readFileSync(options.acme.ca) });
  }

  /** The key authorization for an HTTP-01 token, or undefined. */
  challenge(token: string): string | undefined {
    return this.#tokens.get(token);
  }

  /** Serves the stored certificates at once, then obtains or renews each host's in the background. */
  start(): void {
    for (const host of this.#options.hosts) {
      const stored = this.#readStored(host);
      if (stored) {
        this.#options.onCertificate(host, stored);
        this.#options.log("info", `acme: ${host}: using the stored certificate (expires ${new Date(stored.notAfter).toISOString()})`);
        this.#schedule(host, renewalDelay(stored.notAfter));
      } else {
        this.#schedule(host, 0);
      }
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  get #certDir(): string {
    return path.join(this.#options.acme.dir, "certificates");
  }

  #schedule(host: string, delay: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timers.get(host));
    const step = Math.min(delay, LONGEST_TIMER_MS);
    const timer = setTimeout(() => {
      if (step < delay) return this.#schedule(host, delay - step);
      void this.#obtain(host);
    }, step);
    timer.unref();
    this.#timers.set(host, timer);
  }

  async #obtain(host: string): Promise<void> {
    const { log } = this.#options;
    try {
      log("info", `acme: ${host}: requesting a certificate from ${this.#options.acme.directory}`);
      await this.#reachDirectory();
      const [keyPem, csr] = await acme.crypto.createCsr({ commonName: host });
      const client = await this.#accountClient();
      const certPem = await client.auto({
        csr,
        email: this.#options.acme.email,
        termsOfServiceAgreed: true,
        challengePriority: ["http-01"],
        // The CA checks the challenge itself; zoo's own check would go to port 80 of the host's public address,
        // which a container behind a port mapping often cannot reach.
        skipChallengeVerification: true,
        challengeCreateFn: async (_authz, challenge, keyAuthorization) => void this.#tokens.set(challenge.token, keyAuthorization),
        challengeRemoveFn: async (_authz, challenge) => void this.#tokens.delete(challenge.token),
      });
      const certificate = parseCertificate(certPem, keyPem.toString());
      if (typeof certificate === "string") throw new Error(certificate.replace("{cert}", "the issued certificate").replace("{key}", "its key"));
      this.#store(host, certPem, keyPem.toString());
      this.#failures.delete(host);
      this.#options.onCertificate(host, { ...certificate, source: "acme" });
      log("info", `acme: ${host}: certificate obtained (expires ${new Date(certificate.notAfter).toISOString()})`);
      this.#schedule(host, renewalDelay(certificate.notAfter));
    } catch (error) {
      const failures = (this.#failures.get(host) ?? 0) + 1;
      this.#failures.set(host, failures);
      const delay = retryDelay(failures);
      log("warn", `acme: ${host}: ${(error as Error).message}; trying again in ${Math.round(delay / 1000)}s`);
      this.#schedule(host, delay);
    }
  }

  /**
   * The directory first, with a short timeout: an unreachable CA fails in seconds, saying why. (acme-client's own
   * retries take over a minute there and end in an error about its internals.)
   */
  async #reachDirectory(): Promise<void> {
    const { directory } = this.#options.acme;
    // Node's own client: acme-client's axios retries on its own.
    const why = await new Promise<string | undefined>((resolve) => {
      const req = https.get(directory, { agent: acme.axios.defaults.httpsAgent as https.Agent | undefined, timeout: DIRECTORY_TIMEOUT_MS }, (res) => {
        res.resume();
        resolve(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`);
      });
      req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
      req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED" ? "connection refused" : (error.code ?? error.message)));
    });
    if (why) throw new Error(`the ACME directory ${directory} cannot be reached: ${why}`);
  }

  #accountClient(): Promise<acme.Client> {
    this.#client ??= this.#newAccountClient();
    // A failure (an unwritable key file) is tried again on the next attempt.
    this.#client.catch(() => (this.#client = undefined));
    return this.#client;
  }

  /** The account key is made once and kept in the directory. */
  async #newAccountClient(): Promise<acme.Client> {
    const file = path.join(this.#options.acme.dir, "account.key");
    let accountKey: string;
    try {
      accountKey = readFileSync(file, "utf8");
    } catch {
      accountKey = (await acme.crypto.createPrivateEcdsaKey()).toString();
      writeAtomically(file, accountKey);
    }
    return new acme.Client({ directoryUrl: this.#options.acme.directory, accountKey, backoffMin: 500, backoffMax: 10_000 });
  }

  #readStored(host: string): Certificate | undefined {
    try {
      const certPem = readFileSync(path.join(this.#certDir, `${host}.crt`), "utf8");
      const keyPem = readFileSync(path.join(this.#certDir, `${host}.key`), "utf8");
      const certificate = parseCertificate(certPem, keyPem);
      if (typeof certificate === "string") {
        this.#options.log("warn", `acme: ${host}: the stored certificate is not usable (${certificate.replace(/ \{cert\}| \{key\}/g, "")}): requesting a new one`);
        return undefined;
      }
      return { ...certificate, source: "acme" };
    } catch {
      return undefined;
    }
  }

  #store(host: string, certPem: string, keyPem: string): void {
    writeAtomically(path.join(this.#certDir, `${host}.key`), keyPem);
    writeAtomically(path.join(this.#certDir, `${host}.crt`), certPem);
  }
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
}
