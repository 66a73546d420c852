// The package's `tsbpf/testing` entry for Node: dist/testing.mjs (the bundle `npm install` builds) while it matches the
// sources, otherwise testing.ts through tsx. Its export list must equal testing.ts's (test/unit/package-entry.test.ts).
import { importEntry } from "./bin/fresh.js";

const m = await importEntry("testing");
export const {
  CompileError, DEFAULT_BUDGET, FakeClock, MockMap, MockPerfEventArray, MockRingBuffer, SimCollection, Simulation,
  VmError, VmProgram, defaultEnvironment, memoryOf, simulate
} = m;
