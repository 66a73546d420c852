// bitesize: block I/O sizes per process, as power-of-2 histograms in bytes (bpftrace's bitesize.bt).
//   sudo npx tsbpf run samples/bitesize.ts --duration 5

import { Histogram, tracepoint, type Str } from "tsbpf";

/** Block I/O request sizes, by the process that issued them. */
export const bytes = new Histogram<Str<16>>({ unit: "bytes" });

tracepoint("block/block_rq_issue", (ctx) => {
  bytes.record(ctx.comm, ctx.bytes);
});
