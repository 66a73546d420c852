// zod for what comes from outside (options, .tsbpf files): its tree-shakable "mini" build with English messages.
// The classic build is 720 KB of JavaScript that every `tsbpf run` would parse (~40 ms of a cached start).
// Import it as a namespace (`import * as z from "../core/zod.ts"`) and use its members by name, never the namespace
// as a value: the bundle then keeps only what is used.

import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());

export * from "zod/mini";
