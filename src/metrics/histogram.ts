// A histogram whose series are fixed label sets, observed many times per second: each observation adds to plain
// numbers, and prom-client's registry reads them at scrape time (prom-client writes the exposition). A prom-client
// Histogram child hashes and checks its labels on every observe(), about 0.66 µs, which zoo would pay twice per
// request: half of what metrics cost it per request.
import type { Metric, Registry } from "prom-client";

interface Series {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last one is above every bound (+Inf). */
  counts: number[];
  sum: number;
  count: number;
}

export interface Observer {
  observe(value: number): void;
}

/** One sample as prom-client's registry formats it: `labels` first, then `sharedLabels` (the series' own). */
interface MetricValue {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
}

type MetricData = { name: string; help: string; type: string; values: MetricValue[]; aggregator: string };

export class SeriesHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #labelNames: readonly string[];
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(options: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[]; registry: Registry }) {
    this.name = options.name;
    this.help = options.help;
    this.#labelNames = options.labelNames;
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
    // The registry asks any metric for get() (or getForPromString()) and formats what it returns.
    options.registry.registerMetric(this as unknown as Metric);
  }

  /** The series for these label values (in labelNames order), made on first use. */
  labels(...values: string[]): Observer {
    const key = values.join("\0");
    let series = this.#series.get(key);
    if (!series) {
      const labels = Object.fromEntries(this.#labelNames.map((name, i) => [name, values[i]]));
      series = { labels, counts: new Array<number>(this.#bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    const { counts } = series;
    const own = series;
    const bounds = this.#bounds;
    return {
      observe(value: number): void {
        let i = 0;
        while (i < bounds.length && value > bounds[i]) i++;
        counts[i]++;
        own.sum += value;
        own.count++;
      },
    };
  }

  /** Registry.resetMetrics() calls this on every metric. */
  reset(): void {
    for (const series of this.#series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }

  /** What prom-client's registry formats, laid out as its own histograms are: `le` first, then the series' labels. */
  async getForPromString(): Promise<MetricData> {
    const values: MetricValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const series of this.#series.values()) {
      const shared = series.labels;
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += series.counts[i];
        values.push({ labels: { le }, sharedLabels: shared, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { le: "+Inf" }, sharedLabels: shared, value: series.count, metricName: bucket });
      values.push({ labels: {}, sharedLabels: shared, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: shared, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The same for getMetricsAsJSON(): one label set per sample. */
  async get(): Promise<MetricData> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ labels, sharedLabels, value, metricName }) => ({ labels: { ...labels, ...sharedLabels }, value, metricName }));
    return data;
  }
}
