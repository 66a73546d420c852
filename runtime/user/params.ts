// User-side `param(name, default)`: the value the runner set for the tracer being loaded (setParamValues, before
// importing the module) in, converted to the default's type; the default when none was set.

import { type ParamValue, registry } from "./registry.ts";

export function param<T extends ParamValue>(name: string, defaultValue: T): T {
  const v = registry().params.get(name);
  if (v === undefined) return defaultValue;
  switch (typeof defaultValue) {
    case "bigint":
      return (typeof v === "boolean" ? BigInt(v ? 1 : 0) : BigInt(v)) as T;
    case "number":
      return Number(v) as T;
    default:
      return (typeof v === "boolean" ? v : v !== 0 && v !== 0n) as T;
  }
}
