// An app with `replicas: N` runs as N supervised apps, one per replica: `node.0`, `node.1`, … (`node` alone when N
// is 1), each with ZOO_REPLICA=i in its environment and a port of its own. What each replica runs, and which ready
// replica a request goes to.
import { isDeepStrictEqual } from "node:util";
import type { AppConfig } from "../config/types.ts";
import type { Member } from "./member.ts";
import type { Upstream } from "./instance.ts";

/** The config of each replica of `app`, in order. */
export function replicaConfigs(app: AppConfig): AppConfig[] {
  return Array.from({ length: app.replicas }, (_, i) => ({
    ...app,
    name: replicaName(app.name, i, app.replicas),
    env: { ...app.env, ZOO_REPLICA: String(i) },
  }));
}

export function replicaName(app: string, index: number, count: number): string {
  return count === 1 ? app : `${app}.${index}`;
}

/** Whether a running replica with config `a` must be replaced to run with `b` (the replica count aside). */
export function sameRun(a: AppConfig, b: AppConfig): boolean {
  return isDeepStrictEqual({ ...a, replicas: 0 }, { ...b, replicas: 0 });
}

/**
 * The ready replica with the fewest requests in flight, round robin among equals (`turn` counts the picks), reserved
 * until release(); undefined when none is ready.
 */
export function pickReplica(replicas: readonly Member[], turn: number): Upstream | undefined {
  let readyCount = 0;
  for (const replica of replicas) if (replica.ready) readyCount++;
  if (readyCount === 0) return undefined;
  // The turn counts among the ready ones: a replica out of rotation does not hand its share to the next one.
  let skip = turn % readyCount;
  let start = 0;
  while (!replicas[start].ready || skip-- > 0) start++;
  let best: Member | undefined;
  for (let k = 0; k < replicas.length; k++) {
    const replica = replicas[(start + k) % replicas.length];
    if (!replica.ready) continue;
    if (!best || replica.activity.openRequests < best.activity.openRequests) best = replica;
  }
  return best?.acquire();
}
