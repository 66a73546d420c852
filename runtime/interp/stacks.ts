// BPF_MAP_TYPE_STACK_TRACE in the VM: a MapSpec in, a map handle out that bpf_get_stackid accepts. The VM has no
// stacks to walk, so it stores none: the stack id a program gets comes from the test's environment (stackId).

import type { MapSpec } from "../../core/object/spec.ts";
import type { VmMap } from "./vm.ts";

export class MockStackTraceMap implements VmMap {
  readonly name: string;

  constructor(readonly spec: MapSpec) {
    if (spec.type !== "stack_trace") throw new Error(`map ${spec.name}: a ${spec.type} map is not a stack trace map`);
    this.name = spec.name;
  }
}
