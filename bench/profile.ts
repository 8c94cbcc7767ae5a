// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions and files with the most self time.
//   node bench/profile.ts FILE.cpuprofile [top]
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function place(url: string): string {
  if (!url) return "(native)";
  try {
    return url.startsWith("file:") ? relative(process.cwd(), fileURLToPath(url)) : url;
  } catch {
    return url;
  }
}

export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;

  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let idle = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (!us) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") {
      idle += us;
      continue;
    }
    const name = `${functionName || "(anonymous)"}  ${place(url)}${url ? `:${lineNumber + 1}` : ""}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byFile.set(place(url), (byFile.get(place(url)) ?? 0) + us);
  }
  // Percentages of busy time: the profile also spans the minutes zoo waits while other contenders run.
  const busy = total - idle || 1;
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
  const rows = (map: Map<string, number>, n: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => `  ${pct(us)}  ${name}`);
  return [
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`,
    "self time by function (% of busy time):",
    ...rows(byFunction, top),
    "self time by file:",
    ...rows(byFile, 12),
  ].join("\n");
}

if (import.meta.main) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error("usage: node bench/profile.ts FILE.cpuprofile [top]");
  console.log(summarizeProfile(file, Number(top ?? 25)));
}
