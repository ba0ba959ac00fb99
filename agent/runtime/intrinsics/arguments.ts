/**
 * Mapped `arguments` for parameters that live in environment records.
 *
 * In a sloppy-mode function, `arguments[i]` and the i-th parameter are one variable (for
 * arguments actually passed). When a closure captures such a parameter, the compiler moves
 * it into the function's record; `margs` then turns the record field into an accessor over
 * `arguments[i]`, so both names still see one value. The accessors are closures of runtime
 * factories (RUNTIME_FACTORIES in ../promises.ts): the record, the arguments object and the
 * mapping all migrate.
 */
let tag: (fn: object, record: unknown[]) => void = () => undefined;

export function setArgumentsTagger(t: (fn: object, record: unknown[]) => void): void {
  tag = t;
}

export function makeArgGet(args: IArguments, i: number): () => unknown {
  const get = (): unknown => args[i];
  tag(get, [makeArgGet, -1, args, i]);
  return get;
}

export function makeArgSet(args: IArguments, i: number): (v: unknown) => void {
  const set = (v: unknown): void => {
    args[i] = v;
  };
  tag(set, [makeArgSet, -1, args, i]);
  return set;
}

/** names[i]: the record field of parameter i, or 0 for a parameter left native. */
export function margs(record: object, args: IArguments, names: (string | 0)[]): void {
  const n = Math.min(args.length, names.length);
  for (let i = 0; i < n; i++) {
    const name = names[i];
    if (name === 0) continue;
    Object.defineProperty(record, name, { get: makeArgGet(args, i), set: makeArgSet(args, i), enumerable: true, configurable: true });
  }
}
