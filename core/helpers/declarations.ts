// The helper table in, the full text of stdlib-types/helpers.d.ts out: `export declare namespace bpf` with one
// documented function per helper, sorted by name. Deterministic: the same table always gives the same bytes.

import { TRACING_PROGRAM_TYPES } from "../probes.ts";
import { HELPERS, type HelperDef, probesOf } from "./table.ts";

/** Columns a doc comment line may take before it wraps (the project's line length). */
const WIDTH = 120;
const INDENT = "  ";

const HEADER = `// Generated from core/helpers/table.ts by \`npm run gen:helpers\`: do not edit; change the table and regenerate.
// The eBPF helpers a tracer calls as \`bpf.name(...)\`: what each does, the minimum Linux version and the kernel
// helper behind it, which program types (and so which probes) may call it, and whether it needs a GPL-compatible
// license. Program types are the kernel's: kprobe (kprobe, kretprobe, uprobe, uretprobe), tracepoint,
// raw_tracepoint (rawTracepoint), tracing (fentry, fexit, tpBtf), perf_event (profile, interval).

import type { DataLoc, FramesOptions, KernelPtr, KFrames, KStack, StackOptions, Str, UFrames, UStack, ptr, u32, u64 } from "./index.js";
import type { task_struct } from "./kernel.js";
`;

/** The text of stdlib-types/helpers.d.ts for `helpers` (the whole table by default). */
export function generateHelperDeclarations(helpers: readonly HelperDef[] = HELPERS): string {
  // Code-unit order, not localeCompare: the output must not depend on the machine's locale.
  const sorted = [...helpers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const blocks = sorted.map(declaration);
  return `${HEADER}\nexport declare namespace bpf {\n${blocks.join("\n")}}\n`;
}

function declaration(helper: HelperDef): string {
  const types = helper.programTypes === "all"
    ? "all tracing types (kprobe, tracepoint, raw_tracepoint, tracing, perf_event)"
    : TRACING_PROGRAM_TYPES.filter((t) => helper.programTypes.includes(t)).join(", ");
  const probes = helper.programTypes === "all" && !helper.probes ? "every probe" : probesOf(helper).join(", ");
  const facts = [
    `- Minimum kernel: Linux ${helper.since} (\`${helper.kernelName}\`, helper ${helper.id}).`,
    `- Program types: ${types}; probes: ${probes}.`,
  ];
  if (helper.gplOnly) facts.push("- GPL-only: the tracer's license must be GPL-compatible.");
  // A blank line keeps the facts out of the doc's paragraph, and list items keep them on their own lines, when the
  // editor renders the comment as Markdown.
  const lines = [...wrap(helper.doc), "", ...facts.flatMap((fact) => wrap(fact, "  "))];
  const body = lines.map((line) => (line ? `${INDENT} * ${line}` : `${INDENT} *`)).join("\n");
  return `${INDENT}/**\n${body}\n${INDENT} */\n${INDENT}function ${helper.name}${helper.signature};\n`;
}

/**
 * Splits `text` at spaces into lines that fit in a doc comment; a longer word stays whole. Lines after the first
 * start with `hang` (two spaces keep a Markdown list item's continuation inside the item).
 */
function wrap(text: string, hang = ""): string[] {
  const room = WIDTH - INDENT.length - " * ".length;
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = hang + word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
