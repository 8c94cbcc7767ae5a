// The Kubernetes API server's own rules that schema validation (kubernetes-models) does not check, run on every
// object the export emits. A broken rule is an ExportError: the export refuses to write what a cluster would reject.
import { isDnsLabel } from "./names.ts";
import { MAX_RULES } from "./gateway.ts";

type Obj = Record<string, unknown>;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const isDns1123Label = (name: string) => name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Every broken rule in `objects`, as "Kind/name: what" lines; empty when all hold. */
export function apiRuleProblems(objects: Obj[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const metadata = object.metadata as Obj;
    const name = String(metadata.name);
    const report = (message: string) => problems.push(`${object.kind}/${name}: ${message}`);
    checkName(object.kind as string, name, report);
    if (metadata.namespace !== undefined && !isDns1123Label(String(metadata.namespace))) {
      report(`namespace "${metadata.namespace}" is not a DNS-1123 label`);
    }
    if (object.kind === "Service") checkService(object, report);
    if (object.kind === "Deployment") checkDeployment(object, report);
    if (object.kind === "HTTPRoute") checkRoute(object, report);
  }
  return problems;
}

function checkName(kind: string, name: string, report: (message: string) => void): void {
  // A Service name must be an RFC 1035 label; other objects' names DNS-1123 subdomains.
  if (kind === "Service" ? !isDnsLabel(name) : name.length > 253 || !DNS_SUBDOMAIN.test(name)) report(`the name "${name}" is not a valid ${kind} name`);
}

function checkPort(port: unknown, what: string, report: (message: string) => void): void {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) report(`${what} ${String(port)} is not a port from 1 to 65535`);
}

function checkService(object: Obj, report: (message: string) => void): void {
  const ports = ((object.spec as Obj).ports ?? []) as Obj[];
  for (const port of ports) {
    checkPort(port.port, "port", report);
    if (typeof port.targetPort === "number") checkPort(port.targetPort, "targetPort", report);
  }
}

function checkDeployment(object: Obj, report: (message: string) => void): void {
  const podSpec = ((object.spec as Obj).template as Obj).spec as Obj;
  const containers = [...((podSpec.initContainers ?? []) as Obj[]), ...(podSpec.containers as Obj[])];
  for (const container of containers) {
    if (!isDns1123Label(String(container.name))) report(`container name "${container.name}" is not a DNS-1123 label`);
    for (const port of (container.ports ?? []) as Obj[]) checkPort(port.containerPort, "containerPort", report);
    for (const variable of (container.env ?? []) as Obj[]) {
      const envName = String(variable.name);
      if (!ENV_NAME.test(envName)) report(`environment variable name "${envName}" is not one Kubernetes accepts (letters, digits, "_", "-", ".", not starting with a digit)`);
    }
  }
}

function checkRoute(object: Obj, report: (message: string) => void): void {
  const rules = (object.spec as Obj).rules as Obj[];
  if (rules.length > MAX_RULES) report(`${rules.length} rules, more than the ${MAX_RULES} an HTTPRoute may have`);
  rules.forEach((rule, i) => {
    const matches = (rule.matches ?? []) as Obj[];
    for (const match of matches) {
      const path = match.path as Obj | undefined;
      if (path && (typeof path.value !== "string" || !path.value.startsWith("/"))) report(`rules[${i}]: the path "${path?.value}" does not start with "/"`);
      if (path && typeof path.value === "string" && /\/\/|\/\.\.?(\/|$)|%2f|%2F|#/.test(path.value)) report(`rules[${i}]: the path "${path.value}" has "//", "/./", "/../", an encoded "/" or "#"`);
    }
    for (const filter of (rule.filters ?? []) as Obj[]) {
      const config = (filter.urlRewrite ?? filter.requestRedirect) as Obj | undefined;
      const path = config?.path as Obj | undefined;
      if (path?.type === "ReplacePrefixMatch") {
        const prefixMatches = matches.filter((match) => (match.path as Obj | undefined)?.type === "PathPrefix");
        if (matches.length !== 1 || prefixMatches.length !== 1) report(`rules[${i}]: a ReplacePrefixMatch needs exactly one PathPrefix match, found ${matches.length} match(es)`);
      }
      const status = (filter.requestRedirect as Obj | undefined)?.statusCode;
      if (status !== undefined && status !== 301 && status !== 302) report(`rules[${i}]: redirect status ${status} is not 301 or 302`);
    }
    for (const backend of (rule.backendRefs ?? []) as Obj[]) checkPort(backend.port, "backendRef port", report);
  });
}
