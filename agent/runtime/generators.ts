/**
 * The runtime side of resumable generators (see compiler/transform/resumable.ts).
 *
 * A generator function compiles to an ordinary function that makes its frame record and
 * returns `gen(step, frame)`: a Generator whose whole state — the frame (locals, current
 * state `$s`, temporaries, try stack `$tr`, pending completion `$pc`, delegate `$d`) and the
 * step closure — is ordinary heap state, so a suspended generator migrates.
 *
 * The step function returns [0, value] to yield and [1, value] to return; it throws to throw.
 * (An async generator's step also returns [2, value] for a yield; [0, value] is an await.)
 * `sent(frame)` at each resume point hands it what next()/throw()/return() brought.
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

interface Frame {
  $s: number;
  /** open try statements: [catch state, finally state, phase 0 try / 1 catch / 2 finally] */
  $tr: [number, number, number][];
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
  /** @internal */ declare _step: () => [number, unknown];
  /** @internal */ declare _frame: Frame;
  /** @internal */ declare _state: number;

  constructor(step: () => [number, unknown], frame: Frame) {
    this._step = step;
    this._frame = frame;
    this._state = SUSPENDED_START;
    frame.$s = 0;
    frame.$tr = [];
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
    const r = this._drive(mode, value);
    return { value: r[1], done: r[0] === 1 };
  }

  /** @internal Runs the machine to its next suspension: the step's [0, value] for a yield (an
   *  await, in an async function; [2, value] for an async generator's yield), [1, value]
   *  when it returns; throws when it throws. */
  _drive(mode: number, value: unknown): [number, unknown] {
    if (this._state === EXECUTING) throw new TypeError('Generator is already running');
    if (this._state === COMPLETED || (this._state === SUSPENDED_START && mode !== 0)) {
      this._state = COMPLETED;
      if (mode === 1) throw value;
      return [1, mode === 2 ? value : undefined];
    }
    const F = this._frame;
    resumeIn.m = mode;
    resumeIn.v = value;
    this._state = EXECUTING;
    for (;;) {
      let completion: { t: 'return' | 'throw'; v: unknown };
      try {
        const r = this._step();
        if (r[0] !== 1) {
          this._state = SUSPENDED_YIELD;
          return r;
        }
        if (F.$tr.length === 0) {
          this._state = COMPLETED;
          return r;
        }
        completion = { t: 'return', v: r[1] };
      } catch (e) {
        if (F.$tr.length === 0) {
          this._state = COMPLETED;
          if (e instanceof ReturnSignal) return [1, e.value];
          throw e;
        }
        completion = e instanceof ReturnSignal ? { t: 'return', v: e.value } : { t: 'throw', v: e };
      }
      // Route the completion through the open try statements, innermost first.
      let routed = false;
      while (F.$tr.length) {
        const entry = F.$tr[F.$tr.length - 1];
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
        F.$tr.pop();
      }
      if (routed) {
        resumeIn.m = 0;
        resumeIn.v = undefined;
        continue;
      }
      this._state = COMPLETED;
      if (completion.t === 'throw') throw completion.v;
      return [1, completion.v];
    }
  }
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
  while (F.$tr.length > pc.d) {
    const top = F.$tr[F.$tr.length - 1];
    if (top[1] >= 0 && top[2] < 2) {
      top[2] = 2;
      F.$s = top[1];
      return;
    }
    F.$tr.pop();
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
  Generator: { prototype: Generator.prototype, fields: ['_step', '_frame', '_state'] },
  ArrayIterator: { prototype: ArrayIterator.prototype, fields: ['_array', '_i'] },
  KeysIterator: { prototype: KeysIterator.prototype, fields: ['_obj', '_keys', '_i'] },
};
