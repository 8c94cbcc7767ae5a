// What a running zoo does when an operator asks over the control socket: per-app restart/stop/start, logs, reload.
import type { ActionOutcome, AppAction, ControlOperations } from "./admin/routes.ts";
import type { LogBook } from "./logs/book.ts";
import type { Reloader } from "./reload.ts";
import type { Supervisor } from "./supervisor/index.ts";

export function controlOperations(supervisor: Supervisor, reloader: Reloader, book: LogBook): ControlOperations {
  const perform = (action: AppAction, app: string) => {
    const { operations } = supervisor;
    if (action === "restart") return operations.restartApp(app);
    if (action === "stop") return operations.stopApp(app);
    return operations.startApp(app);
  };
  return {
    apps: () => supervisor.names(),
    replicas: () => supervisor.replicaNames(),
    addressOf: (app) => {
      const url = reloader.config.apps.find((config) => config.name === app)?.url;
      return url && `http://${url.host}:${url.port}`;
    },
    logs: book,
    act: (action, apps) =>
      Promise.all(apps.map(async (app): Promise<ActionOutcome> => ({ app, ...(await perform(action, app)) }))),
    scale: async (app, replicas) => {
      const outcome = await reloader.scale(app, replicas);
      return "refused" in outcome ? outcome : { app, ...outcome };
    },
    reload: (dryRun) => reloader.reload(dryRun),
  };
}
