// Waiting in tests for a condition instead of a fixed time: a predicate in, resolved when it holds (polled every
// 10 ms), or an error naming what did not happen once the bound passes. The bound is generous: it only decides how
// long a broken test takes to fail, never how long a working one takes.

export async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
