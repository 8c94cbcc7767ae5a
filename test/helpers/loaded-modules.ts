// Loaded with --import: prints "loaded: URL" on stderr for every module of zoo's and of its packages that the process
// loads, for the tests that zoo loads only what its config uses (the dashboard when it is on, send for static routes…).
import { registerHooks } from "node:module";

registerHooks({
  load(url, context, nextLoad) {
    if (url.includes("/src/") || url.includes("/node_modules/")) process.stderr.write(`loaded: ${url}\n`);
    return nextLoad(url, context);
  },
});
