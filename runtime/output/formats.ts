// The output formats by name: `tsbpf run --format <name>` in, an Output writing to a sink out. A new format is a
// class implementing Output (output.ts) in its own file and one entry in FORMATS; the runner needs nothing else.

import { FoldedOutput } from "./folded-output.ts";
import { JsonOutput } from "./json-output.ts";
import type { Output, OutputOptions, Sink } from "./output.ts";
import { TextOutput } from "./text-output.ts";

const FORMATS = {
  /** Columns or the module's format() lines, bpftrace's map text; messages on stderr. */
  text: (sink: Sink, options: OutputOptions) => new TextOutput(sink, options),
  /** NDJSON records on stdout, in the family of bpftrace's `-f json`. */
  json: (sink: Sink, options: OutputOptions) => new JsonOutput(sink, options),
  /** The maps with stacks as folded lines on stdout (flamegraph.pl's input); the rest as text on stderr. */
  folded: (sink: Sink, options: OutputOptions) => new FoldedOutput(sink, options),
} satisfies Record<string, (sink: Sink, options: OutputOptions) => Output>;

export type OutputFormat = keyof typeof FORMATS;

/** The format names, the default (text) first. */
export const OUTPUT_FORMATS = Object.keys(FORMATS) as readonly OutputFormat[];

export function isOutputFormat(name: string): name is OutputFormat {
  return Object.hasOwn(FORMATS, name);
}

/** The Output of the named format, writing to `sink`. */
export function createOutput(format: OutputFormat, sink: Sink, options: OutputOptions = {}): Output {
  return FORMATS[format](sink, options);
}
