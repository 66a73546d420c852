// Simulated kernel helpers for the VM: a SimEnvironment (clock, current task, readable memory) and a way to find the
// MockMap behind a map handle in, a helper table `id → implementation` out, with the kernel's return values and
// errnos. Helpers missing from the table make the VM fail with "bpf_x (helper N) is not available". Ids are BpfFunc's names
// (core/asm/helpers.ts); a test checks that every helper the compiler emits is simulated here.
// What the verifier would refuse at load time (a map of the wrong type, a pointer that is not a reserved record) is
// a located VM error when the call runs.

import { BpfFunc, helperName } from "../../core/asm/helpers.ts";
import { type RingRecord, MockPerfEventArray, MockRingBuffer } from "./events.ts";
import { type MockMap, E2BIG, EINVAL, asMockMap } from "./maps.ts";
import { MockStackTraceMap } from "./stacks.ts";
import type { Helper, HelperContext, VmMap } from "./vm.ts";

const EFAULT = 14;

/** What the simulated kernel knows about "now" and the current task, and which memory a probe read may see. */
export interface SimEnvironment {
  /** CLOCK_MONOTONIC in ns; the boot, coarse, TAI clocks and jiffies derive from it. */
  clock: { now(): bigint };
  /** The process id (the kernel's tgid) and the thread id (the kernel's pid). */
  pid: number;
  tid: number;
  uid: number;
  gid: number;
  /** The task's name; the kernel keeps at most 15 bytes (TASK_COMM_LEN 16 with the NUL). */
  comm: string;
  /** The CPU the program runs on: bpf_get_smp_processor_id and the slot of per-CPU maps. */
  cpu: number;
  cgroupId: bigint;
  /** Memory a probe read may see: (address, length) -> bytes or undefined (fault: the helper returns -EFAULT(-14) and zeroes the destination, as the kernel does). */
  readUser(addr: bigint, len: number): Uint8Array | undefined;
  readKernel(addr: bigint, len: number): Uint8Array | undefined;
  /** A u32 for bpf_get_prandom_u32. */
  random(): number;
  /** Lines written by bpf_trace_printk, formatted, without the trailing newline (one line per call, as trace_pipe shows them). */
  printk: string[];
  /** Signals sent with bpf_send_signal. */
  signals: number[];
  /** What bpf_get_current_task returns: the task_struct's address; probe reads from it go to readKernel. */
  task: bigint;
  /**
   * The current task's kernel and user stacks, innermost frame first (return addresses, as the kernel's unwinder
   * finds them): what bpf_get_stackid stores in a stack trace map. The VM walks no stacks; empty: none to take
   * (-EFAULT, as a kernel thread's user stack).
   */
  kernelStack: readonly bigint[];
  userStack: readonly bigint[];
  /**
   * What bpf_get_attach_cookie returns: the cookie of the attachment the program runs for (0 when none). A USDT
   * probe's fire() sets it to the index of the spec record it wrote (testing.ts).
   */
  attachCookie?: bigint;
}

/** A clock that moves only when told to (or by `step` ns on every read), so tests see exact times. */
export class FakeClock {
  constructor(private ns: bigint = 1_000_000_000n, private readonly step: bigint = 0n) {}

  now(): bigint {
    const t = this.ns;
    this.ns += this.step;
    return t;
  }

  advance(ns: bigint | number): void {
    this.ns += BigInt(ns);
  }

  set(ns: bigint | number): void {
    this.ns = BigInt(ns);
  }
}

/** A deterministic xorshift32 generator: the same sequence on every run, so tests are reproducible. */
export function seededRandom(seed = 0x2545f491): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** A memory reader over fixed regions (address → bytes): a read succeeds when it lies entirely inside one region. */
export function memoryOf(regions: Iterable<readonly [bigint, Uint8Array]>): (addr: bigint, len: number) => Uint8Array | undefined {
  const list = [...regions];
  return (addr, len) => {
    for (const [base, bytes] of list) {
      const off = addr - base;
      if (off >= 0n && off + BigInt(len) <= BigInt(bytes.length)) return bytes.subarray(Number(off), Number(off) + len);
    }
    return undefined;
  };
}

