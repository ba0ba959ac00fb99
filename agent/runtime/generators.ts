/**
 * The runtime side of resumable generators (see compiler/transform/resumable.ts).
 *
 * A generator function compiles to an ordinary function that makes its frame record and
 * returns `generator(stepFactory, frame)`: a Generator whose whole state — the frame (locals,
 * current state `$s`, temporaries, try stack `$tr`, pending completion `$pc`, delegate `$d`)
 * and the step function — is ordinary heap state, so a suspended generator migrates. The step
 * function is made once per function (by its factory, which has no records: the step takes
 * the frame and finds the outer records in it) and kept on the factory.
 *
 * The step returns what it yields (or awaits); when the function returns, or an async
 * generator yields, it leaves the value in the frame's `$rv` and returns RETURNED or
 * YIELDED; it throws to throw. `sent(frame)` at each resume point hands it what
 * next()/throw()/return() brought. Code instrumented before this made a step closure per
 * call (`gen(step, frame)`, kept in `_step`) returning [kind, value]: 0 yield or await,
 * 1 return, 2 an async generator's yield.
 *
 * What a resume brought (mode and value) is not kept in the frame: `sent` is the first thing
 * a resume state does, before any other code can run, so the driver leaves it in `resumeIn`
 * for the step it is about to call. (Frames of snapshots taken before this carry `$m`/`$v`
 * fields, always 0/undefined at a suspension: they are ignored.)
 */

/** A `return` travelling through try/finally. */
export class ReturnSignal {
  constructor(readonly value: unknown) {}
}

/** What the current resume brought: mode 0 next, 1 throw, 2 return; and the value. Taken
 *  (and cleared) by the first `sent`/`delegateStep`/`adelegateNext` of the step. */
export const resumeIn: { m: number; v: unknown } = { m: 0, v: undefined };

/** What `_drive` ended with, besides the value it returns: 0 a yield (or an await), 1 the
 *  function returned, 2 an async generator yielded. */
export const driven: { kind: number } = { kind: 0 };

/** What a step returns when the function returned, or (an async generator) yielded: the
 *  value is in the frame's `$rv`. */
export const RETURNED = Object.freeze({ returned: true });
export const YIELDED = Object.freeze({ yielded: true });

/** A compiled generator's step function, and the factory that makes it. */
export type Step = (frame: Frame) => unknown;
export type StepFactory = () => Step;
type LegacyStep = () => [number, unknown];
const STEP = Symbol('thingsjs.step');

/** The step function of a compiled generator, made by its factory on first use. */
export function stepOf(factory: StepFactory): Step {
  const f = factory as unknown as { [STEP]?: Step };
  return f[STEP] ?? (f[STEP] = factory());
}

interface Frame {
  $s: number;
  /** a return's value, or an async generator's yielded one (see RETURNED) */
  $rv: unknown;
  /** open try statements: [catch state, finally state, phase 0 try / 1 catch / 2 finally];
   *  null in a function without try statements around a yield */
  $tr: [number, number, number][] | null;
  /** completion waiting for a finally block to end: a return, a throw, or a break/continue
   *  to state `s` at try depth `d` */
  $pc: { t: 'return' | 'throw'; v: unknown } | { t: 'jump'; s: number; d: number } | null;
  $err?: unknown;
  $d?: Iterator<unknown> & { throw?: (e: unknown) => IteratorResult<unknown>; return?: (v: unknown) => IteratorResult<unknown> };
}

const SUSPENDED_START = 0;
const SUSPENDED_YIELD = 1;
const EXECUTING = 2;
const COMPLETED = 3;

export class Generator {
  /** @internal A step closure of code instrumented before `_fn` (see above). */ declare _step: LegacyStep | undefined;
  /** @internal */ declare _frame: Frame;
  /** @internal */ declare _state: number;
  /** @internal The step function (undefined in a machine of older code). */ declare _fn: Step | undefined;

  constructor(fn: Step, frame: Frame) {
    this._step = undefined;
    this._frame = frame;
    this._state = SUSPENDED_START;
    this._fn = fn;
  }

  next(value?: unknown): IteratorResult<unknown> {
    return this._resume(0, value);
  }
  throw(error: unknown): IteratorResult<unknown> {
    return this._resume(1, error);
  }
  return(value?: unknown): IteratorResult<unknown> {
    return this._resume(2, value);
  }
  [Symbol.iterator](): this {
    return this;
  }
  get [Symbol.toStringTag](): string {
    return 'Generator';
  }

