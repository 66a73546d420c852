// runtime/symbols: captured stack addresses in, printable frames out. The symbolizer (kernel through kallsyms, user
// through /proc/PID/maps and ELF symbols, JIT through perf maps and source maps), demangling, and frame printing.

export type { Frame, StackTrace, Symbolizer } from "./types.ts";
export { isStackTrace } from "./types.ts";
export { createSymbolizer, type SymbolizerOptions } from "./symbolizer.ts";
export { formatFrame, foldedFrame, type FrameFormat } from "./format.ts";
export { demangle } from "./demangle.ts";
