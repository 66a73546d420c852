// The one layout function and value codec shared by the compiler, the runtime and the VM: a type description in,
// its C layout (natural alignment) and an encoder/decoder between bytes and JavaScript values out.
//
// Values: integers up to 32 bits are numbers, 64-bit integers are bigints, bool is boolean, fixed strings are
// strings (UTF-8, up to the first NUL), byte arrays are Uint8Array, arrays are arrays, structs are plain objects.

/** A type as it lives in memory: map keys and values, event records, struct fields. */
export type TypeDesc =
  /** `display`: how people see the value (the layout and the decoded value are the integer's). */
  | {
    readonly kind: "int"; readonly size: 1 | 2 | 4 | 8; readonly signed: boolean; readonly display?: IntDisplay;
    /** A stack's depth (display "kstack" or "ustack"): which of the tracer's stack trace maps holds its frames. */
    readonly depth?: number;
  }
  | { readonly kind: "bool" }
  /** char[capacity]: text up to the first NUL. */
  | { readonly kind: "string"; readonly capacity: number }
  /** u8[length] taken as raw bytes. */
  | { readonly kind: "bytes"; readonly length: number }
  | { readonly kind: "array"; readonly element: TypeDesc; readonly length: number }
  | {
    readonly kind: "struct"; readonly name?: string; readonly fields: readonly FieldDesc[];
    /**
     * Frames copied into the value by bpf_get_stack (`KFrames<D>`/`UFrames<D>`: pid, size, frames): printed as the
     * stack they are (runtime/output/stacks.ts), never as a struct.
     */
    readonly display?: StructDisplay;
  }
  /** A pointer-sized opaque value (a kernel or user address), decoded as bigint. */
  | { readonly kind: "pointer" };

/**
 * How an integer is shown when it is printed, never how it is stored: "syscall", a syscall number that runtime/output
 * prints as the running architecture's name for it (core/syscalls), from the tracer's `Syscall` type; "kstack" and
 * "ustack", a stack captured by `bpf.kstack()`/`bpf.ustack()` (`KStack<D>`, `UStack<D>`): a u64 whose low 32 bits
 * are the id bpf_get_stackid returned (or its negative errno) and whose high 32 bits are the process (user stacks),
 * printed as the symbolized frames of that id in the tracer's stack trace map of depth `depth` (names.ts stackMapName).
 */
export type IntDisplay = "syscall" | "kstack" | "ustack";

/** How a struct is shown: "kframes"/"uframes", a kernel or user stack's frames copied by bpf.kframes()/bpf.uframes(). */
export type StructDisplay = "kframes" | "uframes";

export interface FieldDesc {
  readonly name: string;
  readonly type: TypeDesc;
}

export const u8: TypeDesc = { kind: "int", size: 1, signed: false };
export const u16: TypeDesc = { kind: "int", size: 2, signed: false };
export const u32: TypeDesc = { kind: "int", size: 4, signed: false };
export const u64: TypeDesc = { kind: "int", size: 8, signed: false };
export const i8: TypeDesc = { kind: "int", size: 1, signed: true };
export const i16: TypeDesc = { kind: "int", size: 2, signed: true };
export const i32: TypeDesc = { kind: "int", size: 4, signed: true };
export const i64: TypeDesc = { kind: "int", size: 8, signed: true };

/** Where each field of a struct sits. */
export interface FieldLayout {
  readonly name: string;
  readonly offset: number;
  readonly type: TypeDesc;
  readonly size: number;
}

export interface Layout {
  readonly size: number;
  readonly align: number;
  /** Struct fields in declaration order (structs only). */
  readonly fields?: readonly FieldLayout[];
}

/** Encodes and decodes one type. `decode` never keeps a reference to the view. */
export interface Codec<T = unknown> {
  readonly type: TypeDesc;
  readonly size: number;
  readonly align: number;
  encode(value: T, view: DataView, offset?: number): void;
  decode(view: DataView, offset?: number): T;
  /** A fresh zero-filled encoding of `value`. */
  toBytes(value: T): Uint8Array;
  fromBytes(bytes: Uint8Array): T;
}

/** A value that does not fit its type (out of range, wrong shape). */
export class LayoutError extends Error {
  override readonly name = "LayoutError";
}

const roundUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** C layout with natural alignment: each field at the next multiple of its alignment, size rounded to the struct's. */
export function layoutOf(t: TypeDesc): Layout {
  switch (t.kind) {
    case "int":
      return { size: t.size, align: t.size };
    case "bool":
      return { size: 1, align: 1 };
    case "pointer":
      return { size: 8, align: 8 };
    case "string":
      return { size: t.capacity, align: 1 };
    case "bytes":
      return { size: t.length, align: 1 };
    case "array": {
      const e = layoutOf(t.element);
      return { size: e.size * t.length, align: e.align };
    }
    case "struct": {
      let offset = 0;
      let align = 1;
      const fields: FieldLayout[] = [];
      for (const f of t.fields) {
        const l = layoutOf(f.type);
        offset = roundUp(offset, l.align);
        fields.push({ name: f.name, offset, type: f.type, size: l.size });
        offset += l.size;
        align = Math.max(align, l.align);
      }
      return { size: roundUp(offset, align), align, fields };
    }
  }
}

/** A short C-like name for messages: `u32`, `char[16]`, `struct key`. */
export function describeType(t: TypeDesc): string {
  switch (t.kind) {
    case "int":
      return `${t.signed ? "i" : "u"}${t.size * 8}`;
    case "bool":
      return "bool";
    case "pointer":
      return "pointer";
    case "string":
      return `char[${t.capacity}]`;
    case "bytes":
      return `u8[${t.length}]`;
    case "array":
      return `${describeType(t.element)}[${t.length}]`;
    case "struct":
      return t.name ? `struct ${t.name}` : `{ ${t.fields.map((f) => `${f.name}: ${describeType(f.type)}`).join("; ")} }`;
  }
}

type Enc = (value: unknown, view: DataView, offset: number, path: string) => void;
type Dec = (view: DataView, offset: number) => unknown;

const utf8 = new TextEncoder();

