// Typed errors of the kernel runtime: a failed syscall (SysError) and what we were doing in, an error that says
// what went wrong and what to do out. Messages never need a stack trace to be understood.

import { readFileSync } from "node:fs";
import { release } from "node:os";
import { ERRNO, SysError } from "./sys.ts";

/** Any failure talking to the kernel. `hint` says what the user can do about it. */
export class BpfError extends Error {
  override name = "BpfError";
  constructor(
    message: string,
    /** What we were doing: "create map counts", "attach tracepoint syscalls/sys_enter_openat". */
    readonly operation: string,
    readonly hint?: string,
    /** The errno name (EPERM, ...) when a syscall failed. */
    readonly code?: string,
    readonly errno?: number,
  ) {
    super(message);
  }

  /** The message followed by the hint, as the CLI prints it. */
  describe(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message;
  }

  /** The whole report as the command line prints it on stderr: `error: ` and describe(). */
  report(): string {
    return `error: ${this.describe()}`;
  }
}

/** The running kernel lacks a feature (a program type, a map type, a probe kind). */
export class UnsupportedFeatureError extends BpfError {
  override name = "UnsupportedFeatureError";
  constructor(readonly feature: string, detail: string, hint?: string, code?: string, errno?: number) {
    super(`this kernel does not support ${feature}${detail ? ` (${detail})` : ""}`, feature, hint, code, errno);
  }
}

/** Something named by the user does not exist (a tracepoint, a symbol, a pinned map). */
export class NotFoundError extends BpfError {
  override name = "NotFoundError";
  constructor(message: string, operation: string, readonly suggestions: readonly string[] = [], hint?: string) {
    super(
      suggestions.length ? `${message}; did you mean ${suggestions.join(", ")}?` : message,
      operation,
      hint,
    );
  }
}

export const PERMISSION_HINT = "run as root, or grant CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN on kernels before 5.8)";

/** What the kernel call that failed was: the same errno means different things for each. */
export type KernelCall = "map-create" | "map-update" | "prog-load" | "perf-open" | "perf-attach" | "other";

