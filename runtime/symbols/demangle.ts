// Demangling: a linker symbol in (`_ZNSt6vectorIiSaIiEE9push_backERKi`, Rust's legacy `_ZN...17h<hash>E` and v0
// `_R...`), the readable name out (`std::vector<int, std::allocator<int> >::push_back(int const&)`, Rust without
// its hash); any other name comes back unchanged.
//
// The work is done by the `gecko-profiler-demangle` package: the Firefox profiler's build of the Rust crates
// `cpp_demangle` and `rustc-demangle` as WebAssembly (no install script, no native code, one 0.5 MB file). Its
// JavaScript entry is written for bundlers (`import` of a .wasm file, which Node 20 refuses), so the module is
// compiled here, synchronously and on the first mangled name, and called through wasm-bindgen's string convention
// (the package version is pinned exactly in package.json for that reason). Without the package, names stay mangled.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// The few WebAssembly names used here (the project's libs have no DOM declarations, where TypeScript keeps them).
interface WasmTable {
  grow(delta: number): number;
  set(index: number, value: unknown): void;
}
interface Wasm {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: unknown };
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: Wasm };

interface DemanglerExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  readonly demangle_any: (ptr: number, len: number) => [number, number];
  readonly __wbindgen_malloc: (size: number, align: number) => number;
  readonly __wbindgen_free: (ptr: number, len: number, align: number) => void;
  readonly __wbindgen_export_0: WasmTable;
  readonly __wbindgen_start: () => void;
}

let wasm: DemanglerExports | null | undefined;
const cache = new Map<string, string>();
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");

function load(): DemanglerExports | null {
  try {
    const path = createRequire(import.meta.url).resolve("gecko-profiler-demangle/index_bg.wasm");
    const module = new WebAssembly.Module(readFileSync(path));
    let exports: DemanglerExports | undefined;
    const instance = new WebAssembly.Instance(module, {
      "./index_bg.js": {
        // wasm-bindgen's start-up: reserve the table slots for undefined, null, true and false.
        __wbindgen_init_externref_table: () => {
          const table = exports!.__wbindgen_export_0;
          const at = table.grow(4);
          table.set(0, undefined);
          table.set(at, undefined);
          table.set(at + 1, null);
          table.set(at + 2, true);
          table.set(at + 3, false);
        },
      },
    });
    exports = instance.exports as unknown as DemanglerExports;
    exports.__wbindgen_start();
    return exports;
  } catch {
    return null;
  }
}

/** Whether a name is mangled in a scheme this demangles (Itanium C++ and Rust legacy `_Z`, Rust v0 `_R`). */
export function isMangled(name: string): boolean {
  return name.startsWith("_Z") || name.startsWith("_R") || name.startsWith("__Z");
}

/** The demangled name, or `name` itself when it is not mangled or cannot be demangled. */
export function demangle(name: string): string {
  if (!isMangled(name)) return name;
  let out = cache.get(name);
  if (out !== undefined) return out;
  if (wasm === undefined) wasm = load();
  out = wasm ? call(wasm, name) : name;
  // What no demangler reads comes back unchanged, or with its first `_` taken off (the library's retry of a name
  // carrying macOS's extra underscore): both mean "not demangled".
  if (out === name.slice(1)) out = name;
  cache.set(name, out);
  return out;
}

/** Whether the demangler could be loaded (tests and `tsbpf` diagnostics say so when it could not). */
export function demanglerAvailable(): boolean {
  if (wasm === undefined) wasm = load();
  return wasm !== null;
}

function call(w: DemanglerExports, name: string): string {
  const bytes = encoder.encode(name);
  const ptr = w.__wbindgen_malloc(bytes.length, 1) >>> 0;
  new Uint8Array(w.memory.buffer, ptr, bytes.length).set(bytes);
  // The callee takes ownership of the argument and returns a string it allocated, which the caller frees.
  const [rptr, rlen] = w.demangle_any(ptr, bytes.length);
  try {
    return decoder.decode(new Uint8Array(w.memory.buffer, rptr >>> 0, rlen >>> 0));
  } finally {
    w.__wbindgen_free(rptr, rlen, 1);
  }
}
