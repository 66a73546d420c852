// The text Output: a run's stages in, what a person reads out. "Attaching N probes..." and lost-event reports on
// stderr; on stdout, each channel's events as aligned columns under a header line (events.ts), or the lines of the
// module's own format(event, channel) under its `header`, the lines printed from probes as they are, then the maps
// as bpftrace prints them (text.ts) after a blank line.

import type { AggregationData } from "./aggregations.ts";
import { type DisplayOptions, displayOptions } from "./display.ts";
import { type EventColumn, eventColumns, formatEventHeader, formatEventLine, formatLost, formatWith } from "./events.ts";
import { type EventChannel, type Output, type OutputOptions, type Sink, writeAndDrain } from "./output.ts";
import { formatAggregation } from "./text.ts";

export class TextOutput implements Output {
  readonly #sink: Sink;
  readonly #format: OutputOptions["format"];
  readonly #display: DisplayOptions;
  /** The module's header, until it is printed (above the first batch of format()'s lines, whatever the channel). */
  #moduleHeader: string | undefined;
  /** Each channel's columns, and whether its header line is still to print (above its first event). */
  readonly #channels = new Map<string, { columns: readonly EventColumn[]; header: boolean }>();
  #maps = false;

  constructor(sink: Sink, options: OutputOptions = {}) {
    this.#sink = sink;
    this.#format = options.format;
    this.#display = displayOptions(options);
    this.#moduleHeader = options.format && typeof options.header === "string" ? options.header : undefined;
  }

  attached(probes: number): void {
    this.#sink.stderr.write(`Attaching ${probes} probe${probes === 1 ? "" : "s"}...\n`);
  }

  events(channel: EventChannel, events: readonly unknown[]): Promise<void> {
    return writeAndDrain(this.#sink.stdout, this.#format ? this.#formatted(this.#format, channel, events) : this.#columns(channel, events));
  }

  /** The module's format(): a line per event, or its error on stderr (at once) and the stream goes on. */
  #formatted(format: NonNullable<OutputOptions["format"]>, channel: EventChannel, events: readonly unknown[]): string {
    let text = "";
    if (this.#moduleHeader !== undefined && events.length) {
      text += `${this.#moduleHeader}\n`;
      this.#moduleHeader = undefined;
    }
    for (const e of events) {
      const r = formatWith(format, e, channel.name);
      if ("line" in r) text += `${r.line}\n`;
      else this.#sink.stderr.write(`${r.error}\n`);
    }
    return text;
  }

  #columns(channel: EventChannel, events: readonly unknown[]): string {
    let c = this.#channels.get(channel.name);
    if (!c) this.#channels.set(channel.name, (c = { columns: eventColumns(channel.type, this.#display), header: true }));
    let text = "";
    if (c.header && events.length) {
      text += `${formatEventHeader(c.columns)}\n`;
      c.header = false;
    }
    for (const e of events) text += `${formatEventLine(c.columns, e)}\n`;
    return text;
  }

  line(text: string): Promise<void> {
    return writeAndDrain(this.#sink.stdout, `${text}\n`);
  }

  aggregation(data: AggregationData): void {
    // A blank line between the events (or the "Attaching" line) and the maps, as bpftrace prints at exit.
    if (!this.#maps) {
      this.#maps = true;
      this.#sink.stdout.write("\n");
    }
    const text = formatAggregation(data, this.#display);
    if (text) this.#sink.stdout.write(text);
  }

  mapPrinted(data: AggregationData, top?: number): Promise<void> {
    return writeAndDrain(this.#sink.stdout, formatAggregation(data, { ...this.#display, ...(top ? { top } : {}) }));
  }

  lost(channel: EventChannel, count: bigint): void {
    this.#sink.stderr.write(`${formatLost(channel.name, count, channel.buffer)}\n`);
  }

  end(): void {}
}
