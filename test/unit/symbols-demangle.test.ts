// runtime/symbols/demangle.ts: C++ (Itanium) and Rust (legacy and v0) names against a table of known answers, and
// every C++ name libstdc++ exports against c++filt's (binutils) reading of it.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readElf } from "../../runtime/kernel/elf.ts";
import { resolveBinary } from "../../runtime/kernel/libs.ts";
import { demangle, demanglerAvailable } from "../../runtime/symbols/demangle.ts";
import { skip } from "../support/skip.ts";

const KNOWN: [string, string][] = [
  // C++: nested names, templates, substitutions, operators, constructors, clones, std:: abbreviations.
  ["_Z3fibi", "fib(int)"],
  ["_ZN3foo3barEv", "foo::bar()"],
  ["_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<int, std::allocator<int> >::push_back(int const&)"],
  ["_ZN9__gnu_cxx13new_allocatorIcED2Ev", "__gnu_cxx::new_allocator<char>::~new_allocator()"],
  // std::string for Ss, as LLVM's demangler writes it (c++filt spells out std::basic_string<char, ...>).
  ["_ZNSsC1Ev", "std::string::string()"],
  ["_ZplRK1AS1_", "operator+(A const&, A const&)"],
  ["_ZN12_GLOBAL__N_16helperEv", "(anonymous namespace)::helper()"],
  ["_ZL6helperv.cold", "helper() [clone .cold]"],
  ["_ZZ4mainE5count", "main::count"],
  // Rust legacy (names rustc 1.8x gave): the hash is dropped, `$u7b$` and friends decoded.
  ["_ZN1r4main17h086b0cfd890a8ea9E", "r::main"],
  ["_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17ha86af84d9cc65291E", "std::rt::lang_start::{{closure}}"],
  // Rust v0 (its std is built so): crate disambiguators and generic arguments.
  ["_RNvCs1234_7mycrate3foo", "mycrate::foo"],
  ["_RNvXso_NtCslNYArtu3iFV_5alloc3vecINtB5_3VechENtNtNtCsgEmfK2I1SDS_4core3ops4drop4Drop4dropCsduwmD7cSIQq_5gimli",
    "<alloc::vec::Vec<u8> as core::ops::drop::Drop>::drop"],
  // Not mangled, or not valid: unchanged.
  ["main", "main"],
  ["__libc_start_main", "__libc_start_main"],
  ["_Zfoo", "_Zfoo"],
];

test("known C++ and Rust names", () => {
  if (!demanglerAvailable()) throw new Error("the demangler (gecko-profiler-demangle) could not be loaded: run npm install");
  for (const [mangled, want] of KNOWN) assert.is(demangle(mangled), want, mangled);
});

// cpp_demangle (inside the package) and c++filt differ in style on some names: `std::string` for
// `std::basic_string<char, ...>`, template functions without their return type, `{vtable(T)}` for `vtable for T`.
// So the comparison holds every name to being demangled when c++filt demangles it, and most to reading the same.
test("libstdc++'s C++ names: demangled wherever c++filt demangles them, and mostly identically", () => {
  if (spawnSync("sh", ["-c", "command -v c++filt"]).status !== 0) return skip("c++filt (binutils) is not installed");
  let lib: string;
  try {
    lib = resolveBinary("libstdc++.so.6");
  } catch {
    return skip("libstdc++.so.6 is not installed");
  }
  if (!existsSync(lib)) return skip("libstdc++.so.6 is not installed");
  const names = [...new Set(readElf(lib).symbols.filter((s) => s.name.startsWith("_Z")).map((s) => s.name))];
  assert.ok(names.length > 1000, `only ${names.length} C++ names in ${lib}`);
  const r = spawnSync("c++filt", [], { input: names.join("\n") + "\n", encoding: "utf8", maxBuffer: 64 << 20 });
  const theirs = r.stdout.split("\n");
  const left = names.filter((n, i) => theirs[i] !== n && demangle(n) === n);
  assert.equal(left.slice(0, 10), [], `${left.length} names c++filt demangles stay mangled`);
  const same = names.filter((n, i) => demangle(n) === theirs[i]).length;
  assert.ok(same >= 0.8 * names.length, `only ${same} of ${names.length} read as c++filt reads them`);
});

test.run();
