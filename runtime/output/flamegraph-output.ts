// `tsbpf run --flamegraph FILE`: an Output in front of the run's own (whatever its format), passing every stage on and
// keeping the folded stacks (folded.ts) of the first map printed at the end whose keys hold stacks; then that map
// drawn as one flame graph (flamegraph.ts) into FILE, an SVG, or an HTML page holding it when FILE ends in .html.
// A later map with stacks, or one whose values do not fold (a histogram), gets a note on stderr.

import { writeFileSync } from "node:fs";
import type { AggregationData } from "./aggregations.ts";
import { type DisplayOptions } from "./display.ts";
import { FoldedError, type FoldedStack, displayedKeys, foldedStacks, hasStacks } from "./folded.ts";
import { type FlameGraphOptions, flameGraphHtml, flameGraphSvg } from "./flamegraph.ts";
import type { EventChannel, Output, Sink } from "./output.ts";
import { hasStackType } from "./stacks.ts";
import { mapName } from "./text.ts";

/** The map a flame graph is drawn from. */
export interface RecordedStacks {
  /** `@name`. */
  readonly map: string;
  readonly stacks: readonly FoldedStack[];
  /** The samples of all its stacks (what the root frame holds). */
  readonly samples: bigint;
}

export class FlameGraphRecorder implements Output {
  readonly #inner: Output;
  readonly #sink: Sink;
  readonly #display: DisplayOptions;
  #recorded: RecordedStacks | undefined;

  constructor(inner: Output, sink: Sink, display: DisplayOptions) {
    this.#inner = inner;
    this.#sink = sink;
    this.#display = display;
  }

  attached(probes: number): void | Promise<void> {
    return this.#inner.attached(probes);
  }

  events(channel: EventChannel, events: readonly unknown[]): void | Promise<void> {
    return this.#inner.events(channel, events);
  }

  line(text: string): void | Promise<void> {
    return this.#inner.line(text);
  }

  async aggregation(data: AggregationData): Promise<void> {
    await this.#inner.aggregation(data);
    this.record(data);
  }

  /** Maps printed during the run are not in the flame graph: it shows the maps as they are at the end. */
  mapPrinted(data: AggregationData, top?: number): void | Promise<void> {
    return this.#inner.mapPrinted(data, top);
  }

  lost(channel: EventChannel, count: bigint): void | Promise<void> {
    return this.#inner.lost(channel, count);
  }

  end(): void | Promise<void> {
    return this.#inner.end();
  }

  /** Keeps `data`'s stacks if it is the first map with stacks that folds (the runner calls it for maps it does not print). */
  record(data: AggregationData): void {
    const shown = displayedKeys(data, this.#display);
    // A map keyed by stacks counts even when empty: the run then says it has no samples, not that it has no stacks.
    if (!hasStacks(shown) && !(data.keyed && hasStackType(data.keyType))) return;
    const name = mapName(data);
    if (this.#recorded) {
      this.#sink.stderr.write(`note: ${name} has stacks too; the flame graph shows ${this.#recorded.map} only (--format folded prints every map)\n`);
      return;
    }
    try {
      const stacks = foldedStacks(shown);
      this.#recorded = { map: name, stacks, samples: stacks.reduce((s, x) => s + (x.value > 0n ? x.value : 0n), 0n) };
    } catch (e) {
      if (!(e instanceof FoldedError)) throw e;
      this.#sink.stderr.write(`note: ${e.message}; not in the flame graph\n`);
    }
  }

  /** The map the flame graph shows, once the maps are printed; undefined when no map had stacks. */
  get recorded(): RecordedStacks | undefined {
    return this.#recorded;
  }
}

/**
 * Writes the flame graph of `recorded` to `path`: an HTML page when it ends in .html, else an SVG; its subtitle, unless
 * given, names the map and counts its stacks and samples. Throws what writing throws, and a RangeError when no stack
 * has a sample.
 */
export function writeFlameGraph(path: string, recorded: RecordedStacks, options: FlameGraphOptions): void {
  const opts: FlameGraphOptions = { ...options, subtitle: options.subtitle ?? `${recorded.map}: ${recorded.stacks.length} stacks, ${recorded.samples} samples` };
  writeFileSync(path, /\.html?$/i.test(path) ? flameGraphHtml(recorded.stacks, opts) : flameGraphSvg(recorded.stacks, opts));
}
