// Test-only: a bug injected into a zoo under test, loaded with NODE_OPTIONS="--import <this file>". zoo itself
// never reads ZOO_TEST_BUG_TRIGGER: only this module does, so no fault can be switched on in a real zoo.
// Once the file named by ZOO_TEST_BUG_TRIGGER exists, this throws from a timer (an uncaught exception) or, when
// the file says "reject", rejects a promise nobody awaits (an unhandled rejection).
import { existsSync, readFileSync } from "node:fs";

const trigger = process.env.ZOO_TEST_BUG_TRIGGER;
if (trigger) {
  const timer = setInterval(() => {
    if (!existsSync(trigger)) return;
    clearInterval(timer);
    if (readFileSync(trigger, "utf8") === "reject") void Promise.reject(new Error("injected bug: a rejected promise nobody awaits"));
    else throw new Error("injected bug: thrown from a timer");
  }, 20);
  timer.unref();
}
