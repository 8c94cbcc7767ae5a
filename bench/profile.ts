// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions and files with the most self time,
// and the JavaScript functions with the most total time (self plus everything they called).
//   node bench/profile.ts FILE.cpuprofile [top]
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

function place(url: string): string {
  if (!url) return "(native)";
  try {
    return url.startsWith("file:") ? relative(process.cwd(), fileURLToPath(url)) : url;
  } catch {
    return url;
  }
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || "(anonymous)"}  ${place(url)}${url ? `:${lineNumber + 1}` : ""}`;
}

export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i] ?? 0)));

  let idle = 0;
  let total = 0;
  const selfByFunction = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    total += us;
    if (!us) continue;
    if (node.callFrame.functionName === "(idle)") {
      idle += us;
      continue;
    }
    selfByFunction.set(label(node), (selfByFunction.get(label(node)) ?? 0) + us);
    const where = place(node.callFrame.url);
    selfByFile.set(where, (selfByFile.get(where) ?? 0) + us);
  }

  // Total time per JavaScript function, counted once per call stack even when it recurses.
  const totalByFunction = new Map<string, number>();
  const inclusive = (node: ProfileNode, onStack: Set<string>): number => {
    const key = label(node);
    const isJs = node.callFrame.url !== "";
    const fresh = isJs && !onStack.has(key);
    if (fresh) onStack.add(key);
    let us = selfUs.get(node.id) ?? 0;
    for (const child of node.children ?? []) us += inclusive(byId.get(child)!, onStack);
    if (fresh) {
      onStack.delete(key);
      totalByFunction.set(key, (totalByFunction.get(key) ?? 0) + us);
    }
    return us;
  };
  const root = profile.nodes[0];
  if (root) inclusive(root, new Set());

  // Percentages of busy time: the profile also spans the minutes zoo waits while other contenders run.
  const busy = total - idle || 1;
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
  const rows = (map: Map<string, number>, n: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => `  ${pct(us)}  ${name}`);
  return [
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`,
    "self time by function (% of busy time):",
    ...rows(selfByFunction, top),
    "self time by file:",
    ...rows(selfByFile, 12),
    "total time (self + callees) by JavaScript function:",
    ...rows(totalByFunction, top),
  ].join("\n");
}

if (import.meta.main) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error("usage: node bench/profile.ts FILE.cpuprofile [top]");
  console.log(summarizeProfile(file, Number(top ?? 25)));
}
