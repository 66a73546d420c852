// The user side of event channels (RingBuffer, PerfEventArray): records from the bound EventBackend in, events
// decoded with the layout codec out — by async iteration, drain() or `lost`.
//
// Iteration works in batches: each drain takes up to BATCH records off the buffer, decodes them into a backlog and
// gives the buffer's space back to the producer at once; next() then hands out the backlog without touching the
// kernel. After a drain that emptied the buffer, the iterator waits on the backend before draining again, and the
// backend decides how: the kernel ring buffer waits 1 ms after a drain that found records (the producer is busy;
// a wakeup per record would cost it more than the records) and for readiness after one that found none. The
// backlog belongs to the channel, so breaking out of a loop loses nothing: the next loop or drain() gets the rest.

import { type Codec, codecOf } from "../../core/object/layout.ts";
import { MAP_KINDS } from "../../core/maps.ts";
import type { MapSpec, MapType } from "../../core/object/spec.ts";
import type { EventBackend } from "./backend.ts";
import { Declared, aOr } from "./declared.ts";

/** Records a drain takes off the buffer at a time: enough to amortise the drain, few enough to stay cache-warm. */
const BATCH = 4096;

abstract class EventChannel<E = unknown> extends Declared<EventBackend> implements AsyncIterable<E> {
  readonly #type: MapType;
  /** Decoded events not handed out yet, from `#at` on. */
  #backlog: E[] = [];
  #at = 0;
  /** The last drain emptied the buffer: wait before the next. (The first drain does not wait.) */
  #idle = false;
  #codec: { spec: MapSpec; codec: Codec<E>; take: (view: DataView, offset: number, length: number) => void } | undefined;

  protected constructor(type: MapType) {
    super(MAP_KINDS[type].class!);
    this.#type = type;
  }

  protected mismatch(spec: MapSpec): string | undefined {
    if (spec.type !== this.#type) return `it is ${aOr(spec.type)} map, not ${aOr(this.#type)}`;
    return spec.events ? undefined : "its spec does not describe the events (no `events`)";
  }

  emit(_event: E): boolean {
    throw this.kernelOnly("emit", "read events with `for await (const e of channel)` or drain()");
  }

  output(_event: E): boolean {
    throw this.kernelOnly("output", "read events with `for await (const e of channel)` or drain()");
  }

  /** Events dropped so far because the buffer was full (counted by the programs). */
  get lost(): bigint {
    return this.backend.lost();
  }

  /**
   * The events available now, without waiting: at most `max` of them, the rest staying in the buffer (a consumer
   * that cannot keep up, such as a run whose stdout stalls, leaves the kernel to drop and count what does not fit,
   * instead of holding everything in memory).
   */
  drain(max = Infinity): E[] {
    if (!(max === Infinity || (Number.isInteger(max) && max >= 0))) {
      throw new RangeError(`drain(max): max must be an integer >= 0, not ${String(max)}`);
    }
    const backend = this.backend;
    const { take } = this.decoder();
    // The backlog first; the drain appends to it (and if a record fails to decode, what came before stays).
    const held = this.#backlog.length - this.#at;
    if (held >= max) {
      const out = this.#backlog.slice(this.#at, this.#at + max);
      this.#at += out.length;
      return out;
    }
    const out = this.#backlog.slice(this.#at);
    this.#backlog = out;
    this.#at = 0;
    backend.drain(take, max - held);
    this.#backlog = [];
    return out;
  }

  /** Every event, as it arrives; ends when the tracer is closed. */
  [Symbol.asyncIterator](): AsyncIterator<E> {
    const it: AsyncIterator<E> & AsyncIterable<E> = {
      next: () => {
        // The fast path: no kernel, no async function frame.
        if (this.#at < this.#backlog.length) return Promise.resolve({ done: false, value: this.#backlog[this.#at++]! });
        return this.#next();
      },
      return: () => Promise.resolve({ done: true, value: undefined }),
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  async #next(): Promise<IteratorResult<E>> {
    const backend = this.backend;
    const { take } = this.decoder();
    for (;;) {
      if (this.#at < this.#backlog.length) return { done: false, value: this.#backlog[this.#at++]! };
      if (this.#idle) {
        if (backend.closed) return { done: true, value: undefined };
        await backend.wait();
        // Another iterator of the same channel may have filled the backlog meanwhile.
        if (this.#at < this.#backlog.length) continue;
      }
      this.#backlog = [];
      this.#at = 0;
      const n = backend.drain(take, BATCH);
      this.#idle = n < BATCH;
      if (n === 0 && backend.closed) return { done: true, value: undefined };
    }
  }

  /** The codec of the bound spec's event type, and the record handler that decodes into the backlog. */
  private decoder(): { codec: Codec<E>; take: (view: DataView, offset: number, length: number) => void } {
    const spec = this.spec;
    if (this.#codec?.spec === spec) return this.#codec;
    const codec = codecOf<E>(spec.events!.type);
    const size = codec.size;
    const take = (view: DataView, offset: number, length: number) => {
      if (length < size) throw new Error(`${spec.name}: a record of ${length} bytes is shorter than the event type (${size} bytes)`);
      this.#backlog.push(codec.decode(view, offset));
    };
    this.#codec = { spec, codec, take };
    return this.#codec;
  }
}

/** BPF_MAP_TYPE_RINGBUF. */
export class RingBuffer<E = unknown> extends EventChannel<E> {
  constructor(_bytes: number) {
    super("ringbuf");
  }
}

/** BPF_MAP_TYPE_PERF_EVENT_ARRAY. */
export class PerfEventArray<E = unknown> extends EventChannel<E> {
  constructor(_options?: { readonly pages?: number }) {
    super("perf_event_array");
  }
}

export type { EventChannel };
