// Warnings about where zoo runs, logged once at start: PID 1 without an init, and a stop that cannot fit Docker's
// grace before SIGKILL.
import type { Config } from "./config/types.ts";
import type { Logger } from "./log.ts";

/** Docker's default `docker stop` grace before SIGKILL. */
const DOCKER_STOP_GRACE_MS = 10_000;

export function warnAboutEnvironment(config: Config, log: Logger): void {
  if (process.pid === 1) {
    log.zoo("warn", 'zoo is PID 1 without an init: orphaned zombies will not be reaped. Run it under tini (ENTRYPOINT ["tini", "--"]) or `docker run --init`.');
  }
  // The apps' stop runs on one clock (Supervisor.stop): dependency chains do not add up their stopTimeouts.
  const worstStop = config.drainTimeout + Math.max(0, ...config.apps.map((app) => app.stopTimeout));
  if (worstStop > DOCKER_STOP_GRACE_MS) {
    log.zoo(
      "warn",
      `stopping may take up to ${worstStop}ms (drainTimeout + the longest stopTimeout), more than Docker's ${DOCKER_STOP_GRACE_MS}ms stop grace: lower them or run docker stop -t ${Math.ceil(worstStop / 1000) + 1}`,
    );
  }
}
