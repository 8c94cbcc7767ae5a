// `zoo hash-password`: a password from standard input (one line, or all of a pipe) → its bcrypt hash, for a route's
// `basicAuth.users`. Cost 10: bcryptjs checks it in about 70 ms of zoo's CPU (Caddy's default 14 would take over a
// second per uncached check in JavaScript); a hash of any cost is accepted in the config.
import { hash } from "bcryptjs";

export const HASH_COST = 10;

export async function hashPassword(): Promise<number> {
  if (process.stdin.isTTY) process.stderr.write("Password (the input is shown): ");
  let input = "";
  for await (const chunk of process.stdin) {
    input += chunk;
    if (process.stdin.isTTY && input.includes("\n")) break;
  }
  const password = input.replace(/\r?\n$/, "");
  if (password === "") {
    process.stderr.write("zoo: hash-password: expected a password on standard input\n");
    return 2;
  }
  process.stdout.write(`${await hash(password, HASH_COST)}\n`);
  return 0;
}
