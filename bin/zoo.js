#!/usr/bin/env node
// The `zoo` command. In a checkout it runs src/cli.ts directly, which needs a Node that strips TypeScript types
// (22.18+); an installed package runs the JavaScript that `npm pack` compiled into dist/ (less memory, faster start).
import module from "node:module";
import { existsSync, readFileSync } from "node:fs";

const root = new URL("../", import.meta.url).href;
const installed = root.includes("/node_modules/");

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  // Only a checkout runs TypeScript; an installed package runs dist/ but still needs the Node APIs 22.18 has.
  const why = installed ? "" : " (a checkout runs its TypeScript source directly)";
  process.stderr.write(`zoo: Node ${process.versions.node} is too old; zoo needs Node 22.18 or newer${why}.\n`);
  process.exit(1);
}

// Node refuses to strip types from files under node_modules, which is where an installed zoo lives
// (`npx zoo`, a dependency). For zoo's own .ts files only, strip them here instead.
const compiled = new URL("dist/cli.js", root);
const useCompiled = installed && existsSync(compiled);
if (installed && !useCompiled) {
  const emitWarning = process.emitWarning;
  process.emitWarning = (warning, ...rest) => {
    if (!String(warning).includes("stripTypeScriptTypes")) emitWarning.call(process, warning, ...rest);
  };
  module.registerHooks({
    load(url, context, nextLoad) {
      if (!url.startsWith(root) || !url.endsWith(".ts") || url.slice(root.length).includes("node_modules/")) {
        return nextLoad(url, context);
      }
      const source = module.stripTypeScriptTypes(readFileSync(new URL(url), "utf8"));
      return { format: "module", source, shortCircuit: true };
    },
  });
}

const { main } = await import(useCompiled ? compiled.href : "../src/cli.ts");
await main();
