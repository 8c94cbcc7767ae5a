// Certificates from files: read, checked (key matches, not expired, names covered) and turned into TLS contexts.
// `loadCertificates(config)` is what start-up and a reload call; a problem is a ConfigError naming the file.
import { readFileSync } from "node:fs";
import { createPrivateKey, X509Certificate } from "node:crypto";
import tls from "node:tls";
import type { Config } from "../config/types.ts";
import { ConfigError, type ConfigPath, type ConfigProblem } from "../errors.ts";

export interface Certificate {
  /** DNS names from the certificate's subjectAltName, lowercase; may include wildcards ("*.example.com"). */
  names: string[];
  context: tls.SecureContext;
  /** Expiry, ms since the epoch. */
  notAfter: number;
  /** SHA-256 of the certificate: a reload tells a replaced file from an unchanged one. */
  fingerprint: string;
  /** Where it came from, for logs: a file, or "acme". */
  source: string;
}

/** Reads every `tls.certificates` pair. Throws a ConfigError listing every bad file at once. */
export function loadCertificates(config: Config, now = Date.now()): Certificate[] {
  const pairs = config.tls?.certificates ?? [];
  const problems: ConfigProblem[] = [];
  const certificates: Certificate[] = [];
  pairs.forEach((pair, index) => {
    const result = readPair(pair.cert, pair.key, ["tls", "certificates", index], now);
    if ("problem" in result) problems.push(result.problem);
    else certificates.push(result);
  });
  if (problems.length > 0) throw new ConfigError(config.file, problems);
  return certificates;
}

/** The problem of each certificate pair that cannot be used (config/load.ts: reported with the rest of the file's). */
export function certificateProblems(pairs: ReadonlyArray<{ cert: string; key: string }>, now = Date.now()): ConfigProblem[] {
  return pairs.flatMap((pair, index) => {
    const result = readPair(pair.cert, pair.key, ["tls", "certificates", index], now);
    return "problem" in result ? [result.problem] : [];
  });
}

type PairResult = Certificate | { problem: ConfigProblem };

function readPair(certFile: string, keyFile: string, at: ConfigPath, now: number): PairResult {
  const fail = (key: "cert" | "key", message: string): PairResult => ({
    problem: { code: "ZOO_ERR_CONFIG_CERTIFICATE", path: [...at, key], message },
  });
  const certPem = readText(certFile);
  if (certPem instanceof Error) return fail("cert", `cannot read certificate ${certFile}: ${certPem.message}`);
  const keyPem = readText(keyFile);
  if (keyPem instanceof Error) return fail("key", `cannot read key ${keyFile}: ${keyPem.message}`);

  const parsed = parseCertificate(certPem, keyPem, now);
  if (typeof parsed === "string") return fail(parsed.startsWith("key") ? "key" : "cert", parsed.replace("{cert}", certFile).replace("{key}", keyFile));
  return { ...parsed, source: certFile };
}

/**
 * Checks a PEM certificate (chain, leaf first) and its key; an error message uses {cert} and {key} for the files.
 * Shared with ACME, whose certificates come from its own store.
 */
export function parseCertificate(certPem: string, keyPem: string, now = Date.now()): Omit<Certificate, "source"> | string {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certPem);
  } catch {
    return "certificate {cert} is not a PEM certificate";
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return "key {key} is not a PEM private key";
  }
  if (!matches) return "key {key} does not match certificate {cert}";
  const notAfter = Date.parse(x509.validTo);
  if (notAfter <= now) return `certificate {cert} expired on ${new Date(notAfter).toISOString()}`;
  const names = dnsNames(x509.subjectAltName);
  if (names.length === 0) return "certificate {cert} names no DNS host in its subjectAltName (zoo picks certificates by those names)";
  let context: tls.SecureContext;
  try {
    context = tls.createSecureContext({ cert: certPem, key: keyPem });
  } catch (error) {
    return `certificate {cert} with key {key}: ${(error as Error).message}`;
  }
  return { names, context, notAfter, fingerprint: x509.fingerprint256 };
}

/** "DNS:a.example.com, DNS:*.example.com, IP Address:127.0.0.1" → ["a.example.com", "*.example.com"]. */
export function dnsNames(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName
    .split(/,\s*/)
    .filter((entry) => entry.startsWith("DNS:"))
    .map((entry) => entry.slice(4).toLowerCase().replace(/\.$/, ""));
}

/**
 * The certificate for an SNI name, or undefined (strict SNI: never another site's certificate).
 * An exact name beats a wildcard; a wildcard covers one first label (RFC 6125); among equals, the latest expiry.
 */
export function selectCertificate(certificates: readonly Certificate[], servername: string): Certificate | undefined {
  const name = servername.toLowerCase().replace(/\.$/, "");
  const dot = name.indexOf(".");
  const wildcard = dot > 0 ? "*" + name.slice(dot) : undefined;
  let exact: Certificate | undefined;
  let wild: Certificate | undefined;
  for (const certificate of certificates) {
    if (certificate.names.includes(name)) {
      if (!exact || certificate.notAfter > exact.notAfter) exact = certificate;
    } else if (wildcard && certificate.names.includes(wildcard)) {
      if (!wild || certificate.notAfter > wild.notAfter) wild = certificate;
    }
  }
  return exact ?? wild;
}

function readText(file: string): string | Error {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return new Error(code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message);
  }
}
