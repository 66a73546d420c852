// The base of every user-side map object: a class name in; registration with the capture, the bind protocol, and
// access to the bound spec and backend out (or a clear error while the object is not bound).

import type { MapSpec } from "../../core/object/spec.ts";
import type { EventBackend, MapBackend } from "./backend.ts";
import { BIND, type Bindable, CLASS, registerDeclaration } from "./registry.ts";

/** "a HashMap", "an ArrayMap", "an avg". */
export const aOr = (word: string): string => `${/^[AEIOUaeiou]/.test(word) ? "an" : "a"} ${word}`;

interface Binding<B> {
  readonly spec: MapSpec;
  readonly backend: B;
}

export abstract class Declared<B extends MapBackend | EventBackend> implements Bindable {
  readonly #class: string;
  #binding: Binding<B> | undefined;

  protected constructor(className: string) {
    this.#class = className;
    registerDeclaration(this);
  }

  get [CLASS](): string {
    return this.#class;
  }

  /** Binds this object to the map `spec` describes; checks that the spec is a map of this class. */
  [BIND](spec: MapSpec, backend: MapBackend | EventBackend): void {
    const wrong = this.mismatch(spec);
    if (wrong) throw new Error(`cannot bind ${aOr(this.#class)} to map ${spec.name}: ${wrong}`);
    this.#binding = { spec, backend: backend as B };
  }

  /** Why `spec` cannot back an object of this class, or undefined when it can. */
  protected abstract mismatch(spec: MapSpec): string | undefined;

  protected get spec(): MapSpec {
    return this.bound().spec;
  }

  protected get backend(): B {
    return this.bound().backend;
  }

  /** The name of the map this object is bound to, for messages ("a HashMap" before binding). */
  protected get label(): string {
    return this.#binding ? this.#binding.spec.name : aOr(this.#class);
  }

  /** The error of a method that only exists in probe handlers. */
  protected kernelOnly(method: string, instead: string): Error {
    return new Error(`${this.#class}.${method}() runs in probe handlers only; on the user side, ${instead}`);
  }

  private bound(): Binding<B> {
    if (this.#binding) return this.#binding;
    throw new Error(
      `this ${this.#class} is not bound to a kernel map: user-side map objects work only when the tracer module declares ` +
        "them at its top level and runs under `tsbpf run` or `load()`. This one was constructed elsewhere (inside " +
        "main() or another function, or by a module that was not loaded as a tracer), or used before the tracer was loaded.",
    );
  }
}
