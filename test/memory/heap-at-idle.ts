// Loaded with --import (and --allow-natives-syntax on node's command line): on SIGWINCH, prints on stderr one line
// `heap: JSON` with V8's young-generation size and whether V8 is in efficiency mode now and was when zoo booted.
import { getHeapSpaceStatistics } from "node:v8";

// Natives syntax is allowed only in code compiled after the flag: a Function made here is.
const efficiencyMode = new Function("return %IsEfficiencyModeEnabled()") as () => boolean;
const atBoot = { bootEfficiencyMode: efficiencyMode() };

process.on("SIGWINCH", () => {
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === "new_space")!;
  process.stderr.write(`heap: ${JSON.stringify({ ...atBoot, efficiencyMode: efficiencyMode(), newSpaceKB: newSpace.space_size / 1024 })}\n`);
});
