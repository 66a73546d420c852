// Releasing kernel resources on every exit path: live collections register here; on SIGINT, SIGTERM, SIGHUP and
// process exit they are disposed (last registered first). Signals are re-raised afterwards so the exit status is
// the usual 128 + signal, unless the application installed its own handler, which then owns the shutdown.
//
// This is the one piece of process-wide state in the runtime: signal handlers are process-wide by nature.

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

const live = new Set<Disposable>();
let installed = false;

function disposeAll(): void {
  for (const d of [...live].reverse()) {
    live.delete(d);
    try {
      d[Symbol.dispose]();
    } catch {
      // Keep releasing the rest; the process is ending.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  // Another listener means the application handles this signal (and will dispose what it loaded).
  if (process.listenerCount(signal) > 1) return;
  disposeAll();
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on("exit", disposeAll);
}

/** Tracks `d` until it is disposed; returns the function that stops tracking it. */
export function track(d: Disposable): () => void {
  install();
  live.add(d);
  return () => {
    live.delete(d);
  };
}

/** Disposes everything tracked (what the signal handlers do); for applications with their own handlers. */
export function releaseAll(): void {
  disposeAll();
}

