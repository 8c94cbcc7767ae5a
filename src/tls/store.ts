// The certificates the HTTPS listener serves right now: those from files (replaced whole on reload) and those
// from ACME (one per host, replaced on renewal). SNI lookups read it on every handshake.
import type { SecureContext } from "node:tls";
import { selectCertificate, type Certificate } from "./certificates.ts";

export class CertificateStore {
  #files: Certificate[] = [];
  readonly #acme = new Map<string, Certificate>();
  #all: Certificate[] = [];

  /** The file certificates, as loadCertificates(config) returned them (at start and on reload). */
  setFiles(certificates: Certificate[]): void {
    this.#files = certificates;
    this.#rebuild();
  }

  /** What setFiles(certificates) would change, one line per certificate file added, replaced or dropped. */
  describeChange(certificates: Certificate[]): string[] {
    const key = (certificate: Certificate) => `${certificate.source}\n${certificate.fingerprint}`;
    const served = new Set(this.#files.map(key));
    const nextSources = new Set(certificates.map((certificate) => certificate.source));
    return [
      ...certificates.filter((certificate) => !served.has(key(certificate))).map((certificate) => `tls: certificate ${certificate.source} loaded (${certificate.names.join(", ")})`),
      ...this.#files.filter((certificate) => !nextSources.has(certificate.source)).map((certificate) => `tls: certificate ${certificate.source} no longer served`),
    ];
  }

  setAcme(host: string, certificate: Certificate): void {
    this.#acme.set(host, certificate);
    this.#rebuild();
  }

  /** Whether a certificate from a file covers `host` (ACME then leaves it alone). */
  coveredByFile(host: string): boolean {
    return selectCertificate(this.#files, host) !== undefined;
  }

  /** For SNICallback: undefined refuses the handshake. */
  readonly contextFor = (servername: string): SecureContext | undefined => selectCertificate(this.#all, servername)?.context;

  #rebuild(): void {
    this.#all = [...this.#files, ...this.#acme.values()];
  }
}
