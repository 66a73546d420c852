// The NDJSON Output: a run's stages in, one JSON record a line on stdout out, for scripts — attached_probes, an
// event record per event (events.ts), a map record per map (json.ts), lost_events per channel that dropped some.
// Nothing goes to stderr, and the module's format() and header do not apply: a record holds the event's fields.

import type { AggregationData } from "./aggregations.ts";
import { type Display, type DisplayOptions, displayOf } from "./display.ts";
import { eventJson, lostJson } from "./events.ts";
import { aggregationJson } from "./json.ts";
import { type EventChannel, type Output, type Sink, writeAndDrain } from "./output.ts";

export class JsonOutput implements Output {
  readonly #sink: Sink;
  readonly #display: DisplayOptions;
  /** Each channel's event as printed (syscall names), or undefined when its events print as decoded. */
  readonly #shows = new Map<string, Display | undefined>();

  constructor(sink: Sink, options: DisplayOptions = {}) {
    this.#sink = sink;
    this.#display = { ...(options.syscallNumbers ? { syscallNumbers: true } : {}) };
  }

  attached(probes: number): void {
    this.#sink.stdout.write(`${JSON.stringify({ type: "attached_probes", count: probes, data: { probes } })}\n`);
  }

  events(channel: EventChannel, events: readonly unknown[]): Promise<void> {
    if (!this.#shows.has(channel.name)) this.#shows.set(channel.name, displayOf(channel.type, this.#display, "string"));
    const show = this.#shows.get(channel.name);
    let text = "";
    for (const e of events) text += `${eventJson(channel.name, show ? show(e) : e)}\n`;
    return writeAndDrain(this.#sink.stdout, text);
  }

  aggregation(data: AggregationData): void {
    this.#sink.stdout.write(`${JSON.stringify(aggregationJson(data, this.#display))}\n`);
  }

  line(text: string): Promise<void> {
    return writeAndDrain(this.#sink.stdout, `${JSON.stringify({ type: "printf", data: `${text}\n` })}\n`);
  }

  mapPrinted(data: AggregationData, top?: number): Promise<void> {
    return writeAndDrain(this.#sink.stdout, `${JSON.stringify(aggregationJson(data, top ? { top } : {}))}\n`);
  }

  lost(channel: EventChannel, count: bigint): void {
    this.#sink.stdout.write(`${lostJson(channel.name, count)}\n`);
  }

  end(): void {}
}
