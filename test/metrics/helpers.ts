// Reading Prometheus's text format in tests.

/** The value of one sample line, e.g. value(text, 'zoo_app_up{app="web"}'); undefined when absent. */
export function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
