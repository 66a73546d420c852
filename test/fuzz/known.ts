// Failure classes the fuzzer found that are not fixed yet: the fixed-seed test reports them without failing. Delete
// an entry when its fix lands; the test then holds the line. Any failure of a class not listed here fails the test.

import type { Failure } from "./tracer-run.ts";

export interface KnownClass {
  readonly name: string;
  readonly matches: (f: Failure) => boolean;
}

export const KNOWN_FAILURES: readonly KnownClass[] = [
];

export function knownClass(f: Failure): KnownClass | undefined {
  return KNOWN_FAILURES.find((k) => k.matches(f));
}
