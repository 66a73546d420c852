// biolatency: block I/O latency, from issue to completion, as a power-of-2 histogram in microseconds
// (bcc's biolatency, bpftrace's biolatency.bt). Requests are matched by device and sector.
//   sudo npx tsbpf run samples/biolatency.ts --duration 5

import { HashMap, Histogram, bpf, tracepoint, type u32, type u64 } from "tsbpf";

interface Request {
  dev: u32;
  sector: u64;
}

/** When each request was issued. */
const issued = new HashMap<Request, u64>(10240);
/** Block I/O latency, from issue to completion. */
export const biolatency = new Histogram({ unit: "us" });

tracepoint("block/block_rq_issue", (ctx) => {
  issued.set({ dev: ctx.dev, sector: ctx.sector }, bpf.ktimeGetNs());
});

tracepoint("block/block_rq_complete", (ctx) => {
  const key: Request = { dev: ctx.dev, sector: ctx.sector };
  const t0 = issued.get(key);
  if (t0 === undefined) return;
  biolatency.record((bpf.ktimeGetNs() - t0) / 1000n);
  issued.delete(key);
});
