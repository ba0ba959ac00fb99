/**
 * WeakMap, WeakSet and WeakRef in snapshots.
 *
 * Weak collections cannot be enumerated, and tracking their keys as the program adds them
 * is expensive (measured: a side registry keyed by every key makes `set` of a new key 3-5x
 * and "new WeakMap per object" 30x slower, because every entry doubles the ephemeron work
 * of the GC, and a WeakRef per key is worse). So the program's WeakMap/WeakSet are left
 * entirely native (zero cost on set/get/has) and the capture does the work instead: once
 * the strongly reachable graph is encoded, every reachable weak collection is asked
 * `has(key)` for every reachable object, function and unique symbol, plus the built-ins
 * and well-known symbols (always reachable). A hit is an entry to keep; its value may make
 * more objects reachable, which are asked in turn, to a fixed point. Each (collection, key)
 * pair is asked once: the cost is (weak collections reached) x (objects reached), paid at
 * capture only. Entries whose keys only the weak collection knows are dropped: the program
 * could never look them up again.
 *
 * A WeakRef keeps its target when the target is reachable by the same rule; otherwise it is
 * restored "cleared". A cleared WeakRef is a real WeakRef to a private sentinel that
 * `WeakRef.prototype.deref` (patched at install, one comparison) reports as `undefined`.
 *
 * A FinalizationRegistry cannot be captured (its registrations cannot be read).
 */

const nativeWeakMapHas = WeakMap.prototype.has;
const nativeWeakMapGet = WeakMap.prototype.get;
const nativeWeakMapSet = WeakMap.prototype.set;
const nativeWeakSetHas = WeakSet.prototype.has;
const nativeWeakSetAdd = WeakSet.prototype.add;
const NativeWeakRef = typeof WeakRef === 'function' ? WeakRef : undefined;
const nativeDeref = NativeWeakRef?.prototype.deref;
const nativeUnregister = typeof FinalizationRegistry === 'function' ? FinalizationRegistry.prototype.unregister : undefined;
const objectToString = Object.prototype.toString;
const isPrototypeOf = Object.prototype.isPrototypeOf;

/** What a cleared WeakRef points at. Never given to the program. */
const CLEARED: object = Object.freeze(Object.create(null));

export function weakMapHas(m: object, k: unknown): boolean {
  return nativeWeakMapHas.call(m as WeakMap<object, unknown>, k as object);
}
export function weakMapGet(m: object, k: unknown): unknown {
  return nativeWeakMapGet.call(m as WeakMap<object, unknown>, k as object);
}
export function weakMapSet(m: object, k: unknown, v: unknown): void {
  nativeWeakMapSet.call(m as WeakMap<object, unknown>, k as object, v);
}
export function weakSetHas(s: object, k: unknown): boolean {
  return nativeWeakSetHas.call(s as WeakSet<object>, k as object);
}
export function weakSetAdd(s: object, k: unknown): void {
  nativeWeakSetAdd.call(s as WeakSet<object>, k as object);
}

/**
 * True for a real WeakRef. The brand check throws for anything else, which is far too slow
 * to do on every object, so it only runs on objects that look like WeakRefs (their tag or
 * prototype chain): a WeakRef whose prototype the program replaced by an unrelated object
 * is not recognised (and is captured as an ordinary object).
 */
export function isWeakRef(o: object): boolean {
  if (!NativeWeakRef || !nativeDeref) return false;
  if (objectToString.call(o) !== '[object WeakRef]' && !isPrototypeOf.call(NativeWeakRef.prototype, o)) return false;
  try {
    nativeDeref.call(o as WeakRef<object>);
    return true;
  } catch {
    return false;
  }
}

export function isFinalizationRegistry(o: object): boolean {
  if (!nativeUnregister || objectToString.call(o) !== '[object FinalizationRegistry]') return false;
  try {
    nativeUnregister.call(o as FinalizationRegistry<unknown>, {});
    return true;
  } catch {
    return false;
  }
}

/** The target of a WeakRef, or undefined when it was collected or is a cleared restore. */
export function weakRefTarget(r: object): unknown {
  const t = nativeDeref!.call(r as WeakRef<object>);
  return t === CLEARED ? undefined : t;
}

/** A WeakRef to `target`, or a cleared one when target is undefined. */
export function makeWeakRef(target: unknown): object {
  if (!NativeWeakRef) throw new Error('WeakRef is not available on this Node.js');
  return new NativeWeakRef((target === undefined ? CLEARED : target) as object);
}

let installed = false;

/** Patches WeakRef.prototype.deref so cleared restored WeakRefs read as undefined.
 *  Idempotent; call before the built-in table is taken. */
export function installWeak(): void {
  if (installed || !NativeWeakRef || !nativeDeref) return;
  installed = true;
  const deref = {
    deref(this: WeakRef<object>): object | undefined {
      const t = nativeDeref.call(this);
      return t === CLEARED ? undefined : t;
    },
  }.deref;
  Object.defineProperty(NativeWeakRef.prototype, 'deref', { value: deref, writable: true, enumerable: false, configurable: true });
}
