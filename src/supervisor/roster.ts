// Who the supervisor's members are: each app's config, the current member of each replica's name (the one requests,
// status and dependents see), which app a replica's name belongs to, and every member still alive, on stage or off
// (a replacement starting, a retiree draining). The supervisor and its collaborators change it only through here.
import type { AppConfig } from "../config/types.ts";
import type { AppState } from "./state.ts";

export class Roster<M extends { readonly name: string }> {
  /** Each app's config, by the app's name ("node"), in the order the apps were added. */
  readonly #configs = new Map<string, AppConfig>();
  /** The current member of each replica's name: "node" (one replica), or "node.0", "node.1", … */
  readonly #current = new Map<string, M>();
  /** The app each replica's name belongs to ("node.1" → "node"); kept for retirees' log lines too. */
  readonly #appOfReplica = new Map<string, string>();
  /** Every member with a process or on its way to one: the current ones, and replacements or retirees off stage. */
  readonly #alive = new Set<M>();

  // ---- apps ----

  /** The apps' names ("node", never "node.1"). */
  names(): string[] {
    return [...this.#configs.keys()];
  }

  configs(): AppConfig[] {
    return [...this.#configs.values()];
  }

  config(app: string): AppConfig | undefined {
    return this.#configs.get(app);
  }

  /** The app's config from now on (an app not known yet joins the end of the list). */
  setConfig(config: AppConfig): void {
    this.#configs.set(config.name, config);
  }

  /** The app is no longer configured (its members are retired on their own). */
  forget(app: string): void {
    this.#configs.delete(app);
  }

  // ---- replicas' names ----

  /** A replica's name belongs to `app` ("node.1" → "node"), also after its member retires. */
  enrol(replica: string, app: string): void {
    this.#appOfReplica.set(replica, app);
  }

  /** The app a replica's name belongs to: "node.1" → "node"; any other name unchanged. */
  appOf(name: string): string {
    return this.#appOfReplica.get(name) ?? name;
  }

  // ---- the current members ----

  /** The current member of a replica's name ("node.1", or "node" when it has one replica). */
  get(replica: string): M | undefined {
    return this.#current.get(replica);
  }

  /** Whether `member` is the current one of its name (not a replacement starting or a retiree draining). */
  isCurrent(member: M): boolean {
    return this.#current.get(member.name) === member;
  }

  /** Every current member, in the order their names first came on stage. */
  current(): M[] {
    return [...this.#current.values()];
  }

  /** The current members of an app, in replica order (one, unless it has `replicas`). */
  members(app: string): M[] {
    const index = (member: M) => Number(member.name.slice(app.length + 1)) || 0;
    return this.current()
      .filter((member) => this.#appOfReplica.get(member.name) === app)
      .sort((a, b) => index(a) - index(b));
  }

  /** `member` becomes the current one of its name. */
  add(member: M): void {
    this.#current.set(member.name, member);
  }

  /** `next` takes the place of `old`; a replica renamed ("node" → "node.0" when scaled up) leaves its old name. */
  swap(old: M, next: M): void {
    if (this.#current.get(old.name) === old && old.name !== next.name) this.#current.delete(old.name);
    this.#current.set(next.name, next);
  }

  /** The member's name leaves the stage (the member drains and stops off stage). */
  retire(member: M): void {
    this.#current.delete(member.name);
  }

  // ---- alive, on stage or off ----

  /** Every member with a process or on its way to one. */
  get alive(): ReadonlySet<M> {
    return this.#alive;
  }

  /** Every current member and every one alive off stage, each once. */
  everyone(): M[] {
    return [...new Set([...this.#current.values(), ...this.#alive])];
  }

  /** A member's state changed: stopped or failed, it is no longer alive; in any other state, it is. */
  moved(member: M, to: AppState): void {
    if (to === "stopped" || to === "failed") this.#alive.delete(member);
    else this.#alive.add(member);
  }
}
