// Idle RSS (issue 18, point 4): an empty Node HTTP server, the same with each of zoo's imports added, all of them,
// imports that are used once and then only referenced, a config load done in a worker thread that then exits,
// and zoo itself (`node dist/cli.js start` and `node src/cli.ts start` with the root zoo.config.json).
// Each variant is a fresh process; its VmRSS is read one second after it listens (as `npm run bench` does).
//   npm run build && node bench/idle-rss.ts [--rounds 3] [--only TEXT]   (--only: the empty server and the variants whose name contains TEXT; "zoo": zoo only)
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { BENCH_DIR, REPO_DIR, spawnZoo } from "./contenders.ts";
import { freePort, httpGet, memoryOf, pollUntil, startProcess } from "./proc.ts";
import { median } from "./median.ts";
import { freePortEnv } from "./supervision.ts";

const { values: flags } = parseArgs({ options: { rounds: { type: "string", default: "3" }, only: { type: "string" } } });
const rounds = Number(flags.rounds);
const tmp = mkdtempSync(join(tmpdir(), "zoo-idle-"));

const ALL = ["http-proxy-3", "zod", "cosmiconfig", "execa", "send", "tree-kill", "ms", "dotenv"];

/** The statements a variant runs before it starts its server (an ES module evaluated with `node -e`). */
const VARIANTS: { name: string; code: string }[] = [
  { name: "empty node:http server", code: "" },
  { name: "+ http-proxy-3", code: `import "http-proxy-3";` },
  { name: "+ zod", code: `import "zod";` },
  { name: "+ cosmiconfig", code: `import "cosmiconfig";` },
  { name: "+ execa", code: `import "execa";` },
  { name: "+ send", code: `import "send";` },
  { name: "+ tree-kill", code: `import "tree-kill";` },
  { name: "+ ms", code: `import "ms";` },
  { name: "+ dotenv", code: `import "dotenv";` },
  { name: "+ undici (candidate client)", code: `import "undici";` },
  { name: "+ all of zoo's imports", code: ALL.map((m) => `import "${m}";`).join(" ") },
  { name: "+ all of zoo's imports and undici", code: [...ALL, "undici"].map((m) => `import "${m}";`).join(" ") },
  // Per-import deltas above do not add up (the first sizeable module grows the heap for all): what leaving one out
  // of the whole set saves is what loading it only when used would save.
  ...["zod", "execa", "send", "http-proxy-3", "cosmiconfig"].map((left) => ({
    name: `+ all of zoo's imports but ${left}`,
    code: ALL.filter((m) => m !== left).map((m) => `import "${m}";`).join(" "),
  })),
  {
    // What zoo does with zod and cosmiconfig at start: load the config, validate it, keep only the plain result.
    name: "+ zod and cosmiconfig used once (load + validate the root config), then unreferenced",
    code: `{ const { loadConfig } = await import(${JSON.stringify(join(REPO_DIR, "dist/config/load.js"))});
      globalThis.config = JSON.parse(JSON.stringify(await loadConfig({ cwd: ${JSON.stringify(REPO_DIR)} }))); }
      globalThis.gc?.();`,
  },
  {
    name: "+ the same config load in a worker thread that exits (only the plain result comes back)",
    code: `{ const { Worker } = await import("node:worker_threads");
      const worker = new Worker(${JSON.stringify(
        `const { parentPort } = require("node:worker_threads");
         import(${JSON.stringify(join(REPO_DIR, "dist/config/load.js"))}).then(async ({ loadConfig }) =>
           parentPort.postMessage(JSON.parse(JSON.stringify(await loadConfig({ cwd: ${JSON.stringify(REPO_DIR)} })))));`,
      )}, { eval: true, execArgv: [] });
      globalThis.config = await new Promise((resolve, reject) => { worker.once("message", resolve); worker.once("error", reject); });
      await worker.terminate(); }
      globalThis.gc?.();`,
  },
];

