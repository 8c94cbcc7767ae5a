// App names → names compose, DNS and Kubernetes all accept: an RFC 1035 label (what a Kubernetes Service name must
// be): lowercase letters, digits and "-", starting with a letter, ending with a letter or digit, at most 63 characters.

export const MAX_LABEL = 63;
const LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function isDnsLabel(name: string): boolean {
  return name.length <= MAX_LABEL && LABEL.test(name);
}

/** "My_App.v2" → "my-app-v2", "9lives" → "app-9lives". */
export function dnsLabel(name: string): string {
  let label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (!/^[a-z]/.test(label)) label = `app-${label}`.replace(/-$/, "");
  return trimTo(label, MAX_LABEL);
}

/**
 * One distinct label per app name, in order. A label already taken (by an earlier app or a `reserved` name such as
 * the front zoo's) gets "-2", "-3", … Deterministic: the same names always map the same way.
 */
export function mapNames(names: readonly string[], reserved: readonly string[] = []): Map<string, string> {
  const labels = distinctLabels(names, reserved);
  return new Map(names.map((name, i) => [name, labels[i]]));
}

/** `dnsLabel` of each name, in order, made distinct as mapNames does; names may repeat. */
export function distinctLabels(names: readonly string[], reserved: readonly string[] = []): string[] {
  const taken = new Set(reserved);
  return names.map((name) => {
    const base = dnsLabel(name);
    let label = base;
    for (let n = 2; taken.has(label); n++) label = `${trimTo(base, MAX_LABEL - String(n).length - 1)}-${n}`;
    taken.add(label);
    return label;
  });
}

function trimTo(label: string, length: number): string {
  return label.slice(0, length).replace(/-+$/, "");
}
