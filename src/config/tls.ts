// The `tls` section: an HTTPS (and HTTP/2) listener beside the plain one, with certificates from files or ACME.
import path from "node:path";
import { createSecureContext } from "node:tls";
import { z } from "zod";
import type { ConfigPath, ConfigProblem } from "../errors.ts";
import { LISTEN_HINT, parseListen } from "./listen.ts";
import type { TlsConfig } from "./types.ts";

const Listen = z
  .union([
    z.number().int().min(0, `expected ${LISTEN_HINT}`).max(65535, `expected ${LISTEN_HINT}`),
    z.string().refine((text) => parseListen(text).ok, `expected ${LISTEN_HINT}`),
  ])
  .meta({ description: 'The HTTPS port or "host:port". Default 443.' });

const CertificatePair = z.strictObject({
  cert: z.string().meta({ description: "PEM certificate (chain) file, relative to the config file." }),
  key: z.string().meta({ description: "PEM private key file of that certificate, relative to the config file." }),
});

const Acme = z.strictObject({
  email: z.string().meta({ description: "Contact address for the ACME account." }),
  directory: z.string().meta({ description: "The ACME directory URL, e.g. https://acme-v02.api.letsencrypt.org/directory." }),
  dir: z.string().default("acme").meta({
    description: "Where the account key and certificates are kept (mount it), relative to the config file. Default acme.",
  }),
  ca: z.string().optional().meta({ description: "PEM file of a CA to trust for the ACME directory (a test CA such as pebble's)." }),
});

/**
 * Mozilla's "intermediate" profile (ssl-config.mozilla.org, v5.7) without its DHE suites: ECDHE key exchange with AEAD
 * ciphers for TLS 1.2 (no CBC, no plain RSA key exchange), and TLS 1.3's own suites.
 */
export const DEFAULT_CIPHERS = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");
/** Two years, as Mozilla's configurations send it. */
export const DEFAULT_HSTS = "max-age=63072000";
const TLS_VERSIONS = ["TLSv1.2", "TLSv1.3"] as const;

const Hsts = z.union([z.boolean(), z.string().regex(/^max-age=\d+(\s*;\s*(includeSubDomains|preload))*\s*$/i, 'expected "max-age=SECONDS", optionally followed by "; includeSubDomains" and "; preload"')]);

/** Built with the config's Duration type (passed in, so that schema.ts and this file do not import each other). */
export function tlsSchema(duration: z.ZodType<number, number | string>) {
  return z.strictObject({
    listen: Listen.default(443),
    certificates: z.array(CertificatePair).default([]).meta({
      description: "Certificate and key pairs; each serves the names its certificate covers (SNI).",
    }),
    acme: Acme.optional().meta({ description: "Obtain and renew a certificate for every host named in the routes." }),
    redirectHttp: z.boolean().default(false).meta({
      description: "Answer plain-HTTP requests with a 308 redirect to HTTPS (ACME challenges are still served). Default false.",
    }),
    handshakeTimeout: duration.default(10_000).meta({ description: "A TLS handshake not done within this long is dropped. Default 10s." }),
    ciphers: z.string().min(1).default(DEFAULT_CIPHERS).meta({
      description: "OpenSSL cipher list (TLS 1.3 suites by their TLS_ names, in the same list). Default: Mozilla's intermediate profile, ECDHE with AEAD ciphers.",
    }),
    minVersion: z.enum(TLS_VERSIONS).default("TLSv1.2").meta({ description: 'The oldest TLS version accepted: "TLSv1.2" (default) or "TLSv1.3".' }),
    hsts: Hsts.default(false).meta({
      description: `Strict-Transport-Security on every HTTPS response: true sends "${DEFAULT_HSTS}", a string is sent as it is ("max-age=…; includeSubDomains"). Default false.`,
    }),
  });
}

export type ParsedTls = z.output<ReturnType<typeof tlsSchema>>;

/** Absolute paths and a parsed listen address; problems the schema cannot see. */
/** `plainPort`: zoo's plain listen port, which the TLS port must differ from. */
export function normalizeTls(tls: ParsedTls, dir: string, plainPort: number | undefined): { value: TlsConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const at: ConfigPath = ["tls"];
  const listen = parseListen(tls.listen);
  if (listen.ok && listen.port !== 0 && listen.port === plainPort) {
    problems.push({ code: "ZOO_ERR_CONFIG_PORT_CONFLICT", path: [...at, "listen"], message: `port ${listen.port} is also zoo's plain listen port (HTTPS needs a port of its own, e.g. 443)` });
  }
  if (tls.certificates.length === 0 && tls.acme === undefined) {
    problems.push({ code: "ZOO_ERR_CONFIG_INVALID", path: at, message: "expected `certificates` or `acme` (HTTPS needs at least one certificate)" });
  }
  if (tls.acme && !/^https?:\/\//.test(tls.acme.directory)) {
    problems.push({ code: "ZOO_ERR_CONFIG_URL", path: [...at, "acme", "directory"], message: `expected the http(s) URL of an ACME directory, found ${JSON.stringify(tls.acme.directory)}` });
  }
  try {
    createSecureContext({ ciphers: tls.ciphers, minVersion: tls.minVersion });
  } catch (error) {
    problems.push({ code: "ZOO_ERR_CONFIG_INVALID", path: [...at, "ciphers"], message: `OpenSSL accepts none of ${JSON.stringify(tls.ciphers)} (${(error as Error).message}); see \`openssl ciphers -v\`` });
  }
  if (tls.minVersion === "TLSv1.3" && !tls.ciphers.split(":").some((name) => name.startsWith("TLS_"))) {
    problems.push({ code: "ZOO_ERR_CONFIG_INVALID", path: [...at, "ciphers"], message: 'names no TLS 1.3 suite (such as TLS_AES_128_GCM_SHA256) while minVersion is "TLSv1.3": no handshake could succeed' });
  }
  const value: TlsConfig = {
    listen: listen.ok ? { host: listen.host, port: listen.port } : { host: "0.0.0.0", port: 443 },
    certificates: tls.certificates.map(({ cert, key }) => ({ cert: path.resolve(dir, cert), key: path.resolve(dir, key) })),
    acme: tls.acme && { ...tls.acme, dir: path.resolve(dir, tls.acme.dir), ca: tls.acme.ca && path.resolve(dir, tls.acme.ca) },
    redirectHttp: tls.redirectHttp,
    handshakeTimeout: tls.handshakeTimeout,
    ciphers: tls.ciphers,
    minVersion: tls.minVersion,
    hsts: tls.hsts === true ? DEFAULT_HSTS : tls.hsts === false ? undefined : tls.hsts,
  };
  return { value, problems };
}
