// The simulated task's stacks by function name: names in (`["vfs_read", "ksys_read"]`, innermost first), made-up
// addresses out, which the VM's bpf_get_stackid stores like any; and the Symbolizer that turns those addresses back
// into the names, so a test sees a simulated stack printed as `tsbpf run` prints a real one. A frame given as an
// address stays that address, unnamed unless a name was given for it (`name(address, "fn")`).

import type { Frame, Symbolizer } from "../symbols/types.ts";

/** Where made-up kernel and user functions start: 4 KiB apart, each frame 0x10 into its function. */
const KERNEL_BASE = 0xffff_ffff_8100_0000n;
const USER_BASE = 0x40_0000n;
const SPACING = 0x1000n;
const INTO = 0x10n;

/** A frame as a test writes it: a function name, or an address. */
export type SimFrame = string | bigint;

export class SimulatedSymbols implements Symbolizer {
  readonly #byName = new Map<string, bigint>();
  readonly #byStart = new Map<bigint, string>();
  #kernelNext = KERNEL_BASE;
  #userNext = USER_BASE;

  /** The return addresses of `frames` in the kernel's or user space (a name gets one function's address, always the same). */
  addresses(space: "kernel" | "user", frames: readonly SimFrame[]): bigint[] {
    return frames.map((f) => (typeof f === "bigint" ? f : this.#start(space, f) + INTO));
  }

  /** Names the function starting at `address`. */
  name(address: bigint, name: string): void {
    this.#byStart.set(address, name);
  }

  #start(space: "kernel" | "user", name: string): bigint {
    const key = `${space}:${name}`;
    let at = this.#byName.get(key);
    if (at === undefined) {
      if (space === "kernel") (at = this.#kernelNext), (this.#kernelNext += SPACING);
      else (at = this.#userNext), (this.#userNext += SPACING);
      this.#byName.set(key, at);
      this.#byStart.set(at, name);
    }
    return at;
  }

  #frame(address: bigint, origin: "kernel" | "user"): Frame {
    const start = address - (address % SPACING);
    const symbol = this.#byStart.get(start) ?? this.#byStart.get(address);
    if (symbol === undefined) return { address, origin };
    const base = this.#byStart.get(start) !== undefined ? start : address;
    return { address, origin, symbol, offset: address - base };
  }

  kernel(addresses: readonly bigint[]): Frame[] {
    return addresses.map((a) => this.#frame(a, "kernel"));
  }

  user(_pid: number, addresses: readonly bigint[]): Frame[] {
    return addresses.map((a) => this.#frame(a, "user"));
  }

  remember(): void {}
}
