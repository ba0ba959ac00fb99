/**
 * `new Function(...)` (and `Function(...)`) instrumented at run time, so the functions it
 * makes migrate like any other closure.
 *
 * The runtime replaces the global `Function` (and `Function.prototype.constructor`) with a
 * wrapper that builds the source the engine would (`(function anonymous(a,b\n) {\nbody\n})`),
 * has the host's compiler instrument it once per distinct source as a tiny module under the
 * key `fn:<hash>`, and runs that module's top level for each call to get a fresh function. A
 * snapshot carries each such source; a restore compiles them again before it rebuilds the
 * heap, so closure records naming `fn:<hash>` factories find them.
 *
 * Source the compiler refuses (a `with` statement, direct eval) is left to the engine's own
 * Function: it runs, and a capture that reaches what it made fails with E_NOT_CAPTURABLE.
 * Syntax errors are the engine's too: the arguments are checked by the native Function first.
 * Not covered: indirect eval, and the GeneratorFunction / AsyncFunction constructors.
 */
import { sha256Hex } from '../../shared/lazy-crypto';
import vm from 'node:vm';

export interface DynamicEntry {
  source: string;
  module: { exports: unknown; filename: string };
  /** The module's top level (set when its code registers with the runtime). */
  main?: () => unknown;
}

export const DYNAMIC_KEY_PREFIX = 'fn:';

export class DynamicFunctions {
  readonly entries = new Map<string, DynamicEntry>();
  /** The entry whose code is being evaluated (the runtime's module() hook reads it). */
  loading: DynamicEntry | null = null;
  readonly native: FunctionConstructor = Function;

  constructor(private readonly compile: (code: string, key: string) => string) {}

  install(g: Record<string, unknown>): void {
    const self = this;
    const Native = this.native;
    const wrapper = function Function(...args: unknown[]): unknown {
      return self.make(args);
    };
    Object.defineProperty(wrapper, 'length', { value: 1 });
    // A bundler may rename the function (esbuild: `Function2`); util.inspect compares
    // a function's constructor name with 'Function' and would print the difference.
    Object.defineProperty(wrapper, 'name', { value: 'Function' });
    Object.defineProperty(wrapper, 'prototype', { value: Native.prototype, writable: false, enumerable: false, configurable: false });
    Object.defineProperty(Native.prototype, 'constructor', { value: wrapper, writable: true, enumerable: false, configurable: true });
    Object.defineProperty(g, 'Function', { value: wrapper, writable: true, enumerable: false, configurable: true });
  }

  make(args: unknown[]): unknown {
    const strings = args.map(String);
    const body = strings.length ? strings[strings.length - 1] : '';
    const source = `(function anonymous(${strings.slice(0, -1).join(',')}\n) {\n${body}\n})`;
    // (Node's crypto is loaded by the first function made from text, not with the runtime.)
    const key = DYNAMIC_KEY_PREFIX + sha256Hex(source).slice(0, 24);
    let entry = this.entries.get(key);
    if (!entry) {
      // The engine's checks (and its SyntaxError) come first.
      const check = Reflect.construct(this.native, strings) as unknown;
      try {
        entry = this.load(key, source);
      } catch {
        return check; // the compiler refused it: the engine's function
      }
    }
    entry.main!.call(undefined);
    return entry.module.exports;
  }

  /** Compiles and evaluates one source; its factories register under `key`. */
  load(key: string, source: string): DynamicEntry {
    const code = this.compile(`module.exports = ${source};`, key);
    const entry: DynamicEntry = { source, module: { exports: undefined, filename: key } };
    const fn = vm.runInThisContext(`(function (module, require) {${code}\n})`, { filename: key }) as (m: unknown, r: unknown) => void;
    this.loading = entry;
    try {
      fn(entry.module, undefined);
    } finally {
      this.loading = null;
    }
    if (!entry.main) throw new Error(`dynamic function ${key} did not register`);
    this.entries.set(key, entry);
    return entry;
  }
}
