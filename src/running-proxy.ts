// The proxy's side of a reload (reload.ts RunningProxy): the new routes and settings swapped in, the certificate
// files re-read, the watched files renewed.
import type { Config } from "./config/types.ts";
import type { ZooProxy } from "./proxy/server.ts";
import type { RunningProxy } from "./reload.ts";
import type { Operations } from "./supervisor/operations.ts";
import type { CertificateStore } from "./tls/store.ts";
import { reloadCertificates } from "./tls/setup.ts";
import type { FileWatch } from "./file-watch.ts";

export class LiveProxy implements RunningProxy {
  readonly #proxy: ZooProxy;
  readonly #operations: Operations;
  readonly #certificates: CertificateStore;
  readonly #watch: FileWatch | undefined;

  constructor(proxy: ZooProxy, operations: Operations, certificates: CertificateStore, watch: FileWatch | undefined) {
    this.#proxy = proxy;
    this.#operations = operations;
    this.#certificates = certificates;
    this.#watch = watch;
  }

  update(next: Config): void {
    this.#proxy.update(next);
    this.#operations.drainTimeout = next.drainTimeout;
    this.#watch?.set([next.file, ...next.envFiles]);
  }

  /** Certificate files are re-read on every reload; a bad one is a config error, and nothing changes. */
  readFiles(next: Config) {
    return reloadCertificates(this.#certificates, next);
  }
}