function intRange(size: number, signed: boolean): [bigint, bigint] {
  const bits = BigInt(size * 8);
  return signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

function build(t: TypeDesc): [Enc, Dec] {
  switch (t.kind) {
    case "int": {
      const [min, max] = intRange(t.size, t.signed);
      const name = describeType(t);
      const check = (v: unknown, path: string): bigint => {
        let b: bigint;
        if (typeof v === "bigint") b = v;
        else if (typeof v === "number" && Number.isInteger(v)) b = BigInt(v);
        else if (typeof v === "boolean") b = v ? 1n : 0n;
        else throw new LayoutError(`${path}: expected an integer for ${name}, got ${typeof v === "number" ? v : typeof v}`);
        if (b < min || b > max) throw new LayoutError(`${path}: ${b} does not fit ${name} (${min}..${max})`);
        return b;
      };
      switch (t.size) {
        case 1:
          return [
            (v, dv, o, p) => dv.setUint8(o, Number(BigInt.asUintN(8, check(v, p)))),
            t.signed ? (dv, o) => dv.getInt8(o) : (dv, o) => dv.getUint8(o),
          ];
        case 2:
          return [
            (v, dv, o, p) => dv.setUint16(o, Number(BigInt.asUintN(16, check(v, p))), true),
            t.signed ? (dv, o) => dv.getInt16(o, true) : (dv, o) => dv.getUint16(o, true),
          ];
        case 4:
          return [
            (v, dv, o, p) => dv.setUint32(o, Number(BigInt.asUintN(32, check(v, p))), true),
            t.signed ? (dv, o) => dv.getInt32(o, true) : (dv, o) => dv.getUint32(o, true),
          ];
        case 8:
          return [
            (v, dv, o, p) => dv.setBigUint64(o, BigInt.asUintN(64, check(v, p)), true),
            t.signed ? (dv, o) => dv.getBigInt64(o, true) : (dv, o) => dv.getBigUint64(o, true),
          ];
      }
      break;
    }
    case "bool":
      return [
        (v, dv, o, p) => {
          if (typeof v !== "boolean") throw new LayoutError(`${p}: expected a boolean, got ${typeof v}`);
          dv.setUint8(o, v ? 1 : 0);
        },
        (dv, o) => dv.getUint8(o) !== 0,
      ];
    case "pointer":
      return [
        (v, dv, o, p) => {
          if (typeof v !== "bigint" && typeof v !== "number") throw new LayoutError(`${p}: expected an address, got ${typeof v}`);
          dv.setBigUint64(o, BigInt.asUintN(64, BigInt(v)), true);
        },
        (dv, o) => dv.getBigUint64(o, true),
      ];
    case "string": {
      const cap = t.capacity;
      return [
        (v, dv, o, p) => {
          if (typeof v !== "string") throw new LayoutError(`${p}: expected a string, got ${typeof v}`);
          const bytes = utf8.encode(v);
          if (bytes.length > cap - 1) throw new LayoutError(`${p}: string of ${bytes.length} bytes does not fit char[${cap}] (at most ${cap - 1} bytes and the NUL)`);
          const dst = new Uint8Array(dv.buffer, dv.byteOffset + o, cap);
          dst.fill(0);
          dst.set(bytes);
        },
        cap <= SHORT_STRING ? shortStringDecoder(cap) : (dv, o) => decodeString(bytesOf(dv), dv.byteOffset + o, cap),
      ];
    }
    case "bytes": {
      const n = t.length;
      return [
        (v, dv, o, p) => {
          if (!(v instanceof Uint8Array)) throw new LayoutError(`${p}: expected a Uint8Array of ${n} bytes`);
          if (v.length > n) throw new LayoutError(`${p}: ${v.length} bytes do not fit u8[${n}]`);
          const dst = new Uint8Array(dv.buffer, dv.byteOffset + o, n);
          dst.fill(0);
          dst.set(v);
        },
        (dv, o) => new Uint8Array(dv.buffer, dv.byteOffset + o, n).slice(),
      ];
    }
    case "array": {
      const [enc, dec] = build(t.element);
      const step = layoutOf(t.element).size;
      const n = t.length;
      return [
        (v, dv, o, p) => {
          if (!Array.isArray(v)) throw new LayoutError(`${p}: expected an array of ${n}`);
          if (v.length > n) throw new LayoutError(`${p}: ${v.length} elements do not fit ${describeType(t)}`);
          for (let i = 0; i < v.length; i++) enc(v[i], dv, o + i * step, `${p}[${i}]`);
          if (v.length < n) new Uint8Array(dv.buffer, dv.byteOffset + o + v.length * step, (n - v.length) * step).fill(0);
        },
        (dv, o) => {
          const out = new Array<unknown>(n);
          for (let i = 0; i < n; i++) out[i] = dec(dv, o + i * step);
          return out;
        },
      ];
    }
    case "struct": {
      const layout = layoutOf(t);
      const parts = layout.fields!.map((f) => ({ name: f.name, offset: f.offset, type: f.type, codec: build(f.type) }));
      return [
        (v, dv, o, p) => {
          if (typeof v !== "object" || v === null) throw new LayoutError(`${p}: expected an object for ${describeType(t)}`);
          const rec = v as Record<string, unknown>;
          new Uint8Array(dv.buffer, dv.byteOffset + o, layout.size).fill(0);
          for (const f of parts) {
            if (!(f.name in rec)) throw new LayoutError(`${p}: missing field ${f.name}`);
            f.codec[0](rec[f.name], dv, o + f.offset, `${p}.${f.name}`);
          }
        },
        structDecoder(parts.map((f) => ({ name: f.name, offset: f.offset, type: f.type, dec: f.codec[1] }))),
      ];
    }
  }
  throw new LayoutError(`unsupported type ${JSON.stringify(t)}`);
}

// ---- decoding at event rates ---------------------------------------------------------------------------------------
// A tracer's user side decodes every event and every map entry it reads: hundreds of thousands a second. What costs
// is creating strings and objects, so a struct decodes through a function generated for its layout (one object
// literal, so every decoded value has the same shape, with its integer fields read inline), strings come from
// Buffer's decoders over one view of the buffer, and short strings (comm, names), which repeat from event to event,
// come from a small cache of the strings decoded last. bench/events.ts measures the difference.

/** The byte view of the buffer decoded last: a ring buffer's records all lie in one mapping. */
let lastBuffer: ArrayBufferLike | undefined;
let lastBytes: Buffer = Buffer.alloc(0);

function bytesOf(view: DataView): Buffer {
  if (view.buffer !== lastBuffer) {
    lastBytes = Buffer.from(view.buffer);
    lastBuffer = view.buffer;
  }
  return lastBytes;
}

/** From `start`, up to the first NUL or `cap` bytes: as Latin-1 when all ASCII, else as UTF-8 (U+FFFD for invalid input, as TextDecoder). */
function decodeString(b: Buffer, start: number, cap: number): string {
  const limit = start + cap;
  let end = start;
  let ascii = true;
  for (; end < limit; end++) {
    const c = b[end]!;
    if (c === 0) break;
    if (c >= 0x80) ascii = false;
  }
  return ascii ? b.toString("latin1", start, end) : b.toString("utf8", start, end);
}

/** Strings of at most this capacity go through a cache: they are names (comm is 16), which repeat. */
const SHORT_STRING = 64;
const CACHE_SLOTS = 64;

/** A decoder for char[cap] that returns the string it decoded earlier for the same bytes, when it is still cached. */
function shortStringDecoder(cap: number): Dec {
  const cache: string[] = new Array<string>(CACHE_SLOTS).fill("");
  return (dv, o) => {
    const b = bytesOf(dv);
    const start = dv.byteOffset + o;
    const limit = start + cap;
    let end = start;
    let h = 0x811c9dc5;
    let ascii = true;
    for (; end < limit; end++) {
      const c = b[end]!;
      if (c === 0) break;
      if (c >= 0x80) ascii = false;
      h = Math.imul(h ^ c, 16777619);
    }
    if (!ascii) return b.toString("utf8", start, end);
    const slot = (h ^ (h >>> 15)) & (CACHE_SLOTS - 1);
    const cached = cache[slot]!;
    const n = end - start;
    if (cached.length === n) {
      let i = 0;
      while (i < n && cached.charCodeAt(i) === b[start + i]) i++;
      if (i === n) return cached;
    }
    return (cache[slot] = b.toString("latin1", start, end));
  };
}

const DATAVIEW_GETTERS: Record<number, readonly [string, string]> = {
  1: ["getUint8", "getInt8"],
  2: ["getUint16", "getInt16"],
  4: ["getUint32", "getInt32"],
  8: ["getBigUint64", "getBigInt64"],
};

/** Reads a field inline in a generated decoder, or undefined to call its decoder. */
function inlineRead(t: TypeDesc, at: string): string | undefined {
  if (t.kind === "int") {
    const [unsigned, signed] = DATAVIEW_GETTERS[t.size]!;
    return `dv.${t.signed ? signed : unsigned}(${at}${t.size > 1 ? ", true" : ""})`;
  }
  if (t.kind === "bool") return `dv.getUint8(${at}) !== 0`;
  if (t.kind === "pointer") return `dv.getBigUint64(${at}, true)`;
  return undefined;
}

/** The decoder of a struct: a generated function returning one object literal. */
function structDecoder(fields: readonly { name: string; offset: number; type: TypeDesc; dec: Dec }[]): Dec {
  const calls: Dec[] = [];
  const props = fields.map((f) => {
    const at = f.offset ? `o + ${f.offset}` : "o";
    let read = inlineRead(f.type, at);
    if (read === undefined) {
      calls.push(f.dec);
      read = `d[${calls.length - 1}](dv, ${at})`;
    }
    // A literal's "__proto__" key would set the prototype; a computed key defines the property.
    return `${f.name === "__proto__" ? `["__proto__"]` : JSON.stringify(f.name)}: ${read}`;
  });
  // The source is built from offsets, JSON-quoted field names and DataView method names only.
  return new Function("d", `return function decodeStruct(dv, o) { return { ${props.join(", ")} }; };`)(calls) as Dec;
}

/** The codec of a type. Build it once and keep it: building walks the type. */
export function codecOf<T = unknown>(t: TypeDesc): Codec<T> {
  const { size, align } = layoutOf(t);
  const [enc, dec] = build(t);
  return {
    type: t,
    size,
    align,
    encode: (value, view, offset = 0) => enc(value, view, offset, "value"),
    decode: (view, offset = 0) => dec(view, offset) as T,
    toBytes(value) {
      const bytes = new Uint8Array(size);
      enc(value, new DataView(bytes.buffer), 0, "value");
      return bytes;
    },
    fromBytes(bytes) {
      if (bytes.length < size) throw new LayoutError(`${bytes.length} bytes are too few for ${describeType(t)} (${size} bytes)`);
      return dec(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0) as T;
    },
  };
}