/**
 * The environment tests get by default: a fake clock at 1e9 ns, pid 1000, comm "tsbpf-test", CPU 0, no readable
 * memory, the task at FAKE_TASK_ADDRESS, stack id 0 for every stack.
 */
export function defaultEnvironment(overrides: Partial<SimEnvironment> = {}): SimEnvironment {
  return {
    clock: new FakeClock(),
    pid: 1000,
    tid: 1000,
    uid: 1000,
    gid: 1000,
    comm: "tsbpf-test",
    cpu: 0,
    // The root cgroup of cgroup v2 has id 1.
    cgroupId: 1n,
    readUser: () => undefined,
    readKernel: () => undefined,
    random: seededRandom(),
    printk: [],
    signals: [],
    task: FAKE_TASK_ADDRESS,
    kernelStack: [],
    userStack: [],
    ...overrides,
  };
}

/** The address bpf_get_current_task returns: a made-up direct-map address; probe reads from it go to readKernel. */
export const FAKE_TASK_ADDRESS = 0xffff_8880_0420_0000n;
/** TAI = monotonic + this: a fixed made-up epoch (2023-11-14 plus the 37 s TAI-UTC offset) so TAI looks like a date. */
export const TAI_OFFSET_NS = 1_700_000_037_000_000_000n;
/** CONFIG_HZ=250, the common distribution setting: one jiffy and one coarse-clock tick are 4 ms. */
export const TICK_NS = 4_000_000n;
/** bpf_loop's limit on iterations (BPF_MAX_LOOPS, kernel/bpf/bpf_iter.c). */
export const BPF_MAX_LOOPS = 1 << 23;
/** Signals valid for bpf_send_signal (valid_signal(): 1 ≤ sig ≤ _NSIG = 64; 0 is accepted too). */
const NSIG = 64;
/** bpf_perf_event_output flags: BPF_F_INDEX_MASK, and BPF_F_CURRENT_CPU (all of its bits) for the running CPU. */
const BPF_F_INDEX_MASK = 0xffffffffn;
/** bpf_get_stackid flags: BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_FAST_STACK_CMP | BPF_F_REUSE_STACKID. */
const STACKID_FLAGS = 0xffn | (1n << 8n) | (1n << 9n) | (1n << 10n);
/** bpf_get_stack flags: BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_USER_BUILD_ID. */
const GETSTACK_FLAGS = 0xffn | (1n << 8n) | (1n << 11n);

const nameOf = (id: number): string => helperName(id) ?? `helper ${id}`;
const u32 = (v: bigint): number => Number(BigInt.asUintN(32, v));

/** Program memory the helper writes: a bounds-checked, writable view, or a located VM error naming the argument. */
function dest(ctx: HelperContext, helper: number, reg: string, addr: bigint, len: number): Uint8Array {
  return ctx.memory.slice(addr, len, true)
    ?? ctx.fail(`${nameOf(helper)}: destination ${reg} (${ctx.memory.describe(addr)}, ${len} bytes) is not writable memory`);
}

/** Program memory the helper reads (keys, values, format strings). */
function source(ctx: HelperContext, helper: number, reg: string, addr: bigint, len: number, what: string): Uint8Array {
  return ctx.memory.slice(addr, len)
    ?? ctx.fail(`${nameOf(helper)}: ${what} ${reg} (${ctx.memory.describe(addr)}, ${len} bytes) is not readable memory`);
}

/**
 * Where a probe read looks. Kernel reads of an address inside the VM (a stack slot, a map value, the context) see
 * VM memory, because in the kernel those are kernel memory too; user reads of them fault, as they would there.
 */
