// The user side's cost per event, without a kernel: opensnoop's 288-byte records decoded by the layout codec, and
// the decoded events printed as `tsbpf run` prints them (columns, NDJSON). Each is measured against a hand-written
// equivalent in the same run: DataView reads and Buffer's latin1 decoder for the decode, a template literal with
// padStart for the line, JSON.stringify for the record. Records carry one comm and, in turn, a path that repeats
// and paths that all differ (the cache of short strings only helps the comm).

import { codecOf, layoutOf } from "../core/object/layout.ts";
import { compile } from "../compiler/index.ts";
import { eventColumns, formatEventLine } from "../runtime/output/events.ts";
import { eventJson } from "../runtime/output/json.ts";
import { median, ratio } from "./util.ts";

const RECORDS = 4096;
const ROUNDS = 60;
const RUNS = 5;

interface Open {
  pid: number;
  comm: string;
  fd: number;
  errno: number;
  flags: number;
  path: string;
}

/** Microseconds per item of `fn` over `items` (median of RUNS runs of ROUNDS passes). */
function perItem<T>(items: readonly T[], fn: (item: T, i: number) => unknown): number {
  const runs: number[] = [];
  let sink = 0;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (let k = 0; k < ROUNDS; k++) for (let i = 0; i < items.length; i++) sink += fn(items[i]!, i) ? 1 : 0;
    runs.push(((performance.now() - t0) * 1000) / (ROUNDS * items.length));
  }
  if (sink < 0) console.log(sink);
  return median(runs);
}

const us = (x: number) => `${x.toFixed(3)} µs`;

export function benchDecode(): void {
  const r = compile("samples/opensnoop.ts");
  const channel = r.spec?.maps.find((m) => m.events);
  if (!channel?.events) {
    console.log(`decode: skipped (samples/opensnoop.ts does not compile: ${r.diagnostics.map((d) => d.message).join("; ")})`);
    return;
  }
  const codec = codecOf<Open>(channel.events.type);
  const size = codec.size;
  const fields = (layoutOf(channel.events.type).fields ?? []).map((f) => f.name);
  console.log(`decode: opensnoop's ${size}-byte events (${fields.join(", ")}), ${RECORDS} records, median of ${RUNS} runs of ${ROUNDS} passes`);

  for (const paths of ["one path", "distinct paths"] as const) {
    const buf = Buffer.alloc(size * RECORDS);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const events: Open[] = [];
    for (let i = 0; i < RECORDS; i++) {
      const e: Open = { pid: 4000 + (i & 7), comm: "open-workload", fd: 3, errno: 0, flags: 0o2000000, path: paths === "one path" ? "/etc/ld.so.cache" : `/tmp/tsbpf-bench/file-${i}.txt` };
      codec.encode(e, view, i * size);
      events.push(e);
    }
    // The hand-written reference: the layout's offsets read directly, strings through Buffer's latin1 decoder.
    const offsets = new Map(layoutOf(channel.events.type).fields!.map((f) => [f.name, f.offset]));
    const [oPid, oComm, oFd, oErrno, oFlags, oPath] = ["pid", "comm", "fd", "errno", "flags", "path"].map((n) => offsets.get(n)!) as [number, number, number, number, number, number];
    const str = (start: number, cap: number) => {
      const end = buf.indexOf(0, start);
      return buf.toString("latin1", start, end < 0 || end > start + cap ? start + cap : end);
    };
    const byHand = (i: number): Open => {
      const o = i * size;
      return { pid: view.getUint32(o + oPid, true), comm: str(o + oComm, 16), fd: view.getInt32(o + oFd, true), errno: view.getInt32(o + oErrno, true), flags: view.getUint32(o + oFlags, true), path: str(o + oPath, 256) };
    };
    const indices = events.map((_, i) => i);
    const ours = perItem(indices, (i) => codec.decode(view, i * size));
    const hand = perItem(indices, (i) => byHand(i));
    console.log(`decode:   ${paths.padEnd(15)} codec.decode ${us(ours)}/event, by hand ${us(hand)}/event: ${ratio(ours, hand)}`);
  }

  const columns = eventColumns(channel.events.type);
  const events: Open[] = Array.from({ length: RECORDS }, (_, i) => ({ pid: 4000 + i, comm: "open-workload", fd: i % 5 ? 3 : -1, errno: i % 5 ? 0 : 2, flags: 0o2000000, path: `/tmp/tsbpf-bench/file-${i}.txt` }));
  const line = perItem(events, (e) => formatEventLine(columns, e));
  const template = perItem(events, (e) =>
    `${String(e.pid).padStart(7)} ${e.comm.padEnd(16)} ${String(e.fd).padStart(7)} ${String(e.errno).padStart(7)} ${`0x${e.flags.toString(16)}`.padStart(10)} ${e.path}`);
  console.log(`decode:   text line       formatEventLine ${us(line)}/event, template literal ${us(template)}/event: ${ratio(line, template)}`);
  const json = perItem(events, (e) => eventJson("events", e, 0));
  const stringify = perItem(events, (e) => JSON.stringify({ type: "event", channel: "events", data: e }));
  console.log(`decode:   NDJSON record   eventJson ${us(json)}/event, JSON.stringify ${us(stringify)}/event: ${ratio(json, stringify)}`);
}