/** Starts `node -e` with the variant's code and an HTTP server on a free port; VmRSS one second after it answers. */
async function measureVariant(code: string, n: number): Promise<number> {
  const port = await freePort();
  const source = `${code}
import { createServer } from "node:http";
createServer((req, res) => res.end("ok")).listen(${port}, "127.0.0.1");`;
  const proc = startProcess("variant", process.execPath, ["--expose-gc", "--input-type=module", "-e", source], {
    cwd: REPO_DIR,
    logFile: join(tmp, `variant-${n}.log`),
  });
  try {
    await pollUntil(`variant ${n}`, async () => ((await httpGet(`http://127.0.0.1:${port}/`, 2000)).status === 200 ? true : undefined), {
      timeoutMs: 20_000,
      exited: proc.exited,
    });
    await sleep(1000);
    return memoryOf(proc.pid)?.rss ?? NaN;
  } finally {
    await proc.stop(3000);
  }
}

/** zoo with the root config: VmRSS of the zoo process (not its apps) one second after its /node route answers. */
async function measureZoo(cli: string, n: number): Promise<number> {
  const configPath = join(REPO_DIR, "zoo.config.json");
  const env = await freePortEnv(JSON.parse(readFileSync(configPath, "utf8")));
  process.env.BENCH_ZOO_CLI = cli;
  const { proc, origin } = await spawnZoo({ configPath, env, tmp, logName: `zoo-${n}.log` });
  try {
    await pollUntil(`zoo route /node`, async () => ((await httpGet(`${origin}/node`, 5000)).status === 200 ? true : undefined), {
      timeoutMs: 60_000,
      exited: proc.exited,
    }).catch((error: Error) => {
      const log = readFileSync(join(tmp, `zoo-${n}.log`), "utf8").split("\n").slice(-15).join("\n");
      throw new Error(`${error.message}; zoo's log ends:\n${log}`);
    });
    await sleep(1000);
    return memoryOf(proc.pid)?.rss ?? NaN;
  } finally {
    await proc.stop(12_000);
  }
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

async function main(): Promise<void> {
  if (!existsSync(join(REPO_DIR, "dist", "cli.js"))) {
    console.error("dist/cli.js is missing: run `npm run build` first (the config-load rows and the zoo row use dist/).");
    process.exitCode = 2;
    return;
  }
  const rows: { name: string; rss: number[] }[] = [];
  let n = 0;
  const chosen = [VARIANTS[0], ...VARIANTS.slice(1).filter((v) => !flags.only || v.name.includes(flags.only))];
  for (const v of chosen) {
    const rss: number[] = [];
    for (let r = 0; r < rounds; r++) rss.push(await measureVariant(v.code, n++));
    rows.push({ name: v.name, rss });
    console.error(`${v.name}: ${rss.map(mb).join(", ")} MB`);
  }
  const dist = join(REPO_DIR, "dist", "cli.js");
  for (const [name, cli] of (flags.only && flags.only !== "zoo" ? [] : [
    ["zoo: `node dist/cli.js start`, root zoo.config.json", dist],
    ["zoo: `node src/cli.ts start` (type stripping), root zoo.config.json", join(REPO_DIR, "src", "cli.ts")],
  ] as const)) {
    const rss: number[] = [];
    for (let r = 0; r < rounds; r++) rss.push(await measureZoo(cli, n++));
    rows.push({ name, rss });
    console.error(`${name}: ${rss.map(mb).join(", ")} MB`);
  }
  const base = median(rows[0].rss)!;
  const lines = [
    `# Idle RSS — ${new Date().toISOString().slice(0, 19)}Z`,
    "",
    `\`node bench/idle-rss.ts --rounds ${rounds}${flags.only ? ` --only ${flags.only}` : ""}\`: Node ${process.version}, median of ${rounds} fresh processes each, ` +
      "VmRSS one second after the server (or zoo's /node route) answered.",
    "",
    "| process | idle RSS | over the empty server |",
    "|---|--:|--:|",
  ];
  for (const row of rows) {
    const m = median(row.rss)!;
    lines.push(`| ${row.name} | ${mb(m)} MB | ${row === rows[0] ? "" : `+${mb(m - base)} MB`} |`);
  }
  const report = lines.join("\n") + "\n";
  console.log(report);
  const file = join(BENCH_DIR, "results", `${new Date().toISOString().slice(0, 16).replace(":", "")}Z-idle-rss.md`);
  writeFileSync(file, report);
  console.error(`wrote ${file}`);
}

try {
  await main();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