function reader(ctx: HelperContext, env: SimEnvironment, kernel: boolean): (addr: bigint, len: number) => Uint8Array | undefined {
  if (!kernel) return (addr, len) => env.readUser(addr, len);
  return (addr, len) => (ctx.memory.locate(addr) ? ctx.memory.slice(addr, len) : env.readKernel(addr, len));
}

/** bpf_probe_read_{user,kernel}: copy_from_*_nofault, and on a fault a zeroed destination and -EFAULT. */
function probeRead(ctx: HelperContext, env: SimEnvironment, helper: number, kernel: boolean, dst: bigint, size: bigint, src: bigint): number {
  const len = u32(size);
  if (len === 0) return 0;
  const out = dest(ctx, helper, "r1", dst, len);
  const bytes = reader(ctx, env, kernel)(src, len);
  if (!bytes || bytes.length < len) {
    out.fill(0);
    return -EFAULT;
  }
  out.set(bytes.subarray(0, len));
  return 0;
}

/**
 * bpf_probe_read_{user,kernel}_str: strncpy_from_*_nofault. Reads up to `size` bytes; copies the string and its NUL
 * (at most size - 1 bytes and a NUL) and returns the length including the NUL. A fault before the NUL zeroes the
 * whole destination (the helpers' memset) and returns -EFAULT. An empty string returns 1; user reads returned 0 for
 * it before the fix in mm/maccess.c (2025), kernel reads always returned 1.
 */
function probeReadStr(ctx: HelperContext, env: SimEnvironment, helper: number, kernel: boolean, dst: bigint, size: bigint, src: bigint): number {
  const len = u32(size);
  if (len === 0) return 0;
  const out = dest(ctx, helper, "r1", dst, len);
  const read = reader(ctx, env, kernel);
  // Fast path: the whole window is readable. Otherwise byte by byte, since a short string near the end of readable
  // memory must succeed as in the kernel.
  const whole = read(src, len);
  let n = 0;
  for (; n < len; n++) {
    const b = whole && whole.length >= len ? whole[n] : read(src + BigInt(n), 1)?.[0];
    if (b === undefined) {
      out.fill(0);
      return -EFAULT;
    }
    if (b === 0) break;
    out[n] = b;
  }
  if (n >= len) {
    out[len - 1] = 0;
    return len;
  }
  out[n] = 0;
  return n + 1;
}

/** A u64 size argument as a number (a huge one stays huge, so that bounds checks refuse it). */
const size64 = (v: bigint): number => Number(BigInt.asUintN(64, v));

const isRingRecord = (x: unknown): x is RingRecord => typeof x === "object" && x !== null && (x as Partial<RingRecord>).ring instanceof MockRingBuffer;

/** The event channel behind a map handle, of the type the helper takes (the verifier checks this at load). */
function channel<T>(ctx: HelperContext, helper: number, handle: bigint, type: abstract new (...a: never[]) => T, kind: string): T {
  const m = ctx.map(handle);
  return m instanceof type ? m : ctx.fail(`${nameOf(helper)}: map ${m.name} is not a ${kind} (the verifier rejects this program)`);
}

/** bpf_ringbuf_reserve: a record lent to the program until submit or discard; NULL (0) when it does not fit. */
function ringbufReserve(ctx: HelperContext, handle: bigint, size: bigint, flags: bigint): bigint | number {
  const rb = channel(ctx, BpfFunc.RingbufReserve, handle, MockRingBuffer, "ring buffer");
  if (flags !== 0n) return 0; // any flag: NULL
  const rec = rb.reserve(size64(size));
  if (!rec) return 0;
  const region = ctx.memory.acquire(rec.bytes, `ringbuf record ${rb.name}`, {
    insn: ctx.insn, owner: rec, what: `ring buffer record of ${rb.name} (bpf_ringbuf_reserve)`, abandon: () => rb.commit(rec, true),
  });
  return ctx.memory.address(region);
}

