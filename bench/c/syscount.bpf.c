// syscount in C (the hand-written reference for bench/compiled.ts): raw_syscalls:sys_enter in; per-CPU counts by
// syscall number and by process name out, with the same maps and update logic as samples/syscount.ts.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// Declared by hand from stdlib-types/tracepoints.json (no vmlinux.h): the 8 common bytes, then the fields.
struct trace_event_raw_sys_enter {
	__u64 common;
	long id;                /* offset 8 */
	unsigned long args[6];  /* offset 16 */
};

// Set by the loader before load; libbpf freezes .rodata, so the verifier prunes the filter when it is 0.
const volatile __u32 targ_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} syscalls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, char[16]);
	__type(value, __u64);
} processes SEC(".maps");

// Per-CPU values need no atomics; a missing key is created with BPF_NOEXIST (losing a creation race to an
// interrupt on the same CPU loses one count, as in tsbpf's Count).
static __always_inline void increment(void *map, const void *key)
{
	__u64 *v = bpf_map_lookup_elem(map, key);
	if (v) {
		(*v)++;
		return;
	}
	__u64 one = 1;
	bpf_map_update_elem(map, key, &one, BPF_NOEXIST);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	if (targ_pid && (bpf_get_current_pid_tgid() >> 32) != targ_pid)
		return 0;
	__u32 id = ctx->id;
	increment(&syscalls, &id);
	char comm[16];
	bpf_get_current_comm(comm, sizeof(comm));
	increment(&processes, comm);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
