// runqlat in C (the hand-written reference for bench/compiled.ts): sched_wakeup, sched_wakeup_new and
// sched_switch in; a per-CPU log2 histogram of run-queue latency in microseconds out (samples/runqlat.ts).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "log2_hist.h"

#define TASK_RUNNING 0

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
