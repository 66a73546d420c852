// What people see of a decoded value: its TypeDesc and the display options in, a function from the decoded value to
// the value printed out, where an integer with a display hint (core/object/layout.ts IntDisplay) becomes a name: a
// `Syscall` becomes the running architecture's syscall name (core/syscalls), `257` → `openat` on x86_64. A number
// without a name stays a number in text; in JSON it becomes its decimal string, so that a field's JSON type never
// depends on its value. The printers (text.ts, json.ts, events.ts) order and aggregate by the decoded values and apply
// this last; the user side's entries() and the module's format() see the numbers. A stack id (KStack, UStack)
// becomes the StackTrace of its frames (stacks.ts), which each printer prints its own way.

import type { TypeDesc } from "../../core/object/layout.ts";
import { syscallName } from "../../core/syscalls/index.ts";
import type { StackResolver } from "./stacks.ts";

export interface DisplayOptions {
  /** Print syscall numbers as numbers, as bpftrace does, instead of names (`tsbpf run --syscall-numbers`). */
  readonly syscallNumbers?: boolean;
  /** Stack ids (KStack, UStack) become the StackTrace of their frames through it; without it they stay numbers. */
  readonly stacks?: StackResolver;
}

/** The options a printer keeps of a run's: what display needs. */
export function displayOptions(o: DisplayOptions): DisplayOptions {
  return { ...(o.syscallNumbers ? { syscallNumbers: true } : {}), ...(o.stacks ? { stacks: o.stacks } : {}) };
}

/** How a number that has no name is printed: as it is (text), or as its decimal string (JSON). */
export type Unnamed = "number" | "string";

/** A decoded value as printed. */
export type Display = (value: unknown) => unknown;

/**
 * The function that turns a decoded value of `type` into the value printed, or undefined when every value of the
 * type prints as it is (no hint in it, or the options turn names off): callers then skip the walk.
 */
export function displayOf(type: TypeDesc | undefined, options: DisplayOptions, unnamed: Unnamed): Display | undefined {
  if (!type) return undefined;
  switch (type.kind) {
    case "int":
      if (type.display === "syscall" && !options.syscallNumbers) {
        return (v) => {
          if (typeof v !== "number" && typeof v !== "bigint") return v;
          return syscallName(v) ?? (unnamed === "string" ? String(v) : v);
        };
      }
      if ((type.display === "kstack" || type.display === "ustack") && options.stacks) {
        const stacks = options.stacks;
        const stack = type.display;
        const depth = type.depth ?? 127;
        return (v) => (typeof v === "bigint" ? stacks.resolve(stack, depth, v) : v);
      }
      return undefined;
    case "array": {
      const element = displayOf(type.element, options, unnamed);
      return element && ((v) => (Array.isArray(v) ? v.map(element) : v));
    }
    case "struct": {
      if (type.display) {
        const stacks = options.stacks;
        if (!stacks) return undefined;
        const stack = type.display === "kframes" ? "kstack" : "ustack";
        return (v) => {
          const f = v as { pid?: unknown; size?: unknown; frames?: unknown };
          if (typeof f !== "object" || f === null || typeof f.size !== "bigint" || !Array.isArray(f.frames)) return v;
          return stacks.captured(stack, Number(f.pid ?? 0), f.size, f.frames as bigint[]);
        };
      }
      const fields = type.fields.flatMap((f) => {
        const d = displayOf(f.type, options, unnamed);
        return d ? [[f.name, d] as const] : [];
      });
      if (!fields.length) return undefined;
      const byName = new Map(fields);
      return (v) => {
        if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
        // fromEntries defines own properties in the decoded order, so a field named __proto__ stays a field
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, byName.get(k)?.(x) ?? x]));
      };
    }
    default:
      return undefined;
  }
}
