#!/usr/bin/env node
// The `tsbpf` command: registers the TypeScript loader, then runs the CLI written in TypeScript.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
