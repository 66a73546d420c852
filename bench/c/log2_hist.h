// What the C references of bench/compiled.ts share: tsbpf's log2 histogram layout and libbpf-tools' log2.
#ifndef TSBPF_BENCH_LOG2_HIST_H
#define TSBPF_BENCH_LOG2_HIST_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// tsbpf's log2 histogram: bucket 0 negatives, 1 zero, k >= 2 holds [2^(k-2), 2^(k-1)).
#define LOG2_BUCKETS 66

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

#endif
