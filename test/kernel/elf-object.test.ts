// Objects written by `tsbpf build -o x.bpf.o` (core/object/elf/write-bpf.ts) in libbpf's own tools: `bpftool prog
// loadall` loads every program of several tracers (maps and parameters, kernel struct reads through CO-RE, ring
// buffers, uprobes, perf events, a bpf_loop callback), each pinned under its own name; `bpftool gen skeleton` writes a
// header that gcc compiles against libbpf-dev's headers; `bpftool gen object` (the static linker) takes them; and a
// skeleton program linked with libbpf sets a parameter, loads, attaches by section name and reads, from the ring
// buffer, the parent pid of a process it started: libbpf's CO-RE relocation of task_struct's fields read it right.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/index.ts";
import { cName } from "../../core/object/program-btf.ts";
import { kernelTest } from "../support/kernel.ts";
import { lacks, skip } from "../support/skip.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-elf-object-"));
const env = { ...process.env, TSBPF_CACHE_DIR: join(dir, "cache"), NO_COLOR: "1" };
const BPFFS = "/sys/fs/bpf";

const TRACERS = ["samples/execsnoop.ts", "samples/runqlat.ts", "samples/gethostlatency.ts", "samples/pidpersec.ts", "test/fixtures/elf/tool.ts"];

const sh = (cmd: string, args: string[], cwd = dir) => spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: 120_000 });
const has = (cmd: string) => sh("sh", ["-c", `command -v ${cmd}`]).status === 0;
const name = (file: string) => file.split("/").pop()!.replace(/\.ts$/, "");

/**
 * What the test needs besides the kernel, or why it cannot run. Writing kernel struct reads as CO-RE records needs
 * the build machine's kernel BTF (a missing kernel feature: a skip allowed in CI too).
 */
async function cannotRun(): Promise<boolean> {
  if (await lacks("vmlinux-btf")) return true;
  const why = missingTool();
  if (why) skip(why);
  return why !== undefined;
}

function missingTool(): string | undefined {
  if (!has("bpftool")) return "bpftool is not installed";
  if (!has("gcc")) return "gcc is not installed";
  if (!existsSync("/usr/include/bpf/libbpf.h")) return "libbpf's headers are not installed (libbpf-dev)";
  return undefined;
}

/** `tsbpf build <file> -o <name>.bpf.o`; the object's path. */
function build(file: string): string {
  const out = join(dir, `${name(file)}.bpf.o`);
  const r = sh(process.execPath, [join(root, "bin/tsbpf.js"), "build", join(root, file), "-o", out]);
  assert.is(r.status, 0, `${file}: ${r.stderr}`);
  return out;
}

function ensureBpffs(): void {
  if (readFileSync("/proc/mounts", "utf8").split("\n").some((l) => l.split(" ")[1] === BPFFS && l.split(" ")[2] === "bpf")) return;
  const r = sh("mount", ["-t", "bpf", "bpf", BPFFS]);
  assert.is(r.status, 0, `mounting bpffs at ${BPFFS}: ${r.stderr}`);
}

kernelTest(test, "bpftool prog loadall loads every program of each object, by its name", async () => {
  if (await cannotRun()) return;
  ensureBpffs();
  for (const file of TRACERS) {
    const spec = compile(join(root, file)).spec!;
    const object = build(file);
    const pins = join(BPFFS, `tsbpf-elf-test-${process.pid}-${name(file)}`);
    try {
      const r = sh("bpftool", ["prog", "loadall", object, pins]);
      assert.is(r.status, 0, `${file}: bpftool prog loadall: ${r.stderr.split("\n").slice(-30).join("\n")}`);
      assert.equal(readdirSync(pins).sort(), spec.programs.map((p) => cName(p.name)).sort(), file);
      for (const p of spec.programs) {
        const show = JSON.parse(sh("bpftool", ["-j", "prog", "show", "pinned", join(pins, cName(p.name))]).stdout) as { name: string; type: string };
        // The kernel keeps 15 characters of a name; bpftool shows the whole one from the program's BTF.
        const full = cName(p.name);
        assert.ok(full.startsWith(show.name) && show.name.length >= Math.min(15, full.length), `${file}: ${show.name} for ${full}`);
      }
    } finally {
      rmSync(pins, { recursive: true, force: true });
    }
  }
});