  /** @internal */
  _resume(mode: number, value: unknown): IteratorResult<unknown> {
    const v = this._drive(mode, value);
    return { value: v, done: driven.kind === 1 };
  }

  /** @internal Runs the machine to its next suspension and returns the value it yields (or
   *  awaits, or returns): `driven.kind` says which. Throws when the machine throws. */
  _drive(mode: number, value: unknown): unknown {
    if (this._state === EXECUTING) throw new TypeError('Generator is already running');
    if (this._state === COMPLETED || (this._state === SUSPENDED_START && mode !== 0)) {
      this._state = COMPLETED;
      if (mode === 1) throw value;
      driven.kind = 1;
      return mode === 2 ? value : undefined;
    }
    const F = this._frame;
    resumeIn.m = mode;
    resumeIn.v = value;
    this._state = EXECUTING;
    for (;;) {
      let completion: { t: 'return' | 'throw'; v: unknown };
      try {
        const fn = this._fn;
        let v = fn !== undefined ? fn(F) : this._legacyStep();
        if (v !== RETURNED) {
          this._state = SUSPENDED_YIELD;
          if (v !== YIELDED) {
            driven.kind = 0;
            return v;
          }
          driven.kind = 2;
          return F.$rv;
        }
        v = F.$rv;
        if (noTry(F)) {
          this._state = COMPLETED;
          driven.kind = 1;
          return v;
        }
        completion = { t: 'return', v };
      } catch (e) {
        if (noTry(F)) {
          this._state = COMPLETED;
          if (e instanceof ReturnSignal) {
            driven.kind = 1;
            return e.value;
          }
          throw e;
        }
        completion = e instanceof ReturnSignal ? { t: 'return', v: e.value } : { t: 'throw', v: e };
      }
      // Route the completion through the open try statements, innermost first.
      const tr = F.$tr as [number, number, number][];
      let routed = false;
      while (tr.length) {
        const entry = tr[tr.length - 1];
        if (completion.t === 'throw' && entry[0] >= 0 && entry[2] === 0) {
          entry[2] = 1;
          F.$err = completion.v;
          F.$s = entry[0];
          routed = true;
          break;
        }
        if (entry[1] >= 0 && entry[2] < 2) {
          entry[2] = 2;
          F.$pc = completion;
          F.$s = entry[1];
          routed = true;
          break;
        }
        tr.pop();
      }
      if (routed) {
        resumeIn.m = 0;
        resumeIn.v = undefined;
        continue;
      }
      this._state = COMPLETED;
      if (completion.t === 'throw') throw completion.v;
      driven.kind = 1;
      return completion.v;
    }
  }

  /** @internal A step of older code: its [kind, value] as what the step returns now. */
  _legacyStep(): unknown {
    const r = (this._step as LegacyStep)();
    if (r[0] === 0) return r[1];
    this._frame.$rv = r[1];
    return r[0] === 1 ? RETURNED : YIELDED;
  }
}

/** A machine of older code, made with no step function: drives `step`; its frame gets the
 *  fields that code expects. */
export function withLegacyStep<G extends Generator>(g: G, step: LegacyStep): G {
  g._step = step;
  g._fn = undefined;
  g._frame.$s = 0;
  g._frame.$tr = [];
  return g;
}

function noTry(F: Frame): boolean {
  const tr = F.$tr;
  return tr === null || tr.length === 0;
}

/** What next()/throw()/return() brought to a resume point. */
export function sent(F: Frame): unknown {
  const mode = resumeIn.m;
  const v = resumeIn.v;
  resumeIn.m = 0;
  resumeIn.v = undefined;
  if (mode === 1) throw v;
  if (mode === 2) throw new ReturnSignal(v);
  return v;
}

/** After a finally block: the completion it interrupted goes on. */
export function resumeCompletion(F: Frame): never {
  const c = F.$pc as { t: 'return' | 'throw'; v: unknown };
  F.$pc = null;
  if (c.t === 'throw') throw c.v;
  throw new ReturnSignal(c.v);
}

/** break/continue out of try statements: their finally blocks run first, innermost first
 *  (F.$pc holds the jump meanwhile); then on to the target state. */
