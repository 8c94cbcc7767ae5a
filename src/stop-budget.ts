// Warnings about where zoo runs, logged once at start: PID 1 without an init, and a stop that cannot fit Docker's
// grace before SIGKILL.
import type { AppConfig, Config } from "./config/types.ts";
import type { Logger } from "./log.ts";

/** Docker's default `docker stop` grace before SIGKILL. */
const DOCKER_STOP_GRACE_MS = 10_000;

export function warnAboutEnvironment(config: Config, log: Logger): void {
  if (process.pid === 1) {
    log.zoo("warn", 'zoo is PID 1 without an init: orphaned zombies will not be reaped. Run it under tini (ENTRYPOINT ["tini", "--"]) or `docker run --init`.');
  }
  const worstStop = config.drainTimeout + longestStopChain(config.apps);
  if (worstStop > DOCKER_STOP_GRACE_MS) {
    log.zoo(
      "warn",
      `stopping may take up to ${worstStop}ms (drainTimeout + stopTimeouts in dependency order), more than Docker's ${DOCKER_STOP_GRACE_MS}ms stop grace: lower them or run docker stop -t ${Math.ceil(worstStop / 1000) + 1}`,
    );
  }
}

/** Apps stop in reverse dependency order, so the worst case is the longest chain of stopTimeouts. */
export function longestStopChain(apps: AppConfig[]): number {
  const byName = new Map(apps.map((app) => [app.name, app]));
  const memo = new Map<string, number>();
  const chain = (app: AppConfig): number => {
    const known = memo.get(app.name);
    if (known !== undefined) return known;
    memo.set(app.name, app.stopTimeout); // guards against cycles, which the config rejects anyway
    const deps = Object.keys(app.dependsOn).map((name) => byName.get(name)).filter((dep) => dep !== undefined);
    const total = app.stopTimeout + Math.max(0, ...deps.map(chain));
    memo.set(app.name, total);
    return total;
  };
  return Math.max(0, ...apps.map(chain));
}
