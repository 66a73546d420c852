// gethostlatency: how long each host name lookup through libc takes, system-wide (bcc's gethostlatency): a uprobe
// on getaddrinfo(), gethostbyname() and gethostbyname2() notes the time and the name's pointer, by thread; the
// uretprobe on the same function reads the name and sends it with the latency when the lookup returns. The name is
// read at the return, as bpftrace's gethostlatency.bt does, not at the entry: a probe cannot fault a page in, and a
// program's first lookup often passes a string in a page it has not touched yet (a literal in its read-only data),
// which the lookup itself has paged in by the time it returns.
//   sudo npx tsbpf run samples/gethostlatency.ts
// then, in another terminal: getent ahosts localhost

import { HashMap, RingBuffer, bpf, uprobe, uretprobe, type Str, type ptr, type u32, type u64 } from "tsbpf";

interface Lookup {
  pid: u32;
  comm: Str<16>;
  /** From the call to its return, in microseconds. */
  latencyUs: u64;
  host: Str<128>;
}

/** A lookup in progress: when it started and the caller's pointer to the name. */
interface Start {
  ns: u64;
  host: ptr;
}

/** Lookups in progress, by thread id: a thread makes one call at a time, and returns on the thread it entered. */
const started = new HashMap<u32, Start>(10240);
export const lookups = new RingBuffer<Lookup>(1 << 16);

function enter(host: ptr): void {
  started.set(bpf.tid(), { ns: bpf.ktimeGetNs(), host });
}

function exit(): void {
  const tid = bpf.tid();
  const start = started.get(tid);
  if (start === undefined) return; // the call began before the tracer was attached
  // The caller's string is still there: the lookup took it as const and the caller waits for the answer.
  lookups.emit({
    pid: bpf.pid(),
    comm: bpf.comm(),
    latencyUs: (bpf.ktimeGetNs() - start.ns) / 1000n,
    host: bpf.probeReadUserStr(start.host, 128),
  });
  started.delete(tid);
}

// getaddrinfo(node, service, hints, res), gethostbyname(name), gethostbyname2(name, af): the name is argument 0.
uprobe("libc", "getaddrinfo", (ctx) => enter(ctx.arg0()));
uretprobe("libc", "getaddrinfo", () => exit());
uprobe("libc", "gethostbyname", (ctx) => enter(ctx.arg0()));
uretprobe("libc", "gethostbyname", () => exit());
uprobe("libc", "gethostbyname2", (ctx) => enter(ctx.arg0()));
uretprobe("libc", "gethostbyname2", () => exit());
