// The helper table in, the full text of stdlib-types/helpers.d.ts out: `export declare namespace bpf` with one
// documented function per helper, sorted by name. Deterministic: the same table always gives the same bytes.

import { HELPERS, type HelperDef } from "./table.ts";

/** Columns a doc comment line may take before it wraps (the project's line length). */
const WIDTH = 120;
const INDENT = "  ";

const HEADER = `// Generated from compiler/helpers/table.ts by \`npm run gen:helpers\`: do not edit; change the table and regenerate.
// The eBPF helpers a tracer calls as \`bpf.name(...)\`: what each returns, the kernel helper behind it and the
// minimum Linux version, whether it needs a GPL-compatible license, and which program types may call it (when not
// all of them). Program types are the kernel's: kprobe (kprobe, kretprobe, uprobe, uretprobe), tracepoint,
// raw_tracepoint (rawTracepoint), tracing (fentry, fexit, tpBtf), perf_event (profile, interval).

import type { DataLoc, Str, ptr, u32, u64 } from "./index.js";
`;

/** The text of stdlib-types/helpers.d.ts for `helpers` (the whole table by default). */
export function generateHelperDeclarations(helpers: readonly HelperDef[] = HELPERS): string {
  // Code-unit order, not localeCompare: the output must not depend on the machine's locale.
  const sorted = [...helpers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const blocks = sorted.map(declaration);
  return `${HEADER}\nexport declare namespace bpf {\n${blocks.join("\n")}}\n`;
}

function declaration(helper: HelperDef): string {
  const facts = [`Uses \`${helper.kernelName}\` (Linux ≥ ${helper.since}).`];
  if (helper.gplOnly) facts.push("GPL-only.");
  if (helper.programTypes !== "all") facts.push(`Program types: ${helper.programTypes.join(", ")}.`);
  // A blank line keeps the facts out of the doc's paragraph when the editor renders the comment as Markdown.
  const lines = [...wrap(helper.doc), "", ...facts.flatMap(wrap)];
  const body = lines.map((line) => (line ? `${INDENT} * ${line}` : `${INDENT} *`)).join("\n");
  return `${INDENT}/**\n${body}\n${INDENT} */\n${INDENT}function ${helper.name}${helper.signature};\n`;
}

/** Splits `text` at spaces into lines that fit in a doc comment; a longer word stays whole. */
function wrap(text: string): string[] {
  const room = WIDTH - INDENT.length - " * ".length;
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
