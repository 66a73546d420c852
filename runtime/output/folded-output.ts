// The folded-stacks Output (`tsbpf run --format folded`): a run's stages in, on stdout only the folded lines of the
// maps whose keys hold stacks (folded.ts: `frame;frame;frame count`), so that stdout (or -o's file) is flamegraph.pl's
// input as it is. Everything else is for the person, on stderr, as the text format writes it: "Attaching N probes...",
// events, lines printed from probes, lost events; and a note for each map that has no stacks (not printed) or whose
// values do not fold (a histogram, an average).

import type { AggregationData } from "./aggregations.ts";
import { FoldedError, displayedKeys, foldedStacks, foldedText, hasStacks } from "./folded.ts";
import { type EventChannel, type Output, type OutputOptions, type Sink, writeAndDrain } from "./output.ts";
import { TextOutput } from "./text-output.ts";
import { mapName } from "./text.ts";

export class FoldedOutput implements Output {
  readonly #sink: Sink;
  readonly #options: OutputOptions;
  /** The text format with stderr for its stdout: what the run says besides the stacks. */
  readonly #text: TextOutput;
  /** The maps whose folded lines are on stdout, in order. */
  readonly #printed: string[] = [];

  constructor(sink: Sink, options: OutputOptions = {}) {
    this.#sink = sink;
    this.#options = options;
    this.#text = new TextOutput({ stdout: sink.stderr, stderr: sink.stderr }, options);
  }

  attached(probes: number): void {
    this.#text.attached(probes);
  }

  events(channel: EventChannel, events: readonly unknown[]): Promise<void> {
    return this.#text.events(channel, events);
  }

  line(text: string): Promise<void> {
    return this.#text.line(text);
  }

  aggregation(data: AggregationData): Promise<void> {
    return this.#fold(data);
  }

  /** A map printed during the run folds as at the end: the tools add up the lines of one stack. */
  mapPrinted(data: AggregationData): Promise<void> {
    return this.#fold(data);
  }

  lost(channel: EventChannel, count: bigint): void {
    this.#text.lost(channel, count);
  }

  end(): void {}

  async #fold(data: AggregationData): Promise<void> {
    const shown = displayedKeys(data, this.#options);
    const name = mapName(data);
    if (!hasStacks(shown)) {
      if (data.entries.length) this.#note(`${name} has no stack in its keys: not printed in folded form`);
      return;
    }
    let text: string;
    try {
      text = foldedText(foldedStacks(shown));
    } catch (e) {
      if (!(e instanceof FoldedError)) throw e;
      this.#note(`${e.message}; not printed`);
      return;
    }
    const before = this.#printed.at(-1);
    if (before !== undefined && before !== name) this.#note(`${name}'s stacks follow ${before}'s on stdout (the flame-graph tools add up what they read)`);
    if (!this.#printed.includes(name)) this.#printed.push(name);
    await writeAndDrain(this.#sink.stdout, text);
  }

  #note(text: string): void {
    this.#sink.stderr.write(`note: ${text}\n`);
  }
}