test("bpftool gen skeleton's header compiles against libbpf's, and bpftool gen object links each object", async () => {
  if (await cannotRun()) return;
  for (const file of TRACERS) {
    const object = join(dir, `${name(file)}.bpf.o`);
    if (!existsSync(object)) build(file);
    const n = cName(name(file));
    const skel = sh("bpftool", ["gen", "skeleton", object, "name", n]);
    assert.is(skel.status, 0, `${file}: bpftool gen skeleton: ${skel.stderr}`);
    writeFileSync(join(dir, `${n}.skel.h`), skel.stdout);
    writeFileSync(join(dir, `${n}.c`), `#include "${n}.skel.h"\nint main(void) { struct ${n} *s = ${n}__open(); ${n}__destroy(s); return 0; }\n`);
    const cc = sh("gcc", ["-c", "-Wall", "-Werror", `${n}.c`, "-o", `${n}.o`]);
    assert.is(cc.status, 0, `${file}: gcc: ${cc.stderr}`);
    const link = sh("bpftool", ["gen", "object", join(dir, `${n}.linked.o`), object]);
    assert.is(link.status, 0, `${file}: bpftool gen object: ${link.stderr}`);
  }
});

/** A skeleton program: sets a parameter, loads, attaches, execs /bin/true and prints the event its exec sent. */
const SKELETON_RUN = `
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>
#include "tool.skel.h"

struct exec_event { unsigned int pid; int ppid; unsigned long long runtime; };
static int child;

static int on_event(void *ctx, void *data, size_t size) {
  const struct exec_event *e = data;
  if (size < sizeof(*e) || (int)e->pid != child) return 0;
  printf("child=%u ppid=%d self=%d runtime=%llu\\n", e->pid, e->ppid, getpid(), e->runtime);
  return 1;
}

int main(void) {
  struct tool *s = tool__open();
  if (!s) { fprintf(stderr, "open failed\\n"); return 1; }
  s->rodata->minPid = 1;
  if (tool__load(s) || tool__attach(s)) { fprintf(stderr, "load or attach failed\\n"); tool__destroy(s); return 2; }
  struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(s->maps.events), on_event, NULL, NULL);
  child = fork();
  if (child == 0) { execl("/bin/true", "true", (char *)NULL); _exit(127); }
  waitpid(child, NULL, 0);
  int found = 0;
  for (int i = 0; i < 50 && found <= 0; i++) found = ring_buffer__poll(rb, 100);
  ring_buffer__free(rb);
  tool__destroy(s);
  return found > 0 ? 0 : 3;
}
`;

kernelTest(test, "a skeleton program loads and attaches the object with libbpf; CO-RE reads the exec's parent pid", async () => {
  if (await cannotRun()) return;
  const work = join(dir, "run");
  mkdirSync(work, { recursive: true });
  const object = join(dir, "tool.bpf.o");
  if (!existsSync(object)) build("test/fixtures/elf/tool.ts");
  const skel = sh("bpftool", ["gen", "skeleton", object, "name", "tool"]);
  assert.is(skel.status, 0, skel.stderr);
  writeFileSync(join(work, "tool.skel.h"), skel.stdout);
  writeFileSync(join(work, "run.c"), SKELETON_RUN);
  const cc = sh("gcc", ["-Wall", "-Werror", "run.c", "-o", "run", "-lbpf"], work);
  assert.is(cc.status, 0, `gcc: ${cc.stderr}`);
  const r = sh(join(work, "run"), [], work);
  assert.is(r.status, 0, `the skeleton program: ${r.stdout}${r.stderr}`);
  const m = /child=(\d+) ppid=(-?\d+) self=(\d+) runtime=(\d+)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.is(m![2], m![3], "the exec'd child's parent is the skeleton program");
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
