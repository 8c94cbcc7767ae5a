// Offline validation of exported manifests: every object against the Kubernetes and Gateway API schemas
// (kubernetes-models, @kubernetes-models/gateway-api), which check types, required fields, enums and limits.
import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { ConfigMap, Secret, Service } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "v1/Service": Service,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "gateway.networking.k8s.io/v1/HTTPRoute": HTTPRoute,
};

export type K8sObject = Record<string, any>;

/** Parses a YAML stream (as YAML 1.1, as Kubernetes' go-yaml does) and validates each object; throws on the first invalid one. */
export function parseAndValidate(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text, { version: "1.1" })) {
    if (doc.errors.length > 0) throw doc.errors[0];
    const object = doc.toJS() as K8sObject;
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    if (!Model) throw new Error(`unexpected object ${object.apiVersion} ${object.kind}`);
    try {
      new Model(object).validate();
    } catch (error) {
      throw new Error(`${object.kind}/${object.metadata?.name} is invalid: ${(error as Error).message}`);
    }
    objects.push(object);
  }
  return objects;
}
