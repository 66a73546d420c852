// Metric families as the text a Prometheus server scrapes: the families (model.ts) and the scrape's Accept header in;
// the body and its content type out, OpenMetrics 1.0 when the scraper asks for it (Prometheus does), the Prometheus
// text format 0.0.4 otherwise. The writing is prom-client's (escaping, number formats, `_total`, `# EOF`): each family
// is registered for one scrape as a metric object whose get() returns its samples; the process's own metrics
// (resident memory, CPU, open fds, heap, event loop lag) come from prom-client's default collectors.

import client from "prom-client";
import { type MetricFamily, isHistogramPoint, isValuePoint } from "./model.ts";

const { Registry } = client;

/** The content types, as prom-client writes them. */
export const OPENMETRICS = Registry.OPENMETRICS_CONTENT_TYPE;
export const PROMETHEUS_TEXT = Registry.PROMETHEUS_CONTENT_TYPE;

/** Whether an Accept header asks for OpenMetrics (Prometheus 2.x sends `application/openmetrics-text;version=1.0.0,...`). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return !!accept && /application\/openmetrics-text/i.test(accept);
}

interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/** A family in the form prom-client's registry writes (its `get()`), for OpenMetrics or the text format. */
function promMetric(f: MetricFamily, openMetrics: boolean): { name: string; help: string; type: string; values: Sample[]; aggregator: "sum" } {
  const values: Sample[] = [];
  for (const p of f.points) {
    if (isValuePoint(p)) values.push({ labels: { ...p.labels }, value: p.value });
    else if (isHistogramPoint(p)) {
      for (const b of p.buckets) values.push({ metricName: `${f.name}_bucket`, labels: { ...p.labels, le: formatLe(b.le) }, value: b.count });
      if (p.sum !== undefined) values.push({ metricName: `${f.name}_sum`, labels: { ...p.labels }, value: p.sum });
      values.push({ metricName: `${f.name}_count`, labels: { ...p.labels }, value: p.count });
    } else {
      values.push({ metricName: `${f.name}_sum`, labels: { ...p.labels }, value: p.sum });
      values.push({ metricName: `${f.name}_count`, labels: { ...p.labels }, value: p.count });
    }
  }
  // A counter's samples end in _total: prom-client adds it in OpenMetrics (whose family name has none), and writes
  // the family's name as it is in the text format (where the family is named after its samples).
  const name = f.type === "counter" && !openMetrics ? `${f.name}_total` : f.name;
  return { name, help: f.help, type: f.type, values, aggregator: "sum" };
}

/** `le` as Prometheus writes it: `+Inf`, and finite bounds as numbers. */
function formatLe(le: number): string {
  return le === Infinity ? "+Inf" : String(le);
}

/** The process's own metrics, collected by prom-client into a registry of their own (created on first use). */
let processRegistry: InstanceType<typeof Registry> | undefined;

function processMetrics(): InstanceType<typeof Registry> {
  if (!processRegistry) {
    processRegistry = new Registry();
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The scrape's body: `families`, then the process's metrics unless `process` is false. */
export async function expose(families: readonly MetricFamily[], accept: string | undefined, o: { process?: boolean } = {}): Promise<{ contentType: string; body: string }> {
  const openMetrics = wantsOpenMetrics(accept);
  const contentType = openMetrics ? OPENMETRICS : PROMETHEUS_TEXT;
  const registry = new Registry<typeof contentType>();
  registry.setContentType(contentType);
  for (const f of families) {
    const m = promMetric(f, openMetrics);
    registry.registerMetric({ ...m, get: async () => m } as unknown as Parameters<typeof registry.registerMetric>[0]);
  }
  if (o.process !== false) {
    for (const m of await processMetrics().getMetricsAsJSON()) {
      // Named as ours are: prom-client adds a counter's _total itself in OpenMetrics.
      const name = openMetrics && String(m.type) === "counter" ? m.name.replace(/_total$/, "") : m.name;
      const copy = { ...m, name, values: [...m.values] };
      registry.registerMetric({ ...copy, get: async () => copy } as unknown as Parameters<typeof registry.registerMetric>[0]);
    }
  }
  return { contentType, body: await registry.metrics() };
}
