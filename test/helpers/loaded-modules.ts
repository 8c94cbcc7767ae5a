// Loaded with --import: prints "loaded: URL" for every module zoo loads (on stderr), for the test that the dashboard
// is not loaded when it is off.
import { registerHooks } from "node:module";

registerHooks({
  load(url, context, nextLoad) {
    if (url.includes("/src/")) process.stderr.write(`loaded: ${url}\n`);
    return nextLoad(url, context);
  },
});
