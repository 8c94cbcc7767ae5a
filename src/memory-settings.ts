// The memory settings zoo runs with: V8's young generation capped, Maglev off, efficiency mode for the boot, glibc's
// malloc arenas limited. They must be in place before the process starts (V8 sizes its heap and reads its flags when
// the isolate is made, glibc reads MALLOC_ARENA_MAX at the first malloc), so `zoo start` without them replaces
// itself (execve: same pid, same stdio) with a process that has them. Chosen by measurement under the soak load
// (README, "Memory"); a user who sets one keeps their own.
import { isSea } from "node:sea";

/**
 * MB per semi-space. Node 24's default grows to 64 MB semi-spaces (128 MB committed) under sustained load while
 * the JS heap in use stays 20–60 MB; 2 MB keeps the same req/s and CPU per request.
 */
export const SEMI_SPACE_MB = 2;
/** glibc keeps up to 8 arenas per core, one per busy thread; Node's threads (V8 platform, libuv pool) make several. */
export const MALLOC_ARENAS = 2;
/**
 * V8's mid-tier compiler (Maglev) off: TurboFan still optimizes what is hot. Maglev's compilations left ~13 MB of
 * malloc memory behind after the first 2,000 requests (102 → 89 MB); req/s and CPU per request the same.
 */
export const NO_MAGLEV = "--no-maglev";

/**
 * V8's efficiency mode for the boot only, with the flag zoo sets once it is up (memory-release.ts). Booting is a burst
 * of code that runs once: left to V8's defaults, TurboFan optimizes some of it for nothing. In efficiency mode, with
 * TurboFan deferred while in it, the path functions that Node's module loader runs hot at start (more so under a long
 * install path) are not optimized, and the ~6 MB of the node binary that is TurboFan's code stay out of an idle zoo's RSS.
 * Left on after boot, requests at low concurrency took ~25% longer.
 * Tried and not kept: Sparkplug (V8's baseline compiler) off for the boot as well: 0.5 MB less at idle, but about 5%
 * more CPU per request afterwards (it does not fully come back when turned on at run time).
 */
export const BOOT_MODE = {
  // The second flag only means something in efficiency mode: it stays.
  flags: ["--efficiency-mode", "--efficiency-mode-disable-turbofan"],
  up: "--no-efficiency-mode",
};

/** zoo's V8 flags, as the single executable carries them too (scripts/build-binary.ts). */
export const V8_FLAGS = [`--max-semi-space-size=${SEMI_SPACE_MB}`, NO_MAGLEV, ...BOOT_MODE.flags];

const SEMI_SPACE_FLAG = /(^|\s)--max-semi-space-size[= ]/;
const MAGLEV_FLAG = /(^|\s)--(no-)?maglev(\s|=|$)/;
const EFFICIENCY_FLAG = /(^|\s)--(no-)?efficiency-mode(\s|=|$)/;
/** Names the variables zoo added for itself, so that its apps do not inherit them. */
const ADDED = "ZOO_ADDED_ENV";
/** Set when zoo (not its user) added the boot mode, for this process to leave once up; removed at start like the rest. */
const BOOT_FLAGS_ADDED = "ZOO_BOOT_FLAGS";
let bootModeAdded = false;

export interface MemorySettingsPlan {
  /** The extra command-line flags for Node (empty when the user gave their own). */
  execArgv: string[];
  /** The extra environment (empty when the user gave their own). */
  env: Record<string, string>;
}

/** What is missing from this process's settings: the caller's own values always win. */
export function missingMemorySettings(execArgv: readonly string[], env: NodeJS.ProcessEnv, platform = process.platform): MemorySettingsPlan {
  const given = (flag: RegExp) => execArgv.some((arg) => flag.test(arg)) || flag.test(env.NODE_OPTIONS ?? "");
  const boot = given(EFFICIENCY_FLAG) ? [] : BOOT_MODE.flags;
  return {
    execArgv: [...(given(SEMI_SPACE_FLAG) ? [] : [`--max-semi-space-size=${SEMI_SPACE_MB}`]), ...(given(MAGLEV_FLAG) ? [] : [NO_MAGLEV]), ...boot],
    env: {
      // MALLOC_ARENA_MAX is glibc's: elsewhere it means nothing.
      ...(platform !== "linux" || env.MALLOC_ARENA_MAX !== undefined ? {} : { MALLOC_ARENA_MAX: String(MALLOC_ARENAS) }),
      ...(boot.length > 0 ? { [BOOT_FLAGS_ADDED]: boot.join(" ") } : {}),
    },
  };
}

/**
 * The flags that leave the boot mode when zoo itself added it; a user's own (on node's command line) is kept. The
 * single executable always boots with it: it is in its own command line, and NODE_OPTIONS may not carry it.
 */
export function flagsOnceUp(): string[] {
  return isSea() || bootModeAdded ? [BOOT_MODE.up] : [];
}

/**
 * Replaces this process with the same command plus the missing settings; returns only when nothing is missing or
 * the platform cannot exec (then zoo runs with Node's defaults). `ZOO_MEMORY_SETTINGS=off` skips it.
 */
export function applyMemorySettings(): void {
  const added = process.env[ADDED];
  if (added !== undefined) {
    bootModeAdded = process.env[BOOT_FLAGS_ADDED] !== undefined;
    // Read by glibc when this process started; the apps keep the environment zoo was given.
    for (const name of [ADDED, ...added.split(",")]) delete process.env[name];
    return;
  }
  if (process.env.ZOO_MEMORY_SETTINGS === "off" || typeof process.execve !== "function" || process.platform !== "linux") return;
  const sea = isSea();
  // The single executable carries the V8 flags in its own execArgv (scripts/build-binary.ts).
  const plan = missingMemorySettings(sea ? [...process.execArgv, ...V8_FLAGS] : process.execArgv, process.env);
  if (plan.execArgv.length === 0 && Object.keys(plan.env).length === 0) return;
  // A SEA's process.argv[1] is a copy of argv[0] that Node adds, and Node applies its execArgv itself.
  const args = sea ? [process.argv[0], ...process.argv.slice(2)] : [process.argv[0], ...process.execArgv, ...plan.execArgv, ...process.argv.slice(1)];
  try {
    const env = Object.keys(plan.env).length === 0 ? process.env : { ...process.env, ...plan.env, [ADDED]: Object.keys(plan.env).join(",") };
    process.execve(process.execPath, args, env);
  } catch {
    // execve failed before replacing anything (a seccomp profile, say): run on with Node's defaults.
  }
}
