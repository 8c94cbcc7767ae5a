// Loaded with --import: on SIGUSR2, prints on stderr one line `modules: JSON` naming the packages and zoo modules
// this process has loaded (through import or require) and Node's built-in modules it has loaded, for the test that
// an idle zoo loads only what its config uses.
import { registerHooks } from "node:module";

const loaded = new Set<string>();
registerHooks({
  load(url, context, nextLoad) {
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (pkg) loaded.add(pkg[1]);
    else if (url.includes("/src/")) loaded.add(`src/${url.split("/src/")[1]}`);
    return nextLoad(url, context);
  },
});

process.on("SIGUSR2", () => {
  // process.moduleLoadList is Node's own record ("NativeModule tls"): built-ins taken by getBuiltinModule or by a package.
  const builtins = (process as unknown as { moduleLoadList: string[] }).moduleLoadList.filter((entry) => entry.startsWith("NativeModule ")).map((entry) => entry.slice(13));
  process.stderr.write(`modules: ${JSON.stringify({ loaded: [...loaded], builtins })}\n`);
});
