// The NDJSON Output (docs/json.md): a run's stages in, one JSON record a line on stdout out, for scripts —
// attached_probes (with the format's version) first, an event record per event, a printf record per line printed
// from a probe, a map record per printed map, lost_events per channel that dropped some; each record as json.ts
// builds it, with the time it is written. Nothing goes to stderr, and the module's format() and header do not
// apply: a record holds the event's fields (Syscall fields as names, display.ts, unless syscallNumbers).

import type { AggregationData } from "./aggregations.ts";
import { type Display, displayOf, type DisplayOptions, displayOptions } from "./display.ts";
import { attachedJson, eventPrefix, lostJson, mapJson, printfJson, serialize } from "./json.ts";
import { type EventChannel, type Output, type Sink, writeAndDrain } from "./output.ts";

export interface JsonOutputOptions extends DisplayOptions {
  /** The clock of the records' `time_ms`: milliseconds since the Unix epoch (Date.now, which tests replace). */
  readonly now?: () => number;
}

export class JsonOutput implements Output {
  readonly #sink: Sink;
  readonly #now: () => number;
  readonly #display: DisplayOptions;
  /** Each channel's event as printed (syscall names), or undefined when its events print as decoded. */
  readonly #shows = new Map<string, Display | undefined>();

  constructor(sink: Sink, options: JsonOutputOptions = {}) {
    this.#sink = sink;
    this.#now = options.now ?? Date.now;
    this.#display = displayOptions(options);
  }

  attached(probes: number): void {
    this.#sink.stdout.write(`${attachedJson(probes, this.#now())}\n`);
  }

  /** The events of a batch were decoded together: they share one time. */
  events(channel: EventChannel, events: readonly unknown[]): Promise<void> {
    if (!events.length) return Promise.resolve();
    if (!this.#shows.has(channel.name)) this.#shows.set(channel.name, displayOf(channel.type, this.#display, "string"));
    const show = this.#shows.get(channel.name);
    const prefix = eventPrefix(channel.name, this.#now());
    let text = "";
    for (const e of events) text += `${prefix}${serialize(show ? show(e) : e)}}\n`;
    return writeAndDrain(this.#sink.stdout, text);
  }

  line(text: string): Promise<void> {
    return writeAndDrain(this.#sink.stdout, `${printfJson(text, this.#now())}\n`);
  }

  aggregation(data: AggregationData): void {
    const record = mapJson(data, this.#now(), this.#display);
    if (record !== undefined) this.#sink.stdout.write(`${record}\n`);
  }

  mapPrinted(data: AggregationData, top?: number): Promise<void> {
    const record = mapJson(data, this.#now(), { ...this.#display, ...(top ? { top } : {}) });
    return writeAndDrain(this.#sink.stdout, record === undefined ? "" : `${record}\n`);
  }

  lost(channel: EventChannel, count: bigint): void {
    this.#sink.stdout.write(`${lostJson(channel.name, count, this.#now())}\n`);
  }

  end(): void {}
}
