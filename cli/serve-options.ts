// `tsbpf serve`'s options as parseArgs reads them, in one table: cli/serve.ts parses with it, and the tests of
// deploy/ (the container's command line) check against it.

export const SERVE_OPTIONS = {
  program: { type: "string", short: "e" },
  metrics: { type: "string", short: "m" },
  otlp: { type: "string" },
  "otlp-interval": { type: "string" },
  "otlp-protocol": { type: "string" },
  "otlp-header": { type: "string", multiple: true },
  "web.config.file": { type: "string" },
  user: { type: "string", short: "u" },
  "max-series": { type: "string" },
  namespace: { type: "string" },
  param: { type: "string", multiple: true },
  btf: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  verbose: { type: "boolean", short: "v" },
  "no-cache": { type: "boolean" },
} as const;

/** Where metrics are served when neither --metrics nor --otlp is given: the port of OpenTelemetry's Prometheus exporter. */
export const DEFAULT_LISTEN = ":9464";

/** Label sets per metric beyond which new ones are dropped (and counted), unless --max-series says otherwise. */
export const DEFAULT_MAX_SERIES = 10_000;
