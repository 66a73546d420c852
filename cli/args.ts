// Command-line input of every command: argv and an option table in, the parsed options out, or one line saying
// what is wrong (exit 2). `--help`/`-h` prints the command's usage and exits 0. A CliError thrown by a command is
// bad input, printed by cli/main.ts as `tsbpf <command>: <message>` without a stack trace.

import { type ParseArgsConfig, parseArgs } from "node:util";

/** Bad input on the command line or in a file it names: one line, exit code 2. */
export class CliError extends Error {
  override name = "CliError";
  constructor(readonly command: string, message: string, readonly exitCode = 2) {
    super(message);
  }

  /** The line the command prints on stderr. */
  report(): string {
    return `tsbpf ${this.command}: ${this.message}`;
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Parsed {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  readonly positionals: string[];
}

/** The hint that ends every usage error: where the full usage is. */
export const usageHint = (command: string): string => `see tsbpf ${command} --help`;

/** Where a command prints: the process's stdout and stderr, or a test's. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/**
 * Parses `argv` for `command`. Returns the parsed values, or an exit code when the command is done: 0 after
 * printing `usage` for --help, 2 after printing one line for an unknown option or a missing value.
 */
export function parseCommandArgs<O extends Options>(command: string, argv: readonly string[], options: O, usage: string, io: CommandIo = processIo): Parsed | number {
  const withHelp: Options = { ...options, help: { type: "boolean", short: "h" } };
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: withHelp, allowPositionals: true, strict: true }) as Parsed;
  } catch (e) {
    io.stderr(`tsbpf ${command}: ${argumentProblem(e)}; ${usageHint(command)}\n`);
    return 2;
  }
  if (parsed.values.help === true) {
    io.stdout(usage.endsWith("\n") ? usage : `${usage}\n`);
    return 0;
  }
  return parsed;
}

/**
 * Whether `word` names one of `options` as parseArgs reads it: `--name`, `--name=value`, `-x`, or `-xvalue` for a
 * short option that takes a value. (cli/main.ts asks this of the first word when it is no command: `tsbpf -q
 * file.ts` is `tsbpf run -q file.ts`.)
 */
export function namesOption(word: string, options: Options): boolean {
  const long = /^--([^=]+)/.exec(word)?.[1];
  if (long !== undefined) return Object.hasOwn(options, long);
  const short = /^-([^-])/.exec(word)?.[1];
  return short !== undefined && Object.values(options).some((o) => o.short === short);
}

/** node:util parseArgs's error in plain words: "unknown option --bogus", "--out needs a value". */
export function argumentProblem(e: unknown): string {
  const code = e instanceof Error && "code" in e ? String(e.code) : "";
  const message = e instanceof Error ? e.message : String(e);
  // "Unknown option '--bogus'", "Option '-d, --duration <value>' argument missing": the long name.
  const option = /'(?:-\w, )?(-{1,2}[^' <,]+)/.exec(message)?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${option ?? message}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      // "Option '--out <value>' argument missing", or "Option '--json' does not take an argument".
      if (/argument missing/.test(message)) return `${option ?? "an option"} needs a value`;
      if (/does not take an argument/.test(message)) return `${option ?? "an option"} takes no value`;
      return message.split(". ")[0]!;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? message}`;
    default:
      return message.split("\n")[0]!;
  }
}

/** A non-negative integer option (`--budget 1000`), or a CliError naming the option and the value. */
export function integerOption(command: string, name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*(0x[0-9a-f]+|\d+)\s*$/i.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new CliError(command, `--${name} must be an integer${min > 0 ? ` of at least ${min}` : " (0 or more)"}, not ${JSON.stringify(value)}`);
  }
  return n;
}
