// A USDT probe's arguments: the spec record at the attachment's cookie looked up, then a constant, a register read
// from pt_regs or user memory at a register plus an offset, shifted back to its size and extended as its sign says.
import { HashMap, usdt, type i64, type u32 } from "tsbpf";

export const args = new HashMap<u32, i64>(16);

usdt("./app", "app", "request", (ctx) => {
  args.set(ctx.argCount(), ctx.arg(1));
});
