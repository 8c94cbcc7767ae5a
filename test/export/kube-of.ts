// The Kubernetes export of a config made in-process, each object validated offline, with a finder for the tests.
import assert from "node:assert/strict";
import { exportKubernetes } from "../../src/export/kubernetes.ts";
import { renderYaml } from "../../src/export/yaml.ts";
import { planOf } from "./configs.ts";
import { parseAndValidate, type K8sObject } from "./k8s-validate.ts";

export function kubeOf(raw: unknown, settings: { namespace?: string; gateway?: string } = {}) {
  const files = exportKubernetes(planOf(raw), { gateway: "web-gateway", ...settings });
  const texts = new Map([...files].map(([name, docs]) => [name, renderYaml(docs)]));
  const all = [...texts.values()].join("---\n");
  const objects = parseAndValidate(all);
  const find = (kind: string, name: string) => {
    const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
    assert.ok(found, `${kind}/${name} is emitted`);
    return found;
  };
  return { texts, all, objects, find };
}

export const container = (deployment: K8sObject) => deployment.spec.template.spec.containers[0];
