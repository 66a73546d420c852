// bashreadline: every command line typed into an interactive bash, system-wide (bcc's bashreadline): a uretprobe
// on bash's readline(), whose return value is the line the user entered, read from the shell's memory.
//   sudo npx tsbpf run samples/bashreadline.ts
//
// Debian's and Ubuntu's bash link readline in and export it as a dynamic symbol (`readelf --dyn-syms /bin/bash |
// grep readline`); other distributions' bash calls it in libreadline. Both probes are optional: whichever exists
// on the machine is attached (and a bash of the first kind never calls the library's).

import { RingBuffer, bpf, uretprobe, type Str, type ptr, type u32 } from "tsbpf";

interface Line {
  pid: u32;
  comm: Str<16>;
  /** What readline() returned: the line without its newline, cut at 255 bytes. */
  line: Str<256>;
}

export const lines = new RingBuffer<Line>(1 << 16);

/** readline() returned `line`: a char *, or NULL at the end of input (Ctrl-D). */
function typed(line: ptr): void {
  if (line === 0n) return;
  lines.emit({ pid: bpf.pid(), comm: bpf.comm(), line: bpf.probeReadUserStr(line, 256) });
}

uretprobe("/bin/bash", "readline", { optional: true }, (ctx) => typed(ctx.retval()));
uretprobe("libreadline", "readline", { optional: true }, (ctx) => typed(ctx.retval()));
