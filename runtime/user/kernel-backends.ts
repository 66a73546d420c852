// Backends over a loaded kernel Collection: a map name in, the BpfMap itself (it is a MapBackend) or, for an event
// channel, an EventBackend over a RingBufferReader or PerfBufferReader out. Readers are made once per collection
// and map, and adopted by the collection, which releases them when it is disposed (after detaching the probes).
// Nothing here loads koffi: the collection that comes in was loaded by whoever loaded the kernel layer.

import { MAP_KINDS } from "../../core/maps.ts";
import type { MapSpec } from "../../core/object/spec.ts";
import type { Collection } from "../kernel/collection.ts";
import { onlineCpus } from "../kernel/cpus.ts";
import type { BpfMap } from "../kernel/maps.ts";
import { PerfBufferReader } from "../kernel/perfbuf.ts";
import { RingBufferReader } from "../kernel/ringbuf.ts";
import type { EventBackend, MapBackend } from "./backend.ts";
import type { BackendFor } from "./bind.ts";

const made = new WeakMap<Collection, Map<string, MapBackend | EventBackend>>();

/** The backends of `collection`'s maps, by name (the same backend for the same name, however often asked). */
export function kernelBackends(collection: Collection): BackendFor {
  let backends = made.get(collection);
  if (!backends) made.set(collection, (backends = new Map()));
  const cache = backends;
  return (name) => {
    let b = cache.get(name);
    if (!b) {
      b = backendOf(collection, name);
      cache.set(name, b);
    }
    return b;
  };
}

function backendOf(c: Collection, name: string): MapBackend | EventBackend {
  const map = c.map(name);
  // The compiled spec says what the map holds (events, aggregation); a pinned map's own spec only its sizes.
  const spec = c.spec.maps.find((m) => m.name === name) ?? map.spec;
  switch (MAP_KINDS[map.type].channel) {
    case "ringbuf": {
      const reader = c.adopt(new RingBufferReader(c.kernel.sys, map.fd, map.maxEntries));
      return channel(spec, reader, lostCounter(c, spec));
    }
    case "perf": {
      const key = (cpu: number) => (map.keyType ? cpu : u32Bytes(cpu));
      const reader = c.adopt(new PerfBufferReader(c.kernel.sys, {
        cpus: onlineCpus(),
        ...(spec.events?.pages !== undefined ? { pages: spec.events.pages } : {}),
        updateMap: (cpu, fd) => map.updateRaw(u32Bytes(cpu), u32Bytes(fd)),
        deleteFromMap: (cpu) => void map.delete(key(cpu)),
      }));
      return channel(spec, reader, lostCounter(c, spec));
    }
    default: {
      const backend: MapBackend = map;
      return backend;
    }
  }
}

function channel(spec: MapSpec, reader: RingBufferReader | PerfBufferReader, lost: () => bigint): EventBackend {
  let ended = false;
  return {
    spec,
    drain: (onRecord, limit) => reader.drain(onRecord, limit),
    wait: () => (ended ? Promise.resolve() : reader.wait()),
    lost,
    get closed() {
      return ended || reader.closed;
    },
    end: () => {
      ended = true;
      reader.wake();
    },
  };
}

/** Sums the per-CPU counter of drops that the compiled programs keep beside a channel (events.lostMap). */
function lostCounter(c: Collection, spec: MapSpec): () => bigint {
  const name = spec.events?.lostMap;
  if (name === undefined) return () => 0n;
  const counter = c.map(name) as BpfMap<number, bigint | number>;
  return () => (counter.getPerCpu(0) ?? []).reduce<bigint>((sum, v) => sum + BigInt(v), 0n);
}

/** A u32 as the raw key or value bytes of a perf_event_array (whose spec may carry no layout). */
function u32Bytes(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}
