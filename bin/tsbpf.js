#!/usr/bin/env node
// The `tsbpf` command: the bundled CLI in dist/ when it matches the sources (fast start), otherwise the
// TypeScript sources through tsx. Both run in this process (no child to pass signals to); under npm, which puts a
// shell between itself and us, we also stop when that shell dies (parent.js).
import { importEntry } from "./sources.js";
import { hangUpWithParent, startedByNpm } from "./parent.js";

if (startedByNpm()) await hangUpWithParent();
try {
  await importEntry("cli");
} catch (e) {
  // A stale bundle without tsx to run the sources: one line on what to do, not a stack.
  if (e?.code !== "TSBPF_STALE_BUNDLE") throw e;
  console.error(e.message);
  process.exitCode = 1;
}
