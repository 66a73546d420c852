// The probe declarators on the user side: a call at a tracer module's top level in, nothing out. The compiler
// turns each call into a program; when the module runs in Node (main(), load()), the call only has to be harmless.
// (Probes may take options before the handler; the declarations in stdlib-types have the overloads.)

type AnyHandler = (ctx: never) => unknown;
type Options = { readonly optional?: boolean };

export function tracepoint(_name: string, _optionsOrHandler: Options | AnyHandler, _handler?: AnyHandler): void {}
export function rawTracepoint(_name: string, _optionsOrHandler: Options | AnyHandler, _handler?: AnyHandler): void {}
export function tpBtf(_name: string, _optionsOrHandler: Options | AnyHandler, _handler?: AnyHandler): void {}
export function uprobe(_target: string, _symbol: string, _optionsOrHandler: Options | AnyHandler, _handler?: AnyHandler): void {}
export function uretprobe(_target: string, _symbol: string, _optionsOrHandler: Options | AnyHandler, _handler?: AnyHandler): void {}
export function usdt(_target: string | number, _provider: string, _name: string, _optionsOrHandler: Options | AnyHandler, _handler?: AnyHandler): void {}
export function kprobe(_fn: string, _optionsOrHandler: Options | AnyHandler, _handler?: AnyHandler): void {}
export function kretprobe(_fn: string, _optionsOrHandler: Options | AnyHandler, _handler?: AnyHandler): void {}
export function fentry(_fn: string, _optionsOrHandler: Options | AnyHandler, _handler?: AnyHandler): void {}
export function fexit(_fn: string, _optionsOrHandler: Options | AnyHandler, _handler?: AnyHandler): void {}
export function profile(_hz: number, _handler: AnyHandler): void {}
export function interval(_ms: number, _handler: AnyHandler): void {}
export function begin(_handler: AnyHandler): void {}
export function end(_handler: AnyHandler): void {}
export function hardware(_event: string, _optionsOrHandler: Options | AnyHandler, _handler?: AnyHandler): void {}
export function software(_event: string, _optionsOrHandler: Options | AnyHandler, _handler?: AnyHandler): void {}

// What handlers ask of user space (print, time, clear, exit) exists only in kernel code.
const kernelOnly = (name: string) => (): never => {
  throw new Error(`${name}() runs in probe handlers only; on the user side, print with console.log and clear a map with map.clear()`);
};
export const print: (...args: unknown[]) => never = kernelOnly("print");
export const time: (...args: unknown[]) => never = kernelOnly("time");
export const clear: (...args: unknown[]) => never = kernelOnly("clear");
export const exit: (...args: unknown[]) => never = kernelOnly("exit");
export const probe: (...args: unknown[]) => never = kernelOnly("probe");
export const fieldExists: (...args: unknown[]) => never = kernelOnly("fieldExists");
