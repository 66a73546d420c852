// pidpersec in C (the hand-written reference for bench/compiled.ts): sched_process_fork and a 1 s perf_event
// (cpu-clock) tick in; forks per second as per-CPU {count, total} stats and a linear histogram out
// (samples/pidpersec.ts).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// LinearHistogram(0, 1000, 10): bucket 0 below 0, 1 + v / 10 inside, 101 at or above 1000.
#define LHIST_MIN 0
#define LHIST_MAX 1000
#define LHIST_STEP 10
#define LHIST_BUCKETS ((LHIST_MAX - LHIST_MIN) / LHIST_STEP + 2)

struct stats {
	__u64 count;
	__s64 total;
};

// Forks since the last tick: shared by every CPU, so updated atomically.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} forks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stats);
} perSecond SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LHIST_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} distribution SEC(".maps");

SEC("tracepoint/sched/sched_process_fork")
int sched_process_fork(void *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&forks, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

SEC("perf_event")
int interval_1000(void *ctx)
{
	__u32 zero = 0;
	__u64 n = 0;
	__u64 *f = bpf_map_lookup_elem(&forks, &zero);
	if (f) {
		n = *f;
		// Subtract what was read rather than store 0: a fork counted since the read is kept for the next tick.
		__sync_fetch_and_add(f, -n);
	}
	struct stats *s = bpf_map_lookup_elem(&perSecond, &zero);
	if (s) {
		s->count++;
		s->total += n;
	}
	__u32 bucket = n >= LHIST_MAX ? LHIST_BUCKETS - 1 : 1 + (n - LHIST_MIN) / LHIST_STEP;
	__u64 *c = bpf_map_lookup_elem(&distribution, &bucket);
	if (c)
		(*c)++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