/** The facts a permission or limit error depends on, read from /proc and /sys (tests pass their own). */
export interface HostFacts {
  readonly uid: number;
  /** Effective capabilities (CapEff), when /proc says. */
  readonly capabilities?: bigint;
  /** The kernel lockdown mode in force ("none", "integrity", "confidentiality"), when the kernel has lockdown. */
  readonly lockdown?: string;
  /** `uname -r`. */
  readonly release: string;
  /** RLIMIT_NOFILE's soft limit, when /proc says. */
  readonly openFiles?: number;
  /** /proc/sys/kernel/perf_event_paranoid. */
  readonly perfParanoid?: number;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/** The running process's facts; each one it cannot read is left out. */
export function hostFacts(): HostFacts {
  const cap = /^CapEff:\s*([0-9a-f]+)$/m.exec(read("/proc/self/status") ?? "")?.[1];
  const lockdown = /\[(\w+)\]/.exec(read("/sys/kernel/security/lockdown") ?? "")?.[1];
  const files = /^Max open files\s+(\d+)/m.exec(read("/proc/self/limits") ?? "")?.[1];
  const paranoid = read("/proc/sys/kernel/perf_event_paranoid");
  return {
    uid: process.getuid?.() ?? -1,
    release: release(),
    ...(cap !== undefined ? { capabilities: BigInt(`0x${cap}`) } : {}),
    ...(lockdown !== undefined ? { lockdown } : {}),
    ...(files !== undefined ? { openFiles: Number(files) } : {}),
    ...(paranoid !== undefined && /^-?\d+\s*$/.test(paranoid) ? { perfParanoid: Number(paranoid) } : {}),
  };
}

/** Capability numbers (linux/capability.h). */
export const CAP = { SYS_ADMIN: 21, SYS_RESOURCE: 24, PERFMON: 38, BPF: 39 } as const;
const hasCap = (f: HostFacts, cap: number) => f.capabilities === undefined || ((f.capabilities >> BigInt(cap)) & 1n) === 1n;

/** "6.1.0-13-amd64" is [6, 1]. */
export function kernelVersion(rel: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(rel);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}
const before = (f: HostFacts, major: number, minor: number) => {
  const [a, b] = kernelVersion(f.release);
  return a < major || (a === major && b < minor);
};

/**
 * Why the kernel said EPERM or EACCES, from the facts: a missing capability, kernel lockdown, the memlock limit
 * (kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK and say EPERM when it is exceeded), or, with all of those
 * ruled out, a security policy.
 */
export function permissionHint(call: KernelCall, f: HostFacts): string {
  // Every program tsbpf loads is a tracing program, which the kernel loads only with CAP_PERFMON besides CAP_BPF.
  const perf = call === "perf-open" || call === "perf-attach" || call === "prog-load";
  const missing = [
    ...(!hasCap(f, CAP.BPF) && !hasCap(f, CAP.SYS_ADMIN) ? ["CAP_BPF"] : []),
    ...(perf && !hasCap(f, CAP.PERFMON) && !hasCap(f, CAP.SYS_ADMIN) ? ["CAP_PERFMON"] : []),
  ];
  if (missing.length) {
    return f.uid === 0
      ? `this process runs as root without ${missing.join(" and ")} (a container or a capability bounding set drops it): grant ${missing.join(" and ")}, or CAP_SYS_ADMIN`
      : `${PERMISSION_HINT}${perf && f.perfParanoid !== undefined && f.perfParanoid > 1 ? `; perf events also need kernel.perf_event_paranoid <= 1 for users (it is ${f.perfParanoid})` : ""}`;
  }
  if (f.lockdown === "confidentiality") {
    return "the kernel is locked down in confidentiality mode (/sys/kernel/security/lockdown), which forbids BPF programs that read kernel memory; boot with lockdown=integrity or none";
  }
  if (before(f, 5, 11) && (call === "map-create" || call === "prog-load")) {
    return `Linux ${f.release} charges BPF maps and programs to RLIMIT_MEMLOCK and says EPERM when it is exceeded: raise it (ulimit -l unlimited)`;
  }
  return "the process has the capabilities BPF needs, so a security policy refused it (SELinux, AppArmor, a container's seccomp profile, or kernel.unprivileged_bpf_disabled for a user namespace)";
}

export interface ExplainContext {
  /** What failed: decides what E2BIG, ENOSPC or EBUSY mean. */
  readonly call?: KernelCall;
  /**
   * The feature (and the kernel that added it) an errno that says "not supported" (ENOSYS, EOPNOTSUPP, ENOTSUPP)
   * refers to; also named as one possible reason when the kernel rejects a request it cannot explain (EINVAL).
   */
  readonly unsupported?: { readonly feature: string; readonly since: string };
  readonly facts?: HostFacts;
}

const MiB = 1024 * 1024;
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * MiB) return `${(n / (1024 * 1024 * MiB)).toFixed(1)} TiB`;
  if (n >= 1024 * MiB) return `${(n / (1024 * MiB)).toFixed(1)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** BPF_TRACE_MAX_PROGS (kernel/trace/bpf_trace.c): programs attached to one tracepoint, kprobe or perf event. */
export const BPF_TRACE_MAX_PROGS = 64;

/**
 * Turns a SysError into a BpfError with a plain explanation. `what` describes the operation ("create map counts",
 * "attach to tracepoint a/b"); `ctx` says which kind of call failed, so that each errno is explained as it applies
 * to that call. A third argument of the form `{ feature, since }` is `ctx.unsupported`.
 */
export function explain(e: unknown, what: string, context?: ExplainContext | { feature: string; since: string }): Error {
  // Node's own system errors (writing a tracefs file) carry the errno's name: explained the same way.
  if (!(e instanceof SysError) && e instanceof Error && "code" in e && typeof e.code === "string" && e.code in ERRNO && "syscall" in e) {
    e = new SysError(String(e.syscall), ERRNO[e.code as keyof typeof ERRNO], e.message);
  }
  if (!(e instanceof SysError)) return e instanceof Error ? e : new Error(String(e));
  const ctx: ExplainContext = context && "feature" in context ? { unsupported: context } : context ?? {};
  const { errno, code } = e;
  const call = ctx.call ?? "other";
  const facts = () => ctx.facts ?? hostFacts();
  const error = (message: string, hint?: string) => new BpfError(`${what}: ${message} (${code})`, what, hint, code, errno);
  switch (errno) {
    case ERRNO.EPERM:
    case ERRNO.EACCES:
      return error("permission denied", permissionHint(call, facts()));
    case ERRNO.ENOSYS:
      return new UnsupportedFeatureError("bpf()", `${what} failed with ${code}: the kernel was built without CONFIG_BPF_SYSCALL`, undefined, code, errno);
    case ERRNO.EOPNOTSUPP:
    case ERRNO.ENOTSUPP:
      if (ctx.unsupported) {
        return new UnsupportedFeatureError(ctx.unsupported.feature, `${what} failed with ${code}`, `needs Linux ${ctx.unsupported.since} or newer, built with it`, code, errno);
      }
      return error("the kernel does not support this operation");
    case ERRNO.E2BIG:
      if (call === "perf-attach") {
        return error(`too many BPF programs on one event: the kernel allows ${BPF_TRACE_MAX_PROGS} per tracepoint, kprobe or perf event (BPF_TRACE_MAX_PROGS), counting every tracer's`,
          "attach fewer probes to it (one handler can do the work of several), or stop other tracers attached to it (bpftool perf list shows them)");
      }
      if (call === "prog-load") {
        return error("the program is too large for the kernel",
          `the kernel loads at most 1,000,000 instructions (4,096 without CAP_BPF); split the handler into smaller probes${ctx.unsupported ? `, or, if this kernel is older than Linux ${ctx.unsupported.since}, it does not know ${ctx.unsupported.feature}` : ""}`);
      }
      return error("a size or count is larger than the kernel allows", ctx.unsupported
        ? `or this kernel is older than Linux ${ctx.unsupported.since} and does not know ${ctx.unsupported.feature}` : undefined);
    case ERRNO.EINVAL:
      if (ctx.unsupported) {
        return error("the kernel rejected the request",
          `${ctx.unsupported.feature} needs Linux ${ctx.unsupported.since} or newer; on a new enough kernel this is a bug in tsbpf`);
      }
      break;
    case ERRNO.ENOMEM:
      return error("the kernel could not allocate memory",
        before(facts(), 5, 11) ? "make the map smaller, or raise RLIMIT_MEMLOCK (ulimit -l unlimited): this kernel counts BPF memory against it"
          : "make the maps smaller (fewer entries or smaller values), or free memory");
    case ERRNO.EMFILE: {
      const limit = facts().openFiles;
      return error(`this process has too many open files${limit !== undefined ? ` (its limit is ${limit})` : ""}`,
        "each map, program and probe holds a file descriptor (a profile probe one per CPU): raise the limit (ulimit -n), or use fewer probes");
    }
    case ERRNO.ENFILE:
      return error("the system has too many open files", "the system-wide limit fs.file-max is reached: close other programs' files or raise it (sysctl fs.file-max)");
    case ERRNO.ENOENT:
      return error("it does not exist in this kernel");
    case ERRNO.EBUSY:
      return error("the kernel says it is busy",
        call === "perf-attach" || call === "perf-open" ? "another tool holds this event or probe exclusively; stop it, or retry once it is gone" : "another user holds it; retry once it is released");
    case ERRNO.ENOSPC:
      return error("the kernel has no room left for it",
        call === "map-update" ? "the map is full: delete entries or give it more (maxEntries)" : "a fixed-size kernel table is full; release some objects (stop other tracers) and retry");
    case ERRNO.ENODEV:
      if (call === "perf-open") return error("this kernel or machine has no such event source (PMU)", "a virtual machine often lacks hardware counters; software clocks still work");
      break;
  }
  return new BpfError(`${what}: ${code}`, what, undefined, code, errno);
}

/** The closest names to `name` (edit distance), for "did you mean" suggestions. */
export function closest(name: string, candidates: Iterable<string>, max = 3): string[] {
  const scored: [number, string][] = [];
  const limit = Math.max(2, Math.floor(name.length / 3));
  for (const c of candidates) {
    if (Math.abs(c.length - name.length) > limit) continue;
    const d = editDistance(name, c, limit);
    if (d <= limit) scored.push([d, c]);
  }
  return scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1])).slice(0, max).map((s) => s[1]);
}

/** Levenshtein distance, giving up (returning limit + 1) once it must exceed `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length]!;
}
