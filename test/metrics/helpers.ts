// Reading Prometheus's text format in tests.

/** The value of one sample line, e.g. value(text, 'zoo_app_up{app="web"}'); undefined when absent. */
export function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The port a zoo started with port 0 listens on, waiting up to a minute (listeningPort waits 15 s: too short on a loaded machine). */
export async function boundPort(zoo: { waitFor(pattern: RegExp, timeoutMs?: number): Promise<string> }): Promise<number> {
  return Number(/:(\d+)$/.exec(await zoo.waitFor(/listening on http:\/\/\S+:\d+/, 60_000))![1]);
}
