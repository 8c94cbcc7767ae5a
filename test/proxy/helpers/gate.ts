// A small real InstancePool for tests: app → { host, port, ready }, waitFor resolves when the test flips ready.
import type { InstanceLease, InstancePool } from "../../../src/proxy/instances.ts";

interface Entry {
  host: string;
  port: number;
  ready: boolean;
  waiters: Set<(ready: boolean) => void>;
}

export class TestGate implements InstancePool {
  readonly apps = new Map<string, Entry>();
  /** Requests and connections currently open per app (via track). */
  readonly active = new Map<string, number>();

  constructor(apps: Record<string, { port: number; ready?: boolean; host?: string }> = {}) {
    for (const [name, { port, ready = true, host = "127.0.0.1" }] of Object.entries(apps)) {
      this.apps.set(name, { host, port, ready, waiters: new Set() });
    }
  }

  set(app: string, port: number, ready = true): void {
    const entry = this.apps.get(app);
    if (entry) entry.port = port;
    else this.apps.set(app, { host: "127.0.0.1", port, ready: false, waiters: new Set() });
    this.setReady(app, ready);
  }

  setReady(app: string, ready: boolean): void {
    const entry = this.apps.get(app)!;
    entry.ready = ready;
    if (ready) for (const wake of entry.waiters) wake(true);
  }

  /** Waiters currently held for an app. */
  waiting(app: string): number {
    return this.apps.get(app)?.waiters.size ?? 0;
  }

  /** The app's address; tests override it to move the app. */
  upstream(app: string): { host: string; port: number } | undefined {
    const entry = this.apps.get(app);
    return entry ? { host: entry.host, port: entry.port } : undefined;
  }

  acquire(app: string): InstanceLease | undefined {
    if (!this.isReady(app)) return undefined;
    const address = this.upstream(app);
    return address && { ...address, release: this.track(app) };
  }

  async waitFor(app: string, timeoutMs: number, signal?: AbortSignal): Promise<InstanceLease | undefined> {
    return (await this.waitReady(app, timeoutMs, signal)) ? this.acquire(app) : undefined;
  }

  isReady(app: string): boolean {
    return this.apps.get(app)?.ready ?? false;
  }

  waitReady(app: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const entry = this.apps.get(app);
    if (!entry) return Promise.resolve(false);
    if (entry.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (ready: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        entry.waiters.delete(finish);
        resolve(ready);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(finish, timeoutMs, false);
      signal?.addEventListener("abort", onAbort);
      entry.waiters.add(finish);
    });
  }

  track(app: string): () => void {
    this.active.set(app, (this.active.get(app) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active.set(app, this.active.get(app)! - 1);
    };
  }
}
