// An event larger than 256 bytes: the local lives in the program's per-CPU scratch map (looked up once at entry)
// instead of the 512-byte stack, its fields written there, and it is sent by copy with bpf_ringbuf_output.
import { RingBuffer, bpf, tracepoint, type Str, type u32 } from "tsbpf";

interface Exec {
  pid: u32;
  comm: Str<16>;
  file: Str<400>;
}

export const execs = new RingBuffer<Exec>(1 << 20);

tracepoint("syscalls/sys_enter_execve", (ctx) => {
  const e: Exec = { pid: bpf.pid(), comm: bpf.comm(), file: bpf.probeReadUserStr(ctx.filename, 400) };
  if (e.file === "") return;
  execs.output(e);
});
