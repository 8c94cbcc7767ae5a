// zoo start --watch: a reload when the config file or an env file changes. Each file's directory is watched, not
// the file, because editors and `kubectl`-style updates replace a file (rename) rather than write it in place.
import { watch, type FSWatcher } from "node:fs";
import path from "node:path";

/** Changes that come within this long of each other make one reload (an editor writes in several steps). */
const SETTLE_MS = 200;

export class FileWatch {
  #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #onChange: () => void;

  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  /** Watches exactly these files from now on (a reload may add or drop env files). */
  set(files: readonly string[]): void {
    this.close();
    const byDir = new Map<string, Set<string>>();
    for (const file of files) {
      const dir = path.dirname(file);
      if (!byDir.has(dir)) byDir.set(dir, new Set());
      byDir.get(dir)!.add(path.basename(file));
    }
    for (const [dir, names] of byDir) {
      try {
        const watcher = watch(dir, { persistent: false }, (_event, name) => {
          if (name === null || names.has(name.toString())) this.#changed();
        });
        watcher.on("error", () => {}); // the directory went away: the next reload says what is missing
        this.#watchers.push(watcher);
      } catch {
        // A directory that cannot be watched: reload with zoo reload or SIGHUP instead.
      }
    }
  }

  close(): void {
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers = [];
    clearTimeout(this.#timer);
  }

  #changed(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(this.#onChange, SETTLE_MS);
  }
}