/**
 * bpf_ringbuf_submit / bpf_ringbuf_discard: the pointer must be one bpf_ringbuf_reserve returned (the verifier's
 * OBJ_RELEASE check); after the call the record's memory is gone, and touching it faults.
 */
function ringbufRelease(ctx: HelperContext, helper: number, ptr: bigint, discard: boolean): number {
  const at = ctx.memory.locate(ptr);
  const lease = at && ctx.memory.acquired(at.region);
  const where = `r1 (${ctx.memory.describe(ptr)})`;
  if (at?.region.retired !== undefined) return ctx.fail(`${nameOf(helper)}: ${where} was released already (${at.region.retired}); the verifier rejects this program`);
  if (!at || !lease || !isRingRecord(lease.owner)) return ctx.fail(`${nameOf(helper)}: ${where} is not a record from bpf_ringbuf_reserve; the verifier rejects this program`);
  if (at.offset !== 0) return ctx.fail(`${nameOf(helper)}: ${where} points ${at.offset} bytes into the record; pass the pointer bpf_ringbuf_reserve returned`);
  lease.owner.ring.commit(lease.owner, discard);
  ctx.memory.retire(at.region, discard ? `bpf_ringbuf_discard at instruction ${ctx.insn} freed it` : `bpf_ringbuf_submit at instruction ${ctx.insn} gave it to user space`);
  return 0;
}

/** bpf_get_current_comm: strscpy_pad of task->comm (at most 15 bytes): truncated, NUL-terminated, zero-padded. */
function currentComm(ctx: HelperContext, env: SimEnvironment, buf: bigint, size: bigint): number {
  const len = u32(size);
  if (len === 0) return 0;
  const out = dest(ctx, BpfFunc.GetCurrentComm, "r1", buf, len);
  const comm = new TextEncoder().encode(env.comm).subarray(0, 15);
  out.fill(0);
  out.set(comm.subarray(0, len - 1));
  return 0;
}

/**
 * bpf_trace_printk: the format checks of bpf_bprintf_prepare (5.13+) and its integer conversions: flags `0 +-` and
 * a space, a width, `l`/`ll`, then d i u x X, plus %c and %%. At most 3 arguments. %s and %p are valid in the kernel
 * but not simulated: they fail with a clear error instead of printing something false. Returns the bytes written.
 */
function tracePrintk(ctx: HelperContext, env: SimEnvironment, fmtAddr: bigint, fmtSize: bigint, args: readonly bigint[]): number {
  const size = u32(fmtSize);
  const raw = source(ctx, BpfFunc.TracePrintk, "r1", fmtAddr, size, "format");
  const end = raw.indexOf(0);
  if (end < 0) return -EINVAL; // the format must be NUL-terminated within fmt_size
  const fmt = String.fromCharCode(...raw.subarray(0, end));
  let out = "";
  let argi = 0;
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    const code = ch.charCodeAt(0);
    // The kernel refuses non-ASCII and non-printable characters other than white space.
    if (code >= 0x80 || (code < 0x20 && !/\s/.test(ch)) || code === 0x7f) return -EINVAL;
    if (ch !== "%") {
      out += ch;
      continue;
    }
    if (fmt[i + 1] === "%") {
      out += "%";
      i++;
      continue;
    }
    let flags = "";
    while ("0+- ".includes(fmt[i + 1] ?? "x")) flags += fmt[++i];
    let width = 0;
    while (/[0-9]/.test(fmt[i + 1] ?? "x")) width = width * 10 + Number(fmt[++i]);
    let longs = 0;
    while (fmt[i + 1] === "l" && longs < 2) (longs++, i++);
    const conv = fmt[++i];
    if ((conv === "s" || conv === "p") && longs === 0) return ctx.fail(`bpf_trace_printk: %${conv} is not simulated in the VM (integers only)`);
    if (conv === undefined || !"diuxXc".includes(conv) || (conv === "c" && longs > 0)) return -EINVAL;
    if (argi >= args.length) return -EINVAL; // more conversions than the 3 arguments
    const arg = args[argi++]!;
    const bits = longs > 0 ? 64 : 32;
    let body: string;
    let sign = "";
    if (conv === "c") {
      body = String.fromCharCode(Number(arg & 0xffn));
    } else if (conv === "d" || conv === "i") {
      const v = BigInt.asIntN(bits, arg);
      sign = v < 0n ? "-" : flags.includes("+") ? "+" : flags.includes(" ") ? " " : "";
      body = (v < 0n ? -v : v).toString();
    } else {
      const v = BigInt.asUintN(bits, arg);
      body = conv === "u" ? v.toString() : conv === "x" ? v.toString(16) : v.toString(16).toUpperCase();
    }
    const pad = Math.max(0, width - sign.length - body.length);
    if (flags.includes("-")) out += sign + body + " ".repeat(pad);
    else if (flags.includes("0") && conv !== "c") out += sign + "0".repeat(pad) + body;
    else out += " ".repeat(pad) + sign + body;
  }
  env.printk.push(out.endsWith("\n") ? out.slice(0, -1) : out);
  return out.length;
}

