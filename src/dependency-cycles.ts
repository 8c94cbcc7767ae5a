// dependsOn as a graph: shared by the config checks (to report) and the supervisor (to refuse), which may not
// import each other.

/**
 * Every cycle in a graph of name → names it depends on, each as a path that starts and ends at the same name
 * ("a → b → a" is ["a", "b", "a"]). Depth-first in the graph's order; each cycle is found once, at its back edge.
 * Edges to names that are not keys of the graph are ignored.
 */
export function findCycles(graph: Map<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (name: string) => {
    state.set(name, "visiting");
    stack.push(name);
    for (const dep of graph.get(name) ?? []) {
      if (!graph.has(dep)) continue;
      if (state.get(dep) === "visiting") cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(name, "done");
  };
  for (const name of graph.keys()) if (!state.has(name)) visit(name);
  return cycles;
}

/**
 * Why a set of apps cannot be started in dependency order: a dependency on an app that does not exist, or a cycle.
 * Undefined when there is no such problem.
 */
export function dependencyProblem(apps: readonly { name: string; dependsOn: Record<string, unknown> }[]): string | undefined {
  const names = new Set(apps.map((app) => app.name));
  for (const app of apps) {
    const unknown = Object.keys(app.dependsOn).find((dep) => !names.has(dep));
    if (unknown) return `app ${app.name} depends on unknown app ${unknown}`;
  }
  const [cycle] = findCycles(new Map(apps.map((app) => [app.name, Object.keys(app.dependsOn)])));
  return cycle && `dependency cycle: ${cycle.join(" → ")}`;
}
