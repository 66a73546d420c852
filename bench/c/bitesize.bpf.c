// bitesize in C (the hand-written reference for bench/compiled.ts): block_rq_issue in; per-CPU log2 histograms of
// I/O sizes in bytes keyed by the tracepoint's comm out (samples/bitesize.ts).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "log2_hist.h"

// Declared by hand from stdlib-types/tracepoints.json (no vmlinux.h); only the fields up to those used.
struct trace_event_raw_block_rq_issue {
	__u64 common;
	__u32 dev;           /* offset 8 */
	__u64 sector;        /* offset 16 */
	__u32 nr_sector;     /* offset 24 */
	__u32 bytes;         /* offset 28 */
	unsigned short ioprio;  /* offset 32 */
	char rwbs[10];       /* offset 34 */
	char comm[16];       /* offset 44 */
	__u32 cmd;           /* offset 60: __data_loc char[] */
};

// A keyed histogram as tsbpf lays it out: {key, u32 bucket} -> u64 (20 bytes, no padding).
struct hist_key {
	char comm[16];
	__u32 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 40960);
	__type(key, struct hist_key);
	__type(value, __u64);
} bytes SEC(".maps");

SEC("tracepoint/block/block_rq_issue")
int block_rq_issue(struct trace_event_raw_block_rq_issue *ctx)
{
	struct hist_key key;
	__builtin_memcpy(key.comm, ctx->comm, sizeof(key.comm));
	key.bucket = ctx->bytes == 0 ? 1 : 2 + log2(ctx->bytes);
	// Per-CPU values: a plain increment, or create the bucket with BPF_NOEXIST (as tsbpf's Histogram).
	__u64 *n = bpf_map_lookup_elem(&bytes, &key);
	if (n) {
		(*n)++;
		return 0;
	}
	__u64 one = 1;
	bpf_map_update_elem(&bytes, &key, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
