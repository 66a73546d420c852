// Typed errors of the kernel runtime: a failed syscall (SysError) and what we were doing in, an error that says
// what went wrong and what to do out. Messages never need a stack trace to be understood.

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

/**
 * Turns a SysError into a BpfError with a plain explanation. `what` describes the operation; `unsupported` names
 * the feature (with the kernel version that added it) for the errnos that mean "this kernel is too old".
 */
export function explain(e: unknown, what: string, unsupported?: { feature: string; since: string }): Error {
  if (!(e instanceof SysError)) return e instanceof Error ? e : new Error(String(e));
  const { errno, code } = e;
  switch (errno) {
    case ERRNO.EPERM:
    case ERRNO.EACCES:
      return new BpfError(`${what}: permission denied (${code})`, what, PERMISSION_HINT, code, errno);
    case ERRNO.E2BIG:
    case ERRNO.ENOSYS:
    case ERRNO.EOPNOTSUPP:
    case ERRNO.ENOTSUPP:
      if (unsupported) {
        return new UnsupportedFeatureError(unsupported.feature, `${what} failed with ${code}`, `needs Linux ${unsupported.since} or newer`, code, errno);
      }
      break;
    case ERRNO.EINVAL:
      if (unsupported) {
        return new BpfError(`${what}: the kernel rejected the request (${code})`, what,
          `${unsupported.feature} needs Linux ${unsupported.since} or newer; on a new enough kernel this is a bug in tsbpf`, code, errno);
      }
      break;
    case ERRNO.ENOMEM:
      return new BpfError(`${what}: the kernel could not allocate memory (${code})`, what,
        "make the map smaller, or on kernels before 5.11 raise RLIMIT_MEMLOCK (ulimit -l unlimited)", code, errno);
    case ERRNO.EMFILE:
    case ERRNO.ENFILE:
      return new BpfError(`${what}: too many open files (${code})`, what, "raise the open-file limit (ulimit -n)", code, errno);
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
