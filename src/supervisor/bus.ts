// An ordered event bus: each subscriber belongs to a stage, and every event is told stage by stage in the order the
// stages are declared (within a stage, in the order its subscribers came). A stage may hear only some events, and
// may catch its subscribers' errors; an error a stage does not catch ends the event there. Below it, the order in
// which the supervisor's collaborators hear of a member's state change.
import type { Member } from "./member.ts";
import type { StateChange } from "./status.ts";

export interface StageRule<E> {
  /** Which events the stage hears; every one when absent. */
  hears?(event: E): boolean;
  /** A subscriber of the stage threw; the others still hear the event. Without it, the error goes to the publisher. */
  caught?(error: Error, event: E): void;
}

export class OrderedBus<S extends string, E> {
  readonly #stages: { name: S; rule: StageRule<E>; subscribers: Set<(event: E) => void> }[];

  constructor(stages: readonly (readonly [S, StageRule<E>])[]) {
    this.#stages = stages.map(([name, rule]) => ({ name, rule, subscribers: new Set() }));
  }

  /** fn hears every event of the stage from now until the returned function is called. */
  on(stage: S, fn: (event: E) => void): () => void {
    const { subscribers } = this.#stages.find((s) => s.name === stage)!;
    subscribers.add(fn);
    return () => subscribers.delete(fn);
  }

  /**
   * Tells every stage that hears it, in order. Each stage is told the subscribers it has when its turn comes: one
   * that joins while the stage is being told waits for the next event, one that leaves then still hears this one.
   */
  publish(event: E): void {
    for (const { rule, subscribers } of this.#stages) {
      if (rule.hears && !rule.hears(event)) continue;
      for (const subscriber of [...subscribers]) {
        if (!rule.caught) {
          subscriber(event);
          continue;
        }
        try {
          subscriber(event);
        } catch (error) {
          rule.caught(error as Error, event);
        }
      }
    }
  }
}

/** A member's state change, and whether the member is the current one of its name (not a replacement or retiree). */
export interface MemberChange<M = Member> {
  member: M;
  change: StateChange;
  current: boolean;
}

/**
 * Who hears of a member's state change, in order:
 * 1. roster: every member's; who is alive (has a process or is on its way to one).
 * 2. groups: every member's; a replica's verdict for the rest of its group, a late sleeper following its awake group.
 * 3. offstage: a replacement's or retiree's, and nobody after hears of it: the watches of that member (operations).
 * 4. dependencies: the current member's; one at rest releases the holds on its dependencies.
 * 5. listeners: the current member's; the public event stream (Supervisor.subscribe). A throw is logged.
 * 6. waiters: the current member's; zoo's own waiters (waitReady, dependency conditions, watches of a current
 *    member). A throw is an internal error.
 */
export const CHANGE_STAGES = ["roster", "groups", "offstage", "dependencies", "listeners", "waiters"] as const;
export type ChangeStage = (typeof CHANGE_STAGES)[number];
export type ChangeBus<M = Member> = OrderedBus<ChangeStage, MemberChange<M>>;

export function changeBus<M = Member>(caught: { listener(error: Error, event: MemberChange<M>): void; waiter(error: Error, event: MemberChange<M>): void }): ChangeBus<M> {
  const current = (event: MemberChange<M>) => event.current;
  const rules: Record<ChangeStage, StageRule<MemberChange<M>>> = {
    roster: {},
    groups: {},
    offstage: { hears: (event) => !event.current },
    dependencies: { hears: current },
    listeners: { hears: current, caught: caught.listener },
    waiters: { hears: current, caught: caught.waiter },
  };
  return new OrderedBus(CHANGE_STAGES.map((stage) => [stage, rules[stage]] as const));
}

/** Calls fn with every state change of `member`, on stage or off, until the returned function is called. */
export function watch<M>(bus: ChangeBus<M>, member: M, fn: (change: StateChange) => void): () => void {
  const offstage = bus.on("offstage", (event) => event.member === member && fn(event.change));
  const onstage = bus.on("waiters", (event) => event.member === member && fn(event.change));
  return () => {
    offstage();
    onstage();
  };
}
