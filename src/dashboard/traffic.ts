// Per-route traffic for the dashboard's charts: requests, errors and latency per second over the last minutes.
// A request costs a clock read, a map lookup and three increments; a second is summarized (p50, p99) once, when the
// next one begins. Memory is fixed per series: a histogram for the current second and a ring of summaries.
import type { ExchangeRecord } from "../proxy/record.ts";

/** How many seconds of history each series keeps (and the page charts). */
export const HISTORY_SECONDS = 300;
/** Latency buckets: bucket i holds (BASE·√2^(i-1), BASE·√2^i] ms, from 50 µs to ~10 minutes. */
const BASE_MS = 0.05;
const BUCKETS = 48;
/** Series beyond this (routes come and go with reloads) replace the one idle longest. */
const MAX_SERIES = 64;

/** One second: [unix second, requests, error ratio 0..1, p50 ms, p99 ms] (latencies null without requests). */
export type TrafficPoint = [t: number, requests: number, errorRate: number, p50: number | null, p99: number | null];

export interface SeriesHistory {
  route: string;
  app: string | null;
  points: TrafficPoint[];
}

class Series {
  /** The second the histogram is counting. */
  second = 0;
  count = 0;
  errors = 0;
  readonly histogram = new Uint32Array(BUCKETS);
  /** The ring of summaries, by second % HISTORY_SECONDS; `seconds` says which second a slot holds. */
  readonly seconds = new Float64Array(HISTORY_SECONDS);
  readonly counts = new Float64Array(HISTORY_SECONDS);
  readonly errorRates = new Float64Array(HISTORY_SECONDS);
  readonly p50 = new Float64Array(HISTORY_SECONDS);
  readonly p99 = new Float64Array(HISTORY_SECONDS);

  readonly route: string;
  readonly app: string | null;

  constructor(route: string, app: string | null, now: number) {
    this.route = route;
    this.app = app;
    this.second = now;
  }

  /** Closes the second being counted (its summary goes into the ring) once `now` is a later one. */
  roll(now: number): void {
    if (now === this.second) return;
    if (this.count > 0) {
      const slot = this.second % HISTORY_SECONDS;
      this.seconds[slot] = this.second;
      this.counts[slot] = this.count;
      this.errorRates[slot] = this.errors / this.count;
      this.p50[slot] = quantile(this.histogram, this.count, 0.5);
      this.p99[slot] = quantile(this.histogram, this.count, 0.99);
      this.histogram.fill(0);
      this.count = 0;
      this.errors = 0;
    }
    this.second = now;
  }

  point(second: number): TrafficPoint {
    const slot = second % HISTORY_SECONDS;
    if (this.seconds[slot] !== second) return [second, 0, 0, null, null];
    return [second, this.counts[slot], this.errorRates[slot], this.p50[slot], this.p99[slot]];
  }
}

export class Traffic {
  readonly #series = new Map<string, Series>();
  readonly #clock: () => number;
  /** The series of the last request: most requests are for the same route as the one before (no key to build). */
  #last: Series | undefined;

  /** `clock`: ms since the epoch (tests pass their own). */
  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  record(record: ExchangeRecord): void {
    if (record.websocket) return;
    const now = Math.floor(this.#clock() / 1000);
    let series = this.#last;
    if (series === undefined || series.route !== record.route || series.app !== (record.app ?? null)) {
      const key = record.app === undefined ? record.route : `${record.route}\0${record.app}`;
      series = this.#series.get(key) ?? this.#add(key, record, now);
      this.#last = series;
    }
    if (series.second !== now) series.roll(now);
    series.count += 1;
    if (record.status >= 500) series.errors += 1;
    const ms = record.durationMs;
    series.histogram[ms <= BASE_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(2 * Math.log2(ms / BASE_MS)))] += 1;
  }

  /** The last `seconds` complete seconds of every series, oldest first. */
  history(seconds = HISTORY_SECONDS): SeriesHistory[] {
    const now = Math.floor(this.#clock() / 1000);
    const span = Math.min(seconds, HISTORY_SECONDS - 1);
    return [...this.#series.values()].map((series) => {
      series.roll(now);
      const points: TrafficPoint[] = [];
      for (let second = now - span; second < now; second++) points.push(series.point(second));
      return { route: series.route, app: series.app, points };
    });
  }

  #add(key: string, record: ExchangeRecord, now: number): Series {
    if (this.#series.size >= MAX_SERIES) {
      let idlest: string | undefined;
      let oldest = Infinity;
      for (const [name, series] of this.#series) if (series.second < oldest) [idlest, oldest] = [name, series.second];
      this.#series.delete(idlest!);
      this.#last = undefined;
    }
    const series = new Series(record.route, record.app ?? null, now);
    this.#series.set(key, series);
    return series;
  }
}

/** The q-quantile in ms: the geometric middle of the bucket it falls in. */
function quantile(histogram: Uint32Array, count: number, q: number): number {
  const rank = Math.max(1, Math.ceil(q * count));
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += histogram[i];
    if (seen >= rank) return i === 0 ? BASE_MS : BASE_MS * Math.SQRT2 ** (i - 0.5);
  }
  return BASE_MS * Math.SQRT2 ** (BUCKETS - 1);
}
