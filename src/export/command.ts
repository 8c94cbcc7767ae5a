// `zoo export compose|kubernetes`: load the config, plan the services, write the files, say what was chosen.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../config/load.ts";
import { apiRuleProblems } from "./api-rules.ts";
import { COMPOSE_FILE, exportCompose, FRONT_CONFIG_FILE } from "./compose.ts";
import { exportKubernetes } from "./kubernetes.ts";
import { noteText, notesFor, planNotCarried } from "./notes.ts";
import { ExportError, planExport, planNotes } from "./plan.ts";
import { renderYaml } from "./yaml.ts";

export interface ExportOptions {
  format: "compose" | "kubernetes";
  image?: string;
  /** -o DIR. compose: default the current directory; kubernetes: default one YAML stream on stdout. */
  outDir?: string;
  /** The config file's directory inside the image. */
  workdir?: string;
  namespace?: string;
  gateway?: string;
  configPath?: string;
  listen?: string;
}

export const DEFAULT_IMAGE = "zoo";
export const DEFAULT_WORKDIR = "/app";
export const DEFAULT_GATEWAY = "zoo";

export async function exportCommand(options: ExportOptions): Promise<number> {
  const config = await loadConfig({ configPath: options.configPath, listen: options.listen });
  const workdir = options.workdir ?? DEFAULT_WORKDIR;
  if (!path.posix.isAbsolute(workdir)) throw new ExportError(config.file, [`--workdir: expected an absolute path inside the image, found "${workdir}"`]);
  const plan = planExport(config, { image: options.image ?? DEFAULT_IMAGE, workdir });

  const outDir = options.outDir ?? (options.format === "compose" ? "." : undefined);
  let files: Map<string, string>;
  if (options.format === "compose") {
    const project = exportCompose(plan, path.resolve(outDir!));
    files = new Map([
      [COMPOSE_FILE, project.compose],
      [FRONT_CONFIG_FILE, project.frontConfig],
    ]);
  } else {
    const kube = exportKubernetes(plan, { namespace: options.namespace, gateway: options.gateway ?? DEFAULT_GATEWAY });
    const problems = apiRuleProblems([...kube.values()].flat().map((doc) => doc.object));
    if (problems.length > 0) throw new ExportError(config.file, problems);
    files = new Map([...kube].map(([name, docs]) => [name, renderYaml(docs)]));
  }

  const notes = planNotes(plan);
  // Also written as comments in the output; said here too, so that nothing is dropped without a word.
  for (const note of notesFor(planNotCarried(plan), options.format)) process.stderr.write(`${noteText(note)}\n`);
  if (outDir === undefined) {
    process.stdout.write([...files.values()].join("---\n"));
    for (const note of notes) process.stderr.write(`${note}\n`);
    return 0;
  }
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of files) {
    const file = path.join(outDir, name);
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file}\n`);
  }
  for (const note of notes) process.stdout.write(`${note}\n`);
  return 0;
}