/**
 * The helper table over `env`. `mapOf` finds the MockMap behind the VmMap a map handle names (default: the VmMap
 * must be a MockMap). The environment is read on every call, so a test may change `env.cpu` or `env.pid` between runs.
 */
export function simHelpers(env: SimEnvironment, mapOf: (vmMap: VmMap) => MockMap = asMockMap): Record<number, Helper> {
  const mock = (ctx: HelperContext, helper: number, handle: bigint): MockMap => {
    const vm = ctx.map(handle);
    try {
      return mapOf(vm);
    } catch (e) {
      return ctx.fail(`${nameOf(helper)}: map ${vm.name} is not simulated (${e instanceof Error ? e.message : String(e)})`);
    }
  };
  const cpuFor = (ctx: HelperContext, helper: number, m: MockMap): number => {
    if (m.perCpu && (env.cpu < 0 || env.cpu >= m.cpus)) {
      return ctx.fail(`${nameOf(helper)}: the program runs on CPU ${env.cpu}, but map ${m.name} simulates ${m.cpus} CPUs`);
    }
    return env.cpu;
  };
  // The verifier refuses these calls at load time (record_func_map: "write into map forbidden", -EACCES); the VM
  // notices only when the call runs.
  const noProgWrites = (ctx: HelperContext, helper: number, m: MockMap): void => {
    if (!m.writable) ctx.fail(`${nameOf(helper)}: write into map forbidden: map ${m.name} is read-only for programs (BPF_F_RDONLY_PROG)`);
  };
  const now = (): bigint => env.clock.now();

  return {
    // bpf_map_lookup_elem: the address of the live value, which the program may load from and store to.
    [BpfFunc.MapLookupElem]: (ctx, map, key) => {
      const m = mock(ctx, BpfFunc.MapLookupElem, map);
      const value = m.lookupRaw(source(ctx, BpfFunc.MapLookupElem, "r2", key, m.keySize, "key"), cpuFor(ctx, BpfFunc.MapLookupElem, m));
      if (!value) return 0;
      const name = m.perCpu ? `map value ${m.name} (cpu ${env.cpu})` : `map value ${m.name}`;
      return ctx.memory.address(ctx.memory.map(value, name, m.writable));
    },
    [BpfFunc.MapUpdateElem]: (ctx, map, key, value, flags) => {
      const m = mock(ctx, BpfFunc.MapUpdateElem, map);
      noProgWrites(ctx, BpfFunc.MapUpdateElem, m);
      const k = source(ctx, BpfFunc.MapUpdateElem, "r2", key, m.keySize, "key");
      const v = source(ctx, BpfFunc.MapUpdateElem, "r3", value, m.valueSize, "value");
      return m.updateRaw(k, v, BigInt.asUintN(64, flags), cpuFor(ctx, BpfFunc.MapUpdateElem, m));
    },
    [BpfFunc.MapDeleteElem]: (ctx, map, key) => {
      const m = mock(ctx, BpfFunc.MapDeleteElem, map);
      noProgWrites(ctx, BpfFunc.MapDeleteElem, m);
      return m.deleteRaw(source(ctx, BpfFunc.MapDeleteElem, "r2", key, m.keySize, "key"));
    },
    [BpfFunc.KtimeGetNs]: () => now(),
    [BpfFunc.TracePrintk]: (ctx, fmt, size, a, b, c) => tracePrintk(ctx, env, fmt, size, [a, b, c]),
    [BpfFunc.GetPrandomU32]: () => env.random() >>> 0,
    [BpfFunc.GetSmpProcessorId]: () => env.cpu,
    // The kernel's "tgid" is the process id and its "pid" the thread id: tgid << 32 | pid.
    [BpfFunc.GetCurrentPidTgid]: () => (BigInt(env.pid >>> 0) << 32n) | BigInt(env.tid >>> 0),
    [BpfFunc.GetCurrentUidGid]: () => (BigInt(env.gid >>> 0) << 32n) | BigInt(env.uid >>> 0),
    [BpfFunc.GetCurrentComm]: (ctx, buf, size) => currentComm(ctx, env, buf, size),
    // bpf_perf_event_output(ctx, map, flags, data, size). The context argument is not checked (the verifier does).
    [BpfFunc.PerfEventOutput]: (ctx, _regs, map, flags, data, size) => {
      const pa = channel(ctx, BpfFunc.PerfEventOutput, map, MockPerfEventArray, "perf event array");
      const bytes = source(ctx, BpfFunc.PerfEventOutput, "r4", data, size64(size), "data");
      const f = BigInt.asUintN(64, flags);
      if ((f & ~BPF_F_INDEX_MASK) !== 0n) return -EINVAL;
      if (env.cpu < 0 || env.cpu >= pa.cpus) return ctx.fail(`bpf_perf_event_output: the program runs on CPU ${env.cpu}, but map ${pa.name} simulates ${pa.cpus} CPUs`);
      return pa.output(env.cpu, f === BPF_F_INDEX_MASK ? env.cpu : Number(f), bytes);
    },
    // bpf_get_stackid(ctx, map, flags): the environment's kernel or user stack (BPF_F_USER_STACK) past the skipped
    // frames (BPF_F_SKIP_FIELD_MASK) stored in the map, after the kernel's flag check.
    [BpfFunc.GetStackid]: (ctx, _regs, map, flags) => {
      const m = channel(ctx, BpfFunc.GetStackid, map, MockStackTraceMap, "stack trace map");
      const f = BigInt.asUintN(64, flags);
      if ((f & ~STACKID_FLAGS) !== 0n) return -EINVAL;
      const stack = (f & (1n << 8n)) !== 0n ? env.userStack : env.kernelStack;
      return m.store(stack.slice(Number(f & 0xffn)), f);
    },
    // bpf_get_stack(ctx, buf, size, flags): the environment's stack past the skipped frames, as many as fit, the rest
    // of the buffer zeroed; the bytes written, or -EINVAL (all zeroed) for a size that is not whole frames or a bad flag.
    [BpfFunc.GetStack]: (ctx, _regs, buf, size, flags) => {
      const n = size64(size);
      const out = dest(ctx, BpfFunc.GetStack, "r2", buf, n);
      out.fill(0);
      const f = BigInt.asUintN(64, flags);
      if ((f & ~GETSTACK_FLAGS) !== 0n || n % 8 !== 0) return -EINVAL;
      if ((f & (1n << 11n)) !== 0n) return -EINVAL; // BPF_F_USER_BUILD_ID: the VM has no build ids to give
      const all = (f & (1n << 8n)) !== 0n ? env.userStack : env.kernelStack;
      // No stack to take (a kernel thread's user stack), or fewer frames than skipped: -EFAULT, as the kernel's.
      if (all.length === 0 || all.length < Number(f & 0xffn)) return -EFAULT;
      const stack = all.slice(Number(f & 0xffn), Number(f & 0xffn) + n / 8);
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      stack.forEach((a, i) => view.setBigUint64(i * 8, a, true));
      return stack.length * 8;
    },
    [BpfFunc.GetCurrentTask]: () => env.task,
    [BpfFunc.GetNumaNodeId]: () => 0,
    [BpfFunc.GetCurrentCgroupId]: () => env.cgroupId,
    [BpfFunc.SendSignal]: (_ctx, sig) => {
      const s = u32(sig);
      if (s > NSIG) return -EINVAL;
      env.signals.push(s);
      return 0;
    },
    [BpfFunc.ProbeReadUser]: (ctx, dst, size, src) => probeRead(ctx, env, BpfFunc.ProbeReadUser, false, dst, size, src),
    [BpfFunc.ProbeReadKernel]: (ctx, dst, size, src) => probeRead(ctx, env, BpfFunc.ProbeReadKernel, true, dst, size, src),
    [BpfFunc.ProbeReadUserStr]: (ctx, dst, size, src) => probeReadStr(ctx, env, BpfFunc.ProbeReadUserStr, false, dst, size, src),
    [BpfFunc.ProbeReadKernelStr]: (ctx, dst, size, src) => probeReadStr(ctx, env, BpfFunc.ProbeReadKernelStr, true, dst, size, src),
    [BpfFunc.Jiffies64]: () => now() / TICK_NS,
    // Ring buffers (5.8): output copies, reserve lends a record until submit or discard, query reads positions.
    [BpfFunc.RingbufOutput]: (ctx, map, data, size, flags) => {
      const rb = channel(ctx, BpfFunc.RingbufOutput, map, MockRingBuffer, "ring buffer");
      return rb.output(source(ctx, BpfFunc.RingbufOutput, "r2", data, size64(size), "data"), BigInt.asUintN(64, flags));
    },
    [BpfFunc.RingbufReserve]: (ctx, map, size, flags) => ringbufReserve(ctx, map, size, flags),
    [BpfFunc.RingbufSubmit]: (ctx, ptr) => ringbufRelease(ctx, BpfFunc.RingbufSubmit, ptr, false),
    [BpfFunc.RingbufDiscard]: (ctx, ptr) => ringbufRelease(ctx, BpfFunc.RingbufDiscard, ptr, true),
    [BpfFunc.RingbufQuery]: (ctx, map, flags) => channel(ctx, BpfFunc.RingbufQuery, map, MockRingBuffer, "ring buffer").query(BigInt.asUintN(64, flags)),
    // No suspend in the simulation: CLOCK_BOOTTIME equals CLOCK_MONOTONIC.
    [BpfFunc.KtimeGetBootNs]: () => now(),
    // The coarse clock advances once per tick.
    [BpfFunc.KtimeGetCoarseNs]: () => {
      const t = now();
      return t - (t % TICK_NS);
    },
    // No kprobe/fentry attachment in the VM, so no function address; a cookie only where the test gave one.
    [BpfFunc.GetFuncIp]: () => 0,
    [BpfFunc.GetAttachCookie]: () => env.attachCookie ?? 0n,
    // bpf_loop: callback(i, ctx) for i < nr_loops; a non-zero return (the verifier allows only 1) stops the loop.
    [BpfFunc.Loop]: (ctx, count, fn, cbctx, flags) => {
      if (flags !== 0n) return -EINVAL;
      const n = u32(count);
      if (n > BPF_MAX_LOOPS) return -E2BIG;
      for (let i = 0; i < n; i++) if (ctx.callback(fn, BigInt(i), cbctx) !== 0n) return i + 1;
      return n;
    },
    [BpfFunc.KtimeGetTaiNs]: () => now() + TAI_OFFSET_NS,
  };
}
