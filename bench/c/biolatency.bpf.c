// biolatency in C (the hand-written reference for bench/compiled.ts): block_rq_issue and block_rq_complete in;
// a per-CPU log2 histogram of block I/O latency in microseconds out (samples/biolatency.ts).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "log2_hist.h"


// Declared by hand from stdlib-types/tracepoints.json (no vmlinux.h); only the fields up to those used.
struct trace_event_raw_block_rq_issue {
	__u64 common;
	__u32 dev;        /* offset 8 */
	__u64 sector;     /* offset 16 */
	__u32 nr_sector;  /* offset 24 */
	__u32 bytes;      /* offset 28 */
};

struct trace_event_raw_block_rq_completion {
	__u64 common;
	__u32 dev;        /* offset 8 */
	__u64 sector;     /* offset 16 */
	__u32 nr_sector;  /* offset 24 */
	int error;        /* offset 28 */
};

// Requests are matched by device and sector: 16 bytes with 4 of padding, which must be zero (keys compare as bytes).
struct request {
	__u32 dev;
	__u64 sector;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct request);
	__type(value, __u64);
} issued SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOG2_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} biolatency SEC(".maps");

SEC("tracepoint/block/block_rq_issue")
int block_rq_issue(struct trace_event_raw_block_rq_issue *ctx)
{
	struct request key;
	__builtin_memset(&key, 0, sizeof(key));
	key.dev = ctx->dev;
	key.sector = ctx->sector;
	__u64 ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&issued, &key, &ts, BPF_ANY);
	return 0;
}

SEC("tracepoint/block/block_rq_complete")
int block_rq_complete(struct trace_event_raw_block_rq_completion *ctx)
{
	struct request key;
	__builtin_memset(&key, 0, sizeof(key));
	key.dev = ctx->dev;
	key.sector = ctx->sector;
	__u64 *t0 = bpf_map_lookup_elem(&issued, &key);
	if (!t0)
		return 0;
	hist_record(&biolatency, (bpf_ktime_get_ns() - *t0) / 1000);
	bpf_map_delete_elem(&issued, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
