// Module functions called from a handler: inlined at each call (arguments bound to the parameters, an early return
// as a jump to the end of the inlined body), one function calling another; module constants folded.
import { Sum, kprobe, type u64 } from "tsbpf";

const KIB = 1024n;
const CAP = 1n << 20n;

export const kib = new Sum();

function clamp(v: u64, hi: u64): u64 {
  if (v > hi) return hi;
  return v;
}

function kibOf(bytes: u64): u64 {
  return clamp(bytes / KIB, CAP);
}

kprobe("vfs_read", (_file, _buf, count) => {
  kib.add(kibOf(count));
});
