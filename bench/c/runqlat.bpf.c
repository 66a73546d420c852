// runqlat in C (the hand-written reference for bench/compiled.ts): sched_wakeup, sched_wakeup_new and
// sched_switch in; a per-CPU log2 histogram of run-queue latency in microseconds out (samples/runqlat.ts).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define TASK_RUNNING 0
// tsbpf's log2 histogram: bucket 0 negatives, 1 zero, k >= 2 holds [2^(k-2), 2^(k-1)).
#define LOG2_BUCKETS 66

// Declared by hand from stdlib-types/tracepoints.json (no vmlinux.h).
struct trace_event_raw_sched_wakeup_template {
	__u64 common;
	char comm[16];  /* offset 8 */
	int pid;        /* offset 24 */
	int prio;
	int target_cpu;
};

struct trace_event_raw_sched_switch {
	__u64 common;
	char prev_comm[16];  /* offset 8 */
	int prev_pid;        /* offset 24 */
	int prev_prio;
	long prev_state;     /* offset 32 */
	char next_comm[16];  /* offset 40 */
	int next_pid;        /* offset 56 */
	int next_prio;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} queued SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOG2_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} runqlat SEC(".maps");

// libbpf-tools' bits.bpf.h: floor(log2(v)) without branches.
static __always_inline __u64 log2(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 log2l(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2(hi) + 32 : log2(v);
}

// An array element always exists: a lookup and a null check (for the verifier) are all it takes.
static __always_inline void hist_record(void *map, __u64 v)
{
	__u32 bucket = v == 0 ? 1 : 2 + log2l(v);
	__u64 *n = bpf_map_lookup_elem(map, &bucket);
	if (n)
		(*n)++;
}

static __always_inline int enqueue(__u32 pid)
{
	__u64 ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&queued, &pid, &ts, BPF_ANY);
	return 0;
}

SEC("tracepoint/sched/sched_wakeup")
int sched_wakeup(struct trace_event_raw_sched_wakeup_template *ctx)
{
	return enqueue(ctx->pid);
}

SEC("tracepoint/sched/sched_wakeup_new")
int sched_wakeup_new(struct trace_event_raw_sched_wakeup_template *ctx)
{
	return enqueue(ctx->pid);
}

SEC("tracepoint/sched/sched_switch")
int sched_switch(struct trace_event_raw_sched_switch *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	if (ctx->prev_state == TASK_RUNNING && ctx->prev_pid != 0) {
		__u32 prev = ctx->prev_pid;
		bpf_map_update_elem(&queued, &prev, &now, BPF_ANY);
	}
	__u32 pid = ctx->next_pid;
	if (pid == 0)
		return 0;
	__u64 *since = bpf_map_lookup_elem(&queued, &pid);
	if (!since)
		return 0;
	hist_record(&runqlat, (now - *since) / 1000);
	bpf_map_delete_elem(&queued, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