export function routeJump(F: Frame): void {
  const pc = F.$pc as { t: 'jump'; s: number; d: number };
  const tr = F.$tr as [number, number, number][];
  while (tr.length > pc.d) {
    const top = tr[tr.length - 1];
    if (top[1] >= 0 && top[2] < 2) {
      top[2] = 2;
      F.$s = top[1];
      return;
    }
    tr.pop();
  }
  F.$pc = null;
  F.$s = pc.s;
}

/** yield*: start delegating to an iterable. */
export function delegate(F: Frame, iterable: unknown): void {
  F.$d = iter(iterable) as Frame['$d'];
  resumeIn.m = 0;
  resumeIn.v = undefined;
}

/** yield*: pass the resume to the delegate; its result tells whether to yield again. */
export function delegateStep(F: Frame): IteratorResult<unknown> {
  const d = F.$d!;
  const mode = resumeIn.m;
  const v = resumeIn.v;
  resumeIn.m = 0;
  resumeIn.v = undefined;
  let r: IteratorResult<unknown>;
  if (mode === 1) {
    if (typeof d.throw !== 'function') {
      if (typeof d.return === 'function') d.return(undefined);
      throw new TypeError('The iterator does not provide a throw method');
    }
    r = d.throw(v);
  } else if (mode === 2) {
    if (typeof d.return !== 'function') throw new ReturnSignal(v);
    r = d.return(v);
    if (r.done) {
      F.$d = undefined;
      throw new ReturnSignal(r.value);
    }
  } else r = d.next(v);
  if (r.done) F.$d = undefined;
  return r;
}

/** Iteration over an array (live: sees pushes during the loop, as Array iterators do), or
 *  over a copy of a string's code points / a Map's or Set's entries. */
export class ArrayIterator {
  /** @internal */ _array: ArrayLike<unknown>;
  /** @internal */ _i: number;
  constructor(array: ArrayLike<unknown>) {
    this._array = array;
    this._i = 0;
  }
  next(): IteratorResult<unknown> {
    if (this._i < this._array.length) return { value: this._array[this._i++], done: false };
    return { value: undefined, done: true };
  }
  [Symbol.iterator](): this {
    return this;
  }
}

/** for-of in a resumable function: iterators that can be captured where Node's cannot. */
export function iter(x: unknown): Iterator<unknown> {
  if (Array.isArray(x) && (x as unknown as Record<symbol, unknown>)[Symbol.iterator] === Array.prototype[Symbol.iterator]) return new ArrayIterator(x);
  if (typeof x === 'string') return new ArrayIterator([...x]);
  if (x instanceof Map && x[Symbol.iterator] === Map.prototype[Symbol.iterator]) return new ArrayIterator([...x]);
  if (x instanceof Set && x[Symbol.iterator] === Set.prototype[Symbol.iterator]) return new ArrayIterator([...x]);
  if (x === null || x === undefined) throw new TypeError(`${String(x)} is not iterable`);
  const f = (x as Record<symbol, unknown>)[Symbol.iterator];
  if (typeof f !== 'function') throw new TypeError(`${typeof x === 'object' ? 'object' : String(x)} is not iterable`);
  return f.call(x) as Iterator<unknown>;
}

/** for-in in a resumable function: the keys at loop start; deleted ones are skipped. */
export class KeysIterator {
  /** @internal */ _obj: object;
  /** @internal */ _keys: string[];
  /** @internal */ _i: number;
  constructor(obj: object, keys: string[]) {
    this._obj = obj;
    this._keys = keys;
    this._i = 0;
  }
  next(): IteratorResult<unknown> {
    while (this._i < this._keys.length) {
      const k = this._keys[this._i++];
      if (k in this._obj) return { value: k, done: false };
    }
    return { value: undefined, done: true };
  }
}

export function keys(x: unknown): KeysIterator {
  const obj = Object(x ?? {}) as object;
  const list: string[] = [];
  if (x !== null && x !== undefined) for (const k in obj) list.push(k);
  return new KeysIterator(obj, list);
}

/** Runtime classes whose instances are program state: encoded field by field. */
export const RUNTIME_CLASSES: Record<string, { prototype: object; fields: string[] }> = {
  Generator: { prototype: Generator.prototype, fields: ['_step', '_frame', '_state', '_fn'] },
  ArrayIterator: { prototype: ArrayIterator.prototype, fields: ['_array', '_i'] },
  KeysIterator: { prototype: KeysIterator.prototype, fields: ['_obj', '_keys', '_i'] },
};
