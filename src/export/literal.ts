// Strings the export writes for a reader that interpolates them, escaped so that they read back as zoo read them:
// zoo has already interpolated its own config at load time, so whatever reaches the export is meant literally.
// Only values are escaped: neither compose nor zoo interpolates keys.

/**
 * Every "$" doubled. compose.yaml: compose reads "$VAR" and "${VAR}", and "$$" as a literal "$". Kubernetes container
 * args and env values: it expands "$(VAR)" there, and reads "$$" as a literal "$" too.
 */
export function dollarsDoubled<T>(value: T): T {
  return mapStrings(value, (text) => text.replaceAll("$", () => "$$"));
}

/** For a zoo config (the front zoo's): zoo reads "${VAR}"; a literal "${" is "$${". */
export function zooLiteral<T>(value: T): T {
  return mapStrings(value, (text) => text.replaceAll("${", () => "$${"));
}

function mapStrings<T>(value: T, map: (text: string) => string): T {
  if (typeof value === "string") return map(value) as T;
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)])) as T;
  }
  return value;
}
