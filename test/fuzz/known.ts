// Failure classes the fuzzer found that are not fixed yet: the fixed-seed test reports them without failing. Delete
// an entry when its fix lands; the test then holds the line. Any failure of a class not listed here fails the test.

import type { Failure } from "./tracer-run.ts";

export interface KnownClass {
  readonly name: string;
  readonly matches: (f: Failure) => boolean;
}

export const KNOWN_FAILURES: readonly KnownClass[] = [
  // Found by this fuzzer, outside the classes above (reported to the lead; no branch of issue 11 fixes them yet):
  { name: "tp_btf ctx.arg(i) read as a u64 although the kernel types it from BTF (pointer arithmetic, index past the last argument)",
    matches: (f) => f.kind === "verifier" && /trusted_ptr_|on pointer prohibited|invalid bpf_context access|pointer arithmetic on|R\d* pointer/.test(f.key) && /tpBtf\(|tp_btf/.test(f.text) },
];

export function knownClass(f: Failure): KnownClass | undefined {
  return KNOWN_FAILURES.find((k) => k.matches(f));
}
