// VM speed: millions of eBPF instructions per second on a long-running program (the loop of bpf_conformance's
// prime.data, run over every candidate below a bound), against the same algorithm written directly in JavaScript.

import { encode, parseAsm } from "../core/asm/index.ts";
import { VmProgram } from "../runtime/interp/index.ts";
import { median } from "./util.ts";

const LIMIT = 10000;

// prime.data tests one number; the outer loop runs its body for 2..LIMIT and counts the primes.
const PROGRAM = `
mov %r6, 0
mov %r7, 2
outer:
jge %r7, ${LIMIT}, done
mov %r1, %r7
mov %r0, 0x1
mov %r2, 0x2
jgt %r1, 0x2, L3
ja next
L2:
add %r2, 0x1
mov %r0, 0x1
jge %r2, %r1, next
L3:
mov %r3, %r1
div %r3, %r2
mul %r3, %r2
mov %r4, %r1
sub %r4, %r3
mov %r0, 0x0
jne %r4, 0x0, L2
next:
add %r6, %r0
add %r7, 1
ja outer
done:
mov %r0, %r6
exit`;

function nativeJs(): number {
  let count = 0;
  for (let n = 2; n < LIMIT; n++) {
    let prime = 1;
    for (let i = 2; i < n; i++) {
      if (n % i === 0) {
        prime = 0;
        break;
      }
    }
    count += prime;
  }
  return count;
}


export function benchVm(): void {
  const t0 = performance.now();
  const program = VmProgram.load(encode(parseAsm(PROGRAM)), { budget: Number.MAX_SAFE_INTEGER });
  const loadMs = performance.now() - t0;
  const vmTimes: number[] = [];
  let insns = 0;
  let r0 = 0n;
  for (let k = 0; k < 7; k++) {
    const s = performance.now();
    const r = program.run({ budget: Number.MAX_SAFE_INTEGER });
    vmTimes.push(performance.now() - s);
    insns = r.instructions;
    r0 = r.r0;
  }
  const jsTimes: number[] = [];
  let js = 0;
  for (let k = 0; k < 7; k++) {
    const s = performance.now();
    js = nativeJs();
    jsTimes.push(performance.now() - s);
  }
  if (BigInt(js) !== r0) throw new Error(`VM computed ${r0} primes, JavaScript ${js}`);
  const vm = median(vmTimes);
  const ref = median(jsTimes);
  console.log(`vm: prime loop below ${LIMIT} (${r0} primes), ${(insns / 1e6).toFixed(1)} M eBPF instructions per run, 7 runs`);
  console.log(`vm:   speed ${(insns / vm / 1e3).toFixed(0)} M insns/s (median ${vm.toFixed(1)} ms; best ${(insns / Math.min(...vmTimes) / 1e3).toFixed(0)} M insns/s)`);
  console.log(`vm:   reference: the same loop in plain JavaScript, median ${ref.toFixed(1)} ms; VM/JS time ratio ${(vm / ref).toFixed(2)}x`);
  console.log(`vm:   load (validate + translate + compile) ${loadMs.toFixed(2)} ms`);
}
