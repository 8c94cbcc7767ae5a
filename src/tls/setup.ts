// zoo's HTTPS certificates at start and on reload: the files the config names, read into the store (a bad one is
// a config error), and ACME for the hosts no file covers. acme-client (and axios under it) is loaded only by a zoo
// that uses ACME: start-up stays quick without it.
import type { Config } from "../config/types.ts";
import type { Logger } from "../log.ts";
import type { AcmeManager } from "./acme.ts";
import { loadCertificates } from "./certificates.ts";
import { CertificateStore } from "./store.ts";

/** Reads the certificate files and prepares ACME; throws a ConfigError for a bad file. */
export async function prepareTls(config: Config): Promise<{ certificates: CertificateStore; startAcme(log: Logger): AcmeManager | undefined }> {
  const certificates = new CertificateStore();
  if (config.tls) certificates.setFiles(loadCertificates(config));
  const acmeModule = config.tls?.acme ? await import("./acme.ts") : undefined;
  acmeModule?.prepareAcmeDir(config);
  return { certificates, startAcme: (log) => acmeModule && startAcme(acmeModule.AcmeManager, config, log, certificates) };
}

/** A reload's certificate files: what differs from what is served, and how to put them to use. */
export function reloadCertificates(certificates: CertificateStore, next: Config): { steps: string[]; apply(): void } {
  const files = next.tls ? loadCertificates(next) : [];
  return { steps: certificates.describeChange(files), apply: () => certificates.setFiles(files) };
}

/** ACME for every exact host in the routes that no certificate file covers. */
function startAcme(Manager: typeof AcmeManager, config: Config, log: Logger, certificates: CertificateStore): AcmeManager {
  const named = [...new Set(config.routes.map((route) => route.host).filter((host) => host !== undefined))];
  for (const host of named.filter((h) => h.startsWith("*."))) {
    if (!certificates.coveredByFile(host)) log.zoo("warn", `acme: ${host}: a wildcard needs a DNS-01 challenge, which zoo does not do: give it a certificate file`);
  }
  const hosts = named.filter((host) => !host.startsWith("*.") && !certificates.coveredByFile(host));
  if (hosts.length === 0) log.zoo("warn", "acme: no route names a host without a certificate file: nothing to obtain");
  return new Manager({
    acme: config.tls!.acme!,
    hosts,
    log: (level, message) => log.zoo(level, message),
    onCertificate: (host, certificate) => certificates.setAcme(host, certificate),
  });
}
