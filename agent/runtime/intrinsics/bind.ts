/**
 * Bound functions. The engine does not reveal a bound function's target, `this` and bound
 * arguments, so the runtime patches `Function.prototype.bind` (before any program code)
 * to stamp each bound function it makes with them, in a private field: no key, nothing in
 * `util.inspect`, and no side table (a WeakMap keyed by every bound function costs an
 * order of magnitude more: ephemeron work for the GC on every short-lived bound function).
 *
 * The patched `bind` is the program's `Function.prototype.bind`: same name and length; the
 * bound functions it returns are the engine's own (name `bound f`, length, `new` behaviour).
 * It is registered in the built-in table by path like every built-in, so a snapshot names
 * it `Function.prototype.bind` and never contains it.
 *
 * A snapshot stores a bound function as a `B` record (target, this, arguments) and a
 * restore binds again, through the patched bind, so the restored function can be captured
 * once more.
 */

const nativeBind = Function.prototype.bind;
const EMPTY: readonly unknown[] = Object.freeze([]);

class ReturnTarget {
  constructor(target: object) {
    return target;
  }
}
class BoundTag extends ReturnTarget {
  #target: unknown;
  #thisArg: unknown;
  #args: readonly unknown[];
  constructor(fn: object, target: unknown, thisArg: unknown, args: readonly unknown[]) {
    super(fn);
    this.#target = target;
    this.#thisArg = thisArg;
    this.#args = args;
  }
  static of(fn: unknown): BoundParts | undefined {
    if (typeof fn !== 'function' || !(#target in fn)) return undefined;
    const t = fn as unknown as BoundTag;
    return { target: t.#target as (...a: unknown[]) => unknown, thisArg: t.#thisArg, args: t.#args };
  }
}

export interface BoundParts {
  target: (...a: unknown[]) => unknown;
  thisArg: unknown;
  args: readonly unknown[];
}

/** Target, `this` and bound arguments of a function made by (the patched) bind. */
export function boundParts(fn: unknown): BoundParts | undefined {
  return BoundTag.of(fn);
}

function bindNative(target: unknown, thisArg: unknown, args: readonly unknown[]): (...a: unknown[]) => unknown {
  // Fixed arities avoid the spread call, which is slow in Node 20.
  switch (args.length) {
    case 0:
      return nativeBind.call(target as () => unknown, thisArg);
    case 1:
      return nativeBind.call(target as () => unknown, thisArg, args[0]);
    case 2:
      return nativeBind.call(target as () => unknown, thisArg, args[0], args[1]);
    default:
      return nativeBind.call(target as () => unknown, thisArg, ...args);
  }
}

/** Binds `target` like `target.bind(thisArg, ...args)` and remembers the parts. */
export function bindTracked(target: unknown, thisArg: unknown, args: readonly unknown[]): (...a: unknown[]) => unknown {
  const f = bindNative(target, thisArg, args);
  new BoundTag(f, target, thisArg, args.length ? args : EMPTY);
  return f;
}

let installed = false;

/** Patches Function.prototype.bind. Idempotent; call before the built-in table is taken. */
export function installBind(): void {
  if (installed) return;
  installed = true;
  const bind = {
    bind(this: unknown, thisArg: unknown, ...args: unknown[]): unknown {
      // A non-callable `this` throws the engine's own TypeError here, before any stamp.
      const f = bindNative(this, thisArg, args);
      new BoundTag(f, this, thisArg, args.length ? args : EMPTY);
      return f;
    },
  }.bind;
  Object.defineProperty(Function.prototype, 'bind', { value: bind, writable: true, enumerable: false, configurable: true });
}
