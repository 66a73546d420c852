// The record layout of a tracepoint as tracefs describes it: the text of an `events/<category>/<name>/format` file in,
// its fields (name, C type, offset, size, signedness, arrays, __data_loc) out. Shared by the type generator of the
// compiler (which declares the fields) and the kernel runtime (which relocates field offsets at load).

/** Where tracepoint formats come from: tracefs on the running machine (runtime/kernel/tracefs.ts), or a fake in tests. */
export interface TracepointSource {
  categories(): string[];
  events(category: string): string[];
  format(category: string, name: string): TracepointFormat;
}

export interface TracepointField {
  readonly name: string;
  /** The C type as the format file writes it, without the array suffix (`const char *`, `char`, `__data_loc char[]`). */
  readonly type: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
  /** Element count for fixed arrays (`char comm[16]`). */
  readonly arrayLength?: number;
  /** `__data_loc` fields hold (length << 16 | offset) of dynamic data in the record. */
  readonly dataLoc?: boolean;
  /** The common_* fields every record starts with. */
  readonly common: boolean;
}

export interface TracepointFormat {
  readonly category: string;
  readonly name: string;
  readonly id: number;
  readonly fields: readonly TracepointField[];
  readonly printFormat: string;
}

/** Parses one `field:...;` line of a format file. */
export function parseFieldLine(line: string): TracepointField | undefined {
  const m = /field:(.*?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);/.exec(line);
  if (!m) return undefined;
  let decl = m[1]!.trim();
  const dataLoc = decl.startsWith("__data_loc ");
  let arrayLength: number | undefined;
  const arr = /\[(\d*)\]\s*$/.exec(decl);
  let name: string;
  let type: string;
  if (dataLoc) {
    // "__data_loc char[] name"
    const parts = decl.split(/\s+/);
    name = parts.pop()!;
    type = parts.join(" ");
  } else {
    if (arr) {
      if (arr[1]) arrayLength = Number(arr[1]);
      decl = decl.slice(0, arr.index).trim();
    }
    const nm = /([A-Za-z_][A-Za-z0-9_]*)$/.exec(decl);
    name = nm ? nm[1]! : decl;
    type = decl.slice(0, decl.length - name.length).trim();
  }
  const field: { -readonly [K in keyof TracepointField]: TracepointField[K] } = {
    name,
    type,
    offset: Number(m[2]),
    size: Number(m[3]),
    signed: m[4] === "1",
    common: name.startsWith("common_"),
  };
  if (arrayLength !== undefined) field.arrayLength = arrayLength;
  if (dataLoc) field.dataLoc = true;
  return field;
}

/** Parses a tracepoint `format` file. */
export function parseFormat(category: string, text: string): TracepointFormat {
  const name = /^name:\s*(\S+)/m.exec(text)?.[1] ?? "";
  const id = Number(/^ID:\s*(\d+)/m.exec(text)?.[1] ?? NaN);
  const fields: TracepointField[] = [];
  for (const line of text.split("\n")) {
    const f = parseFieldLine(line);
    if (f) fields.push(f);
  }
  const printFormat = /^print fmt:\s*(.*)$/m.exec(text)?.[1] ?? "";
  return { category, name, id, fields, printFormat };
}
