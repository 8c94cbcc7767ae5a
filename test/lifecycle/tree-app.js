// A fixture app for lifecycle tests: serves on $PORT, keeps a child and a setsid'd grandchild alive,
// optionally ignores SIGTERM, and reports forwarded signals.
import { createServer } from "node:http";
import { spawn } from "node:child_process";

spawn("sleep", ["1000"], { stdio: "ignore" });
spawn("setsid", ["sleep", "1001"], { stdio: "ignore" });
if (process.env.IGNORE_TERM) process.on("SIGTERM", () => console.log("ignoring SIGTERM"));
for (const signal of ["SIGUSR1", "SIGUSR2"]) process.on(signal, () => console.log(`got ${signal}`));
if (process.env.EXIT_CODE) setTimeout(() => process.exit(Number(process.env.EXIT_CODE)), 50);
createServer((req, res) => res.end(`tree ${req.url}\n`)).listen(Number(process.env.PORT), "127.0.0.1");
