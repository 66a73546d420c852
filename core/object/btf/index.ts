// core/object/btf: the BTF type model, the reader (raw blobs, split BTF, .BTF.ext) and the writer (blobs,
// func_info/line_info/core_relo records, .BTF.ext). Pure data: no syscalls, shared by the compiler and the runtime.

export * from "./types.ts";
export { VMLINUX_BTF, btfFileProblem, kernelBtfName, kernelBtfPath } from "./kernel-btf.ts";
export { Btf, type BtfHeader, type MemberRef, parseBtf, parseBtfExt } from "./reader.ts";
export {
  type BtfBase, BtfBuilder, type BtfBuilderOptions, encodeBtfExt, encodeCoreRelos, encodeFuncInfo, encodeLineInfo,
  LINE_COL_MAX_COLUMN, LINE_COL_MAX_LINE, lineCol,
} from "./writer.ts";
