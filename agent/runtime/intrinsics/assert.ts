/**
 * `assert.rejects` / `assert.doesNotReject` (also on `assert.strict`), with a wait the
 * runtime can capture.
 *
 * Node's versions are async functions: while the promise they were given is pending, Node's
 * own await holds the continuation, so a capture in that window failed. These wait with
 * runtime closures on the runtime's promise; once it has settled they hand Node's function
 * an engine promise already settled the same way, so the check, the AssertionError and its
 * message are Node's (that last step takes only microtasks: no capture point falls in it).
 * Arguments Node rejects before waiting go straight to Node's function. Installed when assert
 * is first required (ensureAssert).
 */
import { types } from 'node:util';

type Fn = (...args: unknown[]) => unknown;
type Which = 'rejects' | 'doesNotReject';
type PromiseCtor = { resolve(v: unknown): { then(f: Fn, r: Fn): unknown } };

const EnginePromise = globalThis.Promise; // taken before the runtime installs its own
let tag: (fn: object, record: unknown[]) => void = () => undefined;
const nodeFns: Partial<Record<Which, Fn>> = {};
let assertModule: unknown;

/** Node words its "missing/unwanted" failures 'rejection' only when called as the
 *  `assert.rejects`/`doesNotReject` of the module object, which is now this wrapper. */
function asRejection(err: unknown): unknown {
  const e = err as { code?: unknown; message?: unknown; stack?: unknown } | null;
  const old = e?.message;
  if (!e || e.code !== 'ERR_ASSERTION' || typeof old !== 'string') return err;
  for (const prefix of ['Missing expected exception', 'Got unwanted exception']) {
    if (!old.startsWith(prefix)) continue;
    const message = prefix.replace('exception', 'rejection') + old.slice(prefix.length);
    if (typeof e.stack === 'string') e.stack = e.stack.replace(old, message);
    e.message = message;
  }
  return err;
}

/** Settles the assertion once the awaited promise has: `st` is { which, args }. */
export function makeAssertOutcome(st: { which: Which; args: unknown[] }, rejected: boolean): Fn {
  ensureAssert(); // a restore may make this before anything requires assert
  const fn = (v: unknown): unknown => {
    const settled = rejected ? EnginePromise.reject(v) : EnginePromise.resolve(v);
    const r = Reflect.apply(nodeFns[st.which] as Fn, assertModule, [settled, ...st.args]);
    // Only a fulfilled promise for rejects, a rejected one for doesNotReject, fail that way.
    if ((st.which === 'rejects') === rejected) return r;
    return EnginePromise.prototype.then.call(r, undefined, (err: unknown) => {
      throw err === v ? err : asRejection(err);
    });
  };
  tag(fn, [makeAssertOutcome, -1, st, rejected]);
  return fn;
}

/** Node's checkIsPromise. */
const promiseLike = (o: unknown): boolean =>
  types.isPromise(o) || (o !== null && typeof o === 'object' && typeof (o as { then?: unknown }).then === 'function' && typeof (o as { catch?: unknown }).catch === 'function');

let load: (() => Record<string, unknown>) | undefined;
let promiseCtor: PromiseCtor;

/** Loading assert takes milliseconds at every start: the patch waits until the program (or a
 *  restore) needs it. */
export function setupAssert(loader: () => Record<string, unknown>, tagger: (fn: object, record: unknown[]) => void, P: PromiseCtor): void {
  load = loader;
  tag = tagger;
  promiseCtor = P;
}

/** Installs the patch the first time; true then. */
export function ensureAssert(): boolean {
  if (!load) return false;
  const loader = load;
  load = undefined; // once (loading it comes back here through the require hook)
  const assert = loader();
  const P = promiseCtor;
  assertModule = assert;
  const strict = assert.strict as Record<string, unknown> | undefined;
  for (const which of ['rejects', 'doesNotReject'] as const) {
    const nodeFn = assert[which] as Fn;
    if (typeof nodeFn !== 'function') continue;
    nodeFns[which] = nodeFn;
    const fn = {
      [which](promiseFn: unknown, ...args: unknown[]): unknown {
        let actual = promiseFn;
        if (typeof promiseFn === 'function') {
          try {
            actual = promiseFn();
          } catch (e) {
            return nodeFn(() => {
              throw e;
            }, ...args);
          }
          if (!promiseLike(actual)) return nodeFn(() => actual, ...args);
        } else if (!promiseLike(promiseFn)) return nodeFn(promiseFn, ...args);
        const st = { which, args };
        return P.resolve(actual).then(makeAssertOutcome(st, false), makeAssertOutcome(st, true));
      },
    }[which];
    for (const o of [assert, strict]) {
      if (!o || o[which] !== nodeFn) continue;
      const d = Object.getOwnPropertyDescriptor(o, which);
      Object.defineProperty(o, which, { value: fn, writable: d?.writable ?? true, enumerable: d?.enumerable ?? true, configurable: true });
    }
  }
  return true;
}
