// The output of a run, as one interface: the stages of a run in (probes attached, batches of decoded events, lines
// printed from probes, each map's merged data, lost events, the end), text written to a sink out. TextOutput (text-output.ts)
// and JsonOutput (json-output.ts) implement it, as bpftrace's src/output/output.h has Output with TextOutput and
// JsonOutput; formats.ts maps the names `tsbpf run --format` takes to them. A runner picks one Output once and
// calls its stages; it never asks which format it has.

import { MAP_KINDS } from "../../core/maps.ts";
import type { TypeDesc } from "../../core/object/layout.ts";
import type { MapSpec } from "../../core/object/spec.ts";
import type { AggregationData } from "./aggregations.ts";
import type { DisplayOptions } from "./display.ts";

/** What an output writes to: the part of a Node Writable it uses (process.stdout and process.stderr are ones). */
export interface Writer {
  /** false: the writer's buffer is full, and "drain" will follow once it has room again. */
  write(text: string): boolean;
  once(event: "drain", listener: () => void): unknown;
}

/**
 * Where an output's text goes: the records and lines of the run on stdout, messages for the person on stderr. The
 * process's own, guarded against a reader that stalls or goes away, is stdio.ts's processSink().
 */
export interface Sink {
  readonly stdout: Writer;
  readonly stderr: Writer;
}

/** An event channel as the output sees it: its name, the type of its decoded events and the buffer they came through. */
export interface EventChannel {
  readonly name: string;
  /** The layout of one event: text columns come from it. */
  readonly type: TypeDesc;
  /** RingBuffer or PerfEventArray: what a lost-event report suggests to enlarge. */
  readonly buffer: "ringbuf" | "perf";
}

/** The EventChannel of a RingBuffer or PerfEventArray map. */
export function eventChannel(m: MapSpec): EventChannel {
  if (!m.events) throw new TypeError(`map ${m.name} is not an event channel`);
  return { name: m.name, type: m.events.type, buffer: MAP_KINDS[m.type].channel ?? "perf" };
}

/**
 * What the tracer module says about its own output, and how values are shown (DisplayOptions: both formats); a
 * format uses what applies to it (text uses format and header, NDJSON does not).
 */
export interface OutputOptions extends DisplayOptions {
  /** The module's `format(event, channel)`: its lines replace the columns. */
  readonly format?: ((event: unknown, channel: string) => unknown) | undefined;
  /** The module's `header`: printed once above format()'s first line, when it is a string. */
  readonly header?: unknown;
}

/**
 * The stages of a run, in the order a runner calls them: attached once, first; events and lines any number of times,
 * interleaved across channels, and aggregation for a map printed during the run; then aggregation per printed map,
 * lost per channel that dropped events, and end. A stage that returns a Promise is awaited before the next one.
 */
export interface Output {
  /** The run is attaching this many probes. */
  attached(probes: number): void | Promise<void>;
  /**
   * A batch of one channel's decoded events, written at once. Resolves when stdout can take more (a full pipe or
   * terminal makes the runner wait instead of buffering without bound). An empty batch writes nothing.
   */
  events(channel: EventChannel, events: readonly unknown[]): void | Promise<void>;
  /**
   * One line printed from inside a probe (a formatted print), without its trailing newline: text writes it as a
   * line on stdout, NDJSON as bpftrace's printf record. Resolves when stdout can take more, as events() does.
   */
  line(text: string): void | Promise<void>;
  /** One map's merged contents at the end of the run, in the order the runner prints the maps. */
  aggregation(data: AggregationData): void | Promise<void>;
  /**
   * A map a handler printed during the run (bpftrace's `print(@x, top)` from an interval probe): only the `top`
   * largest entries when given; text prints it without the blank line that comes before the maps at the end.
   */
  mapPrinted(data: AggregationData, top?: number): void | Promise<void>;
  /** A channel dropped `count` events (the runner reports only channels whose count is above zero). */
  lost(channel: EventChannel, count: bigint): void | Promise<void>;
  /** Nothing more will come: a format that holds its output until the end writes it here. */
  end(): void | Promise<void>;
}

/** Writes `text` (when there is any) and, if the writer's buffer is full, waits for it to drain. */
export async function writeAndDrain(w: Writer, text: string): Promise<void> {
  if (text && !w.write(text)) await new Promise<void>((r) => w.once("drain", () => r()));
}
