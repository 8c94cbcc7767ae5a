// zoo's single executable beside `node dist/cli.js`: file size, time from spawn to "listening on", idle RSS.
//   node bench/binary.ts                         # builds dist/ and dist/zoo-linux-x64 if missing; 15 runs each
//   node bench/binary.ts --runs 30 --binary dist/other-build
// CPU: user + system time zoo used until it printed "listening on" (robust on a busy machine, unlike the wall time).
// Idle RSS: VmRSS of zoo one second after it served its first request (as docs/performance.md measures it).
// The config is zoo alone (a static route, no apps), so the numbers are zoo's own.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dirname, "..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "15" }, binary: { type: "string", multiple: true } } });
const runs = Number(values.runs);

const NODE = process.execPath;
const BINARY = resolve(ROOT, "dist/zoo-linux-x64");
if (!existsSync(resolve(ROOT, "dist/cli.js"))) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
if (!existsSync(BINARY)) execFileSync("npm", ["run", "build:binary"], { cwd: ROOT, stdio: "inherit" });

const dir = mkdtempSync(join(tmpdir(), "zoo-bench-binary-"));
writeFileSync(join(dir, "index.html"), "hello\n");
const config = join(dir, "zoo.config.json");
writeFileSync(config, JSON.stringify({ listen: "127.0.0.1:0", apps: {}, routes: { "/": { static: "." } } }));

interface Variant {
  name: string;
  argv: string[];
  size: number;
}
const variants: Variant[] = [
  { name: "dist/zoo-linux-x64", argv: [BINARY], size: statSync(BINARY).size },
  ...(values.binary ?? []).map((file) => ({ name: file, argv: [resolve(file)], size: statSync(file).size })),
  { name: "node dist/cli.js", argv: [NODE, resolve(ROOT, "dist/cli.js")], size: statSync(NODE).size },
  { name: "node src/cli.ts", argv: [NODE, resolve(ROOT, "src/cli.ts")], size: statSync(NODE).size },
];

/** CPU time (user + system) a process has used, in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function once(variant: Variant): Promise<{ startMs: number; cpuMs: number; rssMb: number }> {
  const started = process.hrtime.bigint();
  const child = spawn(variant.argv[0], [...variant.argv.slice(1), "start", "-c", config], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      let text = "";
      const onData = (chunk: Buffer) => {
        text += chunk;
        const match = /listening on http:\/\/\S+:(\d+)/.exec(text);
        if (match) resolvePort(Number(match[1]));
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("exit", () => reject(new Error(`${variant.name} exited before listening:\n${text}`)));
    });
    const startMs = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = cpuMs(child.pid!);
    await new Promise<void>((done, fail) => get({ host: "127.0.0.1", port, path: "/" }, (res) => res.resume().on("end", done)).on("error", fail));
    await new Promise((wait) => setTimeout(wait, 1000));
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]);
    return { startMs, cpuMs: cpu, rssMb: rssKb / 1024 };
  } finally {
    child.kill("SIGTERM");
    await new Promise((exited) => (child.exitCode === null ? child.on("exit", exited) : exited(undefined)));
  }
}

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)];
const rows: string[] = [];
for (const variant of variants) {
  await once(variant); // warm the page cache
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await once(variant));
  const start = results.map((r) => r.startMs);
  const rss = results.map((r) => r.rssMb);
  const cpu = results.map((r) => r.cpuMs);
  rows.push(
    `| ${variant.name} | ${(variant.size / 1e6).toFixed(1)} MB | ${median(start).toFixed(0)} ms (${Math.min(...start).toFixed(0)}–${Math.max(...start).toFixed(0)}) | ${median(cpu)} ms | ${median(rss).toFixed(1)} MB |`,
  );
}
process.stdout.write(
  `${runs} runs each, medians (min–max); ${process.version} on ${process.arch}\n\n` +
    "| zoo | file | spawn → listening (wall) | CPU until listening | idle RSS |\n|---|---|---|---|---|\n" +
    rows.join("\n") +
    "\n",
);
