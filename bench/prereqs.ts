// The Debian packages the benchmark needs. Missing ones are installed with --install when running as root,
// otherwise the apt-get line is printed and the bench exits non-zero.
import { execa } from "execa";

const NEEDED = [
  { command: "wrk", pkg: "wrk" },
  { command: "nginx", pkg: "nginx-light" },
  { command: "go", pkg: "golang-go" },
  { command: "caddy", pkg: "caddy" },
  { command: "haproxy", pkg: "haproxy" },
  { command: "curl", pkg: "curl" },
];

async function has(command: string): Promise<boolean> {
  const { exitCode } = await execa("sh", ["-c", `command -v ${command}`], { reject: false });
  return exitCode === 0;
}

/** True when everything is there (or was just installed: install && root); otherwise prints the apt-get line. */
export async function ensurePrerequisites(install: boolean): Promise<boolean> {
  const missing: string[] = [];
  for (const { command, pkg } of NEEDED) if (!(await has(command))) missing.push(pkg);
  if (missing.length === 0) return true;
  const root = process.getuid?.() === 0;
  const sudo = root ? "" : "sudo ";
  const line = `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${missing.join(" ")}`;
  if (install && root) {
    console.log(`installing ${missing.join(", ")}: ${line}`);
    await execa("sh", ["-c", line], { stdio: "inherit" });
    return true;
  }
  console.error(`The benchmark needs Debian packages that are missing: ${missing.join(", ")}.`);
  console.error(`Install them with:\n\n  ${line}\n${root ? "\nor run `npm run bench -- --install`.\n" : ""}`);
  return false;
}

/** wrk2 (a fixed-rate wrk) is not packaged in Debian; the bench says whether apt knows it anyway. */
export async function wrk2Candidate(): Promise<string> {
  const { stdout } = await execa("apt-cache", ["policy", "wrk2"], { reject: false });
  const candidate = /Candidate:\s*(\S+)/.exec(stdout)?.[1];
  return candidate && candidate !== "(none)" ? candidate : "not in apt";
}

export async function versions(): Promise<Record<string, string>> {
  const first = async (cmd: string, args: string[]) => {
    const r = await execa(cmd, args, { reject: false, all: true });
    return String(r.all ?? "").split("\n")[0].trim();
  };
  return {
    wrk: await first("wrk", ["--version"]),
    nginx: await first("nginx", ["-v"]),
    go: await first("go", ["version"]),
    caddy: `caddy ${await first("caddy", ["version"])}`,
    haproxy: (await first("haproxy", ["-v"])).replace(/ - https?:.*$/, ""),
    curl: await first("curl", ["--version"]),
  };
}

/** The commit zoo was measured at, and whether src/ had uncommitted changes. */
export async function zooRevision(repoDir: string): Promise<string> {
  const head = await execa("git", ["rev-parse", "--short", "HEAD"], { cwd: repoDir, reject: false });
  if (head.exitCode !== 0) return "unknown revision";
  const dirty = await execa("git", ["status", "--porcelain", "--", "src"], { cwd: repoDir, reject: false });
  return `git ${String(head.stdout).trim()}${String(dirty.stdout).trim() ? " with uncommitted changes in src/" : ""}`;
}
