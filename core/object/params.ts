// Load-time parameters: a CollectionSpec and values by parameter name in, the same spec with the read-only data's
// initial value rewritten out. Used by `tsbpf run --param`, by `load()` and by the VM's simulate().

import { codecOf } from "./layout.ts";
import type { CollectionSpec } from "./spec.ts";

export type ParamValue = number | bigint | boolean | string;

export function setParams(spec: CollectionSpec, values: Readonly<Record<string, ParamValue>>): CollectionSpec {
  const names = Object.keys(values);
  if (!names.length) return spec;
  const params = spec.params ?? [];
  const mapIndex = spec.maps.findIndex((m) => m.name === spec.paramMap);
  const map = spec.maps[mapIndex];
  if (!map?.initialValue) throw new Error(`${names[0]}: this tracer declares no param()`);
  const bytes = Uint8Array.from(Buffer.from(map.initialValue, "hex"));
  const view = new DataView(bytes.buffer);
  for (const name of names) {
    const p = params.find((x) => x.name === name);
    if (!p) throw new Error(`unknown parameter ${name} (parameters: ${params.map((x) => x.name).join(", ") || "none"})`);
    const raw = values[name]!;
    const t = p.type;
    let value: unknown;
    if (t.kind === "bool") value = boolParam(name, raw);
    else if (t.kind === "int") {
      let big: bigint;
      if (typeof raw === "boolean") throw new Error(`parameter ${name}: expected an integer, not ${raw}`);
      if (typeof raw === "string") {
        if (!/^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(raw)) throw new Error(`parameter ${name}: "${raw}" is not an integer`);
        big = raw.startsWith("-") ? -BigInt(raw.slice(1)) : BigInt(raw);
      } else if (typeof raw === "number" && !Number.isInteger(raw)) {
        throw new Error(`parameter ${name}: ${raw} is not an integer`);
      } else big = BigInt(raw);
      const bits = BigInt(t.size * 8);
      const [min, max] = t.signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
      if (big < min || big > max) throw new Error(`parameter ${name}: ${big} does not fit ${t.signed ? "i" : "u"}${bits} (${min}..${max})`);
      value = t.size === 8 ? big : Number(big);
    } else throw new Error(`parameter ${name} has an unsupported type`);
    codecOf(t).encode(value, view, p.offset);
  }
  const maps = [...spec.maps];
  maps[mapIndex] = { ...map, initialValue: Buffer.from(bytes).toString("hex") };
  return { ...spec, maps };
}

/** A boolean parameter's value: true or false, 1 or 0 (from the command line, strings; from load(), values). */
function boolParam(name: string, raw: ParamValue): boolean {
  if (raw === true || raw === false) return raw;
  if (raw === "true" || raw === "1" || raw === 1 || raw === 1n) return true;
  if (raw === "false" || raw === "0" || raw === 0 || raw === 0n) return false;
  throw new Error(`parameter ${name}: expected true or false (or 1 or 0), not ${typeof raw === "string" ? JSON.stringify(raw) : String(raw)}`);
}

/** The parameters' current values (defaults, or what setParams wrote), decoded, by name. */
export function paramValues(spec: CollectionSpec): Record<string, number | bigint | boolean> {
  const map = spec.maps.find((m) => m.name === spec.paramMap);
  if (!map?.initialValue || !spec.params?.length) return {};
  const bytes = Uint8Array.from(Buffer.from(map.initialValue, "hex"));
  const view = new DataView(bytes.buffer);
  const out: Record<string, number | bigint | boolean> = {};
  for (const p of spec.params) out[p.name] = codecOf<number | bigint | boolean>(p.type).decode(view, p.offset);
  return out;
}
