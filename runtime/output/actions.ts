// The handlers' actions as user space carries them out: a record of the actions ring buffer and the tracer's
// ActionsSpec in; the action it asks for out, a print()'s line already formatted (integers in decimal, booleans as
// true/false, strings up to their NUL, time() as the wall-clock time in strftime's format). The runner (cli/run.ts,
// the VM's simulate()) does the rest: writes the line, prints or clears the map, ends the run.

import { type Codec, codecOf } from "../../core/object/layout.ts";
import type { ActionSpec, ActionsSpec } from "../../core/object/spec.ts";

export type Action =
  | { readonly kind: "print"; readonly text: string }
  | { readonly kind: "exit" }
  | { readonly kind: "clear"; readonly map: string }
  | { readonly kind: "print_map"; readonly map: string; readonly top?: number };

/** What converts a CLOCK_MONOTONIC time (the kernel's bpf_ktime_get_ns) to the wall clock: ns to add. */
export function monotonicToWallNs(): bigint {
  // Node's hrtime is CLOCK_MONOTONIC on Linux, the clock of bpf_ktime_get_ns.
  return BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
}

/** A decoder of the records of `spec`'s ring buffer: bytes in, the action out (undefined for a record too short). */
export function actionDecoder(spec: ActionsSpec, wallOffsetNs = monotonicToWallNs()): (view: DataView, offset: number, length: number) => Action {
  const codecs = new Map<number, Codec<Record<string, unknown>>>();
  return (view, offset, length) => {
    if (length < 4) throw new Error(`a record of ${length} bytes in the actions ring buffer (at least 4 expected)`);
    const id = view.getUint32(offset, true);
    const a: ActionSpec | undefined = spec.list[id];
    if (!a) throw new Error(`action ${id} in the actions ring buffer; the tracer has ${spec.list.length}`);
    if (a.kind !== "print") return a;
    let codec = codecs.get(id);
    if (!codec) codecs.set(id, (codec = codecOf<Record<string, unknown>>(a.record)));
    if (length < codec.size) throw new Error(`print() record ${id} of ${length} bytes; ${codec.size} expected`);
    const r = codec.decode(view, offset);
    let text = a.parts[0]!;
    a.args.forEach((arg, i) => {
      const v = r[arg.field];
      text += arg.display === "time" ? strftime(arg.format ?? "%H:%M:%S", (v as bigint) + wallOffsetNs) : String(v);
      text += a.parts[i + 1]!;
    });
    return { kind: "print", text };
  };
}

const pad = (n: number, w = 2, c = "0") => String(n).padStart(w, c);
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const FULL_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const FULL_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/**
 * strftime(3) of a time in ns since the epoch, in local time, for the conversions of the C library that a log line
 * uses (%H %M %S %T %D %F %R %Y %y %m %d %e %j %a %A %b %h %B %p %I %s %z %Z %n %t %%), plus bpftrace's %f
 * (microseconds, 6 digits). Anything else is copied as it is.
 */
export function strftime(format: string, epochNs: bigint): string {
  const ms = Number(epochNs / 1_000_000n);
  const d = new Date(ms);
  const us = Number((epochNs / 1000n) % 1_000_000n);
  const conv = (c: string): string | undefined => {
    switch (c) {
      case "H": return pad(d.getHours());
      case "M": return pad(d.getMinutes());
      case "S": return pad(d.getSeconds());
      case "f": return pad(us, 6);
      case "T": return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
      case "R": return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
      case "D": return `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${pad(d.getFullYear() % 100)}`;
      case "F": return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
      case "Y": return String(d.getFullYear());
      case "y": return pad(d.getFullYear() % 100);
      case "m": return pad(d.getMonth() + 1);
      case "d": return pad(d.getDate());
      case "e": return pad(d.getDate(), 2, " ");
      case "j": {
        const start = new Date(d.getFullYear(), 0, 1);
        return pad(Math.floor((d.getTime() - start.getTime()) / 86_400_000) + 1, 3);
      }
      case "a": return DAYS[d.getDay()];
      case "A": return FULL_DAYS[d.getDay()];
      case "b": case "h": return MONTHS[d.getMonth()];
      case "B": return FULL_MONTHS[d.getMonth()];
      case "p": return d.getHours() < 12 ? "AM" : "PM";
      case "I": return pad(d.getHours() % 12 || 12);
      case "s": return String(Math.floor(ms / 1000));
      case "z": {
        const off = -d.getTimezoneOffset();
        return `${off < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(off) / 60))}${pad(Math.abs(off) % 60)}`;
      }
      case "Z": return new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(d).find((p) => p.type === "timeZoneName")?.value ?? "";
      case "n": return "\n";
      case "t": return "\t";
      case "%": return "%";
      default: return undefined;
    }
  };
  return format.replace(/%(.)/g, (all, c: string) => conv(c) ?? all);
}
