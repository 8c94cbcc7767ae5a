// Certificates from files: read and checked (config/certificate-files.ts), then turned into TLS contexts.
// `loadCertificates(config)` is what start-up and a reload call; a problem is a ConfigError naming the file.
import type * as tls from "node:tls";
import { tlsModule } from "../builtins.ts";
import { checkPem, readCheckedPair } from "../config/certificate-files.ts";
import type { Config } from "../config/types.ts";
import { ConfigError, type ConfigProblem } from "../errors.ts";

export { dnsNames } from "../config/certificate-files.ts";

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
    const at = ["tls", "certificates", index];
    const read = readCheckedPair(pair.cert, pair.key, at, now);
    if ("problem" in read) return void problems.push(read.problem);
    const context = secureContext(read.certPem, read.keyPem);
    if (typeof context === "string") {
      const message = context.replace("{cert}", pair.cert).replace("{key}", pair.key);
      return void problems.push({ code: "ZOO_ERR_CONFIG_CERTIFICATE", path: [...at, "cert"], message });
    }
    certificates.push({ ...read.checked, context, source: pair.cert });
  });
  if (problems.length > 0) throw new ConfigError(config.file, problems);
  return certificates;
}

/**
 * Checks a PEM certificate (chain, leaf first) and its key and makes its TLS context; an error message uses {cert}
 * and {key} for the files. Shared with ACME, whose certificates come from its own store.
 */
export function parseCertificate(certPem: string, keyPem: string, now = Date.now()): Omit<Certificate, "source"> | string {
  const checked = checkPem(certPem, keyPem, now);
  if (typeof checked === "string") return checked;
  const context = secureContext(certPem, keyPem);
  return typeof context === "string" ? context : { ...checked, context };
}

function secureContext(certPem: string, keyPem: string): tls.SecureContext | string {
  try {
    return tlsModule().createSecureContext({ cert: certPem, key: keyPem });
  } catch (error) {
    return `certificate {cert} with key {key}: ${(error as Error).message}`;
  }
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
