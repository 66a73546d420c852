// The files a command reads: a path and what it should hold in, the file's bytes (or nothing: the path is fine) out,
// or a CliError saying in one line why not: missing, a directory, unreadable, binary where text is expected, or too
// large to be what it claims to be; and whether a file is an ELF object (a BPF object to `tsbpf run`). Checked
// before the compiler or the assembler sees the path. And the file a run
// prints to instead of stdout (`tsbpf run -o FILE`), opened before anything is loaded.

import { type Stats, type WriteStream, closeSync, createWriteStream, openSync, readFileSync, readSync, statSync } from "node:fs";
import { MAX_ARTIFACT_BYTES } from "../core/object/artifact.ts";
import { CliError } from "./args.ts";

/**
 * What a command expects in a file. A tracer is TypeScript source; real ones are a few kilobytes, and the limit
 * keeps a wrong file (a log, a core dump) from occupying the compiler for minutes.
 */
export type InputKind = "tracer" | "artifact" | "assembly" | "bytecode" | "object";

export const MAX_INPUT_BYTES: Record<InputKind, number> = {
  tracer: 4 * 1024 * 1024,
  artifact: MAX_ARTIFACT_BYTES,
  assembly: 64 * 1024 * 1024,
  // The kernel's limit is 1M instructions (BPF_COMPLEXITY_LIMIT_INSNS) of 8 bytes; lddw takes 16.
  bytecode: 16 * 1024 * 1024,
  // A clang -g object of a tool built against a whole vmlinux.h carries its debug info: a few MB at most.
  object: 64 * 1024 * 1024,
};

const DESCRIPTION: Record<InputKind, string> = {
  tracer: "a TypeScript tracer (.ts)",
  artifact: "a compiled tracer (.tsbpf)",
  assembly: "eBPF assembly text",
  bytecode: "eBPF bytecode",
  object: "a BPF object (clang -target bpf)",
};

const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

/** Checks that `path` is a readable regular file fit to be `kind`; returns its bytes. */
export function readInput(command: string, path: string, kind: InputKind): Buffer {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw new CliError(command, fileProblem(path, e));
  }
  if (st.isDirectory()) throw new CliError(command, `${path} is a directory; expected ${DESCRIPTION[kind]}`);
  if (!st.isFile()) throw new CliError(command, `${path} is not a regular file; expected ${DESCRIPTION[kind]}`);
  const limit = MAX_INPUT_BYTES[kind];
  if (st.size > limit) throw new CliError(command, `${path} is ${mb(st.size)}, more than ${DESCRIPTION[kind]} can be (at most ${mb(limit)})`);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new CliError(command, fileProblem(path, e));
  }
  if ((kind === "tracer" || kind === "assembly") && isBinary(data)) throw new CliError(command, `${path} is a binary file, not ${DESCRIPTION[kind]}`);
  return data;
}

/**
 * Whether `path` starts with the ELF magic, whatever it is called: `tsbpf run` and load() take it for a clang-built
 * BPF object. False when it cannot be read (readInput then says why).
 */
export function startsWithElfMagic(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Text files hold no NUL bytes and decode as UTF-8. */
function isBinary(data: Buffer): boolean {
  if (data.includes(0)) return true;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(data);
    return false;
  } catch {
    return true;
  }
}

/** A failed stat, read or write in plain words: "no such file", "permission denied". */
export function fileProblem(path: string, e: unknown, verb: "read" | "write" = "read"): string {
  const code = e instanceof Error && "code" in e ? String(e.code) : "";
  switch (code) {
    case "ENOENT":
      return verb === "read" ? `${path}: no such file` : `cannot write ${path}: its directory does not exist`;
    case "ENOTDIR":
      return `${path}: a part of the path is not a directory`;
    case "EACCES":
    case "EPERM":
      return `cannot ${verb} ${path}: permission denied`;
    case "EISDIR":
      return verb === "read" ? `${path} is a directory` : `cannot write ${path}: it is a directory`;
    case "ELOOP":
      return `${path}: too many symbolic links`;
    case "ENAMETOOLONG":
      return `${path}: the name is too long`;
    default:
      return `cannot ${verb} ${path}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** The check every command that compiles a tracer makes first. */
export function checkTracerFile(command: string, path: string): void {
  readInput(command, path, "tracer");
}

/**
 * Opens `path` for what a command prints on stdout (created, or emptied), or a CliError in one line: its directory is
 * missing, it is a directory, it is `input` (the file the command reads, which writing would destroy).
 */
export function openOutputFile(command: string, path: string, input: string): WriteStream {
  const out = statSync(path, { throwIfNoEntry: false });
  const read = statSync(input, { throwIfNoEntry: false });
  if (out && read && out.dev === read.dev && out.ino === read.ino) {
    throw new CliError(command, `${path} is the tracer being run${path === input ? "" : ` (${input})`}; -o names a file for the output, which it empties`);
  }
  let fd: number;
  try {
    fd = openSync(path, "w");
  } catch (e) {
    throw new CliError(command, fileProblem(path, e, "write"));
  }
  return createWriteStream(path, { fd });
}
