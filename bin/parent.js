// A tracer that outlives the process that started it runs attached with nobody to stop it. npm (`npx tsbpf`, a
// package script) starts the command through `sh -c` and forwards SIGTERM only to that shell, which dies of it and
// leaves us behind. So, under npm, ask the kernel for a SIGHUP when our parent dies (prctl PR_SET_PDEATHSIG, Linux
// 2.1.57): `tsbpf run` stops on it as on SIGTERM (cli/stop.ts), and before a run has begun it ends the process.
// Parent process in; nothing out but that request. Best effort: without koffi or on another system it does nothing.

const PR_SET_PDEATHSIG = 1;
const SIGHUP = 1;

/** Whether npm started this process (it sets npm_lifecycle_event for `npx` and for package scripts alike). */
export function startedByNpm(env = process.env) {
  return env.npm_lifecycle_event !== undefined;
}

/** Asks for SIGHUP when the parent process dies; if it already has, raises it now. */
export async function hangUpWithParent() {
  if (process.platform !== "linux") return false;
  const parent = process.ppid;
  try {
    const { default: koffi } = await import("koffi");
    const prctl = koffi.load("libc.so.6").func("int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)");
    if (prctl(PR_SET_PDEATHSIG, SIGHUP, 0, 0, 0) !== 0) return false;
  } catch {
    return false;
  }
  // The parent may have died before the request: we were then re-parented (to init or a subreaper).
  if (process.ppid !== parent) process.kill(process.pid, "SIGHUP");
  return true;
}
