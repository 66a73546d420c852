#!/usr/bin/env node
// The `tsbpf` command: the bundled CLI in dist/ when it matches the sources (fast start), otherwise the
// TypeScript sources through tsx.
import { importEntry } from "./fresh.js";

await importEntry("cli");
