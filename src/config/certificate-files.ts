// The certificate and key files a config names, checked as files: readable, PEM, the key matches, not expired, DNS
// names to choose by. config/load.ts reports their problems with the rest of the file's; tls/certificates.ts builds
// the TLS contexts from what passes.
import { readFileSync } from "node:fs";
import { createPrivateKey, X509Certificate } from "node:crypto";
import type { ConfigPath, ConfigProblem } from "../errors.ts";

export interface CheckedPem {
  /** DNS names from the certificate's subjectAltName, lowercase; may include wildcards ("*.example.com"). */
  names: string[];
  /** Expiry, ms since the epoch. */
  notAfter: number;
  /** SHA-256 of the certificate. */
  fingerprint: string;
}

/** The problem of each certificate pair that cannot be used, each naming its file. */
export function certificateProblems(pairs: ReadonlyArray<{ cert: string; key: string }>, now = Date.now()): ConfigProblem[] {
  return pairs.flatMap((pair, index) => {
    const result = readCheckedPair(pair.cert, pair.key, ["tls", "certificates", index], now);
    return "problem" in result ? [result.problem] : [];
  });
}

/** Reads and checks one pair: its PEM texts and what they say, or the problem naming the file. */
export function readCheckedPair(certFile: string, keyFile: string, at: ConfigPath, now: number): { certPem: string; keyPem: string; checked: CheckedPem } | { problem: ConfigProblem } {
  const fail = (key: "cert" | "key", message: string) => ({ problem: { code: "ZOO_ERR_CONFIG_CERTIFICATE" as const, path: [...at, key], message } });
  const certPem = readText(certFile);
  if (certPem instanceof Error) return fail("cert", `cannot read certificate ${certFile}: ${certPem.message}`);
  const keyPem = readText(keyFile);
  if (keyPem instanceof Error) return fail("key", `cannot read key ${keyFile}: ${keyPem.message}`);
  const checked = checkPem(certPem, keyPem, now);
  if (typeof checked === "string") return fail(checked.startsWith("key") ? "key" : "cert", checked.replace("{cert}", certFile).replace("{key}", keyFile));
  return { certPem, keyPem, checked };
}

/**
 * Checks a PEM certificate (chain, leaf first) and its key; an error message uses {cert} and {key} for the files.
 * Shared with ACME, whose certificates come from its own store.
 */
export function checkPem(certPem: string, keyPem: string, now = Date.now()): CheckedPem | string {
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
  return { names, notAfter, fingerprint: x509.fingerprint256 };
}

/** "DNS:a.example.com, DNS:*.example.com, IP Address:127.0.0.1" → ["a.example.com", "*.example.com"]. */
export function dnsNames(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName
    .split(/,\s*/)
    .filter((entry) => entry.startsWith("DNS:"))
    .map((entry) => entry.slice(4).toLowerCase().replace(/\.$/, ""));
}

function readText(file: string): string | Error {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return new Error(code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message);
  }
}
