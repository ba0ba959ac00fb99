/**
 * Async generators and `for await` in resumable functions (compiler/transform/resumable.ts).
 *
 * An async generator function compiles like a generator: a machine (Generator) over its
 * frame. Its step suspends for two reasons: an `await` (the step returns the value) and a
 * `yield` (`driven.kind` 2; the compiler awaits the operand first, as the specification
 * does; code instrumented before that reports [0, AsyncYield]). The AsyncGen object below is what the program sees: next/throw/return queue requests and return
 * promises; the driver runs the machine, settles the oldest request at each yield or at the
 * end, and resumes it after each await. Everything — the queue, the machine, the resume
 * callbacks (runtime factory closures) — is heap state, so a suspended async generator, and
 * a `for await` loop waiting on one, migrate.
 */
import { Generator, RUNTIME_CLASSES, ReturnSignal, driven, iter, resumeIn, stepOf, withLegacyStep, type StepFactory } from './generators';
import { agAwait, pendingPromise, rejectPromise, resolvePromise, RtPromise, type Tagger } from './promises';

let tag: Tagger = () => undefined;
export function setAsyncGeneratorTagger(t: Tagger): void {
  tag = t;
}

/** A yield as code instrumented before YIELDED reported it ([0, AsyncYield]). */
export class AsyncYield {
  /** @internal */ _v: unknown;
  constructor(v: unknown) {
    this._v = v;
  }
}
export const asyncYield = (v: unknown): AsyncYield => new AsyncYield(v);

interface Request {
  m: number; // 0 next, 1 throw, 2 return
  v: unknown;
  p: RtPromise;
}

const START = 0;
const SUSPENDED = 1; // at a yield
const RUNNING = 2; // executing, or waiting on an await
const DONE = 3;
const RETURNING = 4; // completed, awaiting the value of a return() request

export class AsyncGen {
  /** @internal */ declare _gen: Generator;
  /** @internal */ declare _queue: Request[];
  /** @internal */ declare _state: number;
  constructor(gen: Generator) {
    this._gen = gen;
    this._queue = [];
    this._state = START;
  }
  next(v?: unknown): RtPromise {
    return enqueue(this, 0, v);
  }
  throw(e?: unknown): RtPromise {
    return enqueue(this, 1, e);
  }
  return(v?: unknown): RtPromise {
    return enqueue(this, 2, v);
  }
  [Symbol.asyncIterator](): this {
    return this;
  }
  get [Symbol.toStringTag](): string {
    return 'AsyncGenerator';
  }
}
/** While its machine awaits, an AsyncGen is the reaction on the awaited promise: a job kind of
 *  promises.ts (JOB_ASYNC_GEN) resumes it with agResume. */
(AsyncGen.prototype as unknown as { _k: number })._k = 2;

export function asyncGenerator(factory: StepFactory, frame: object): AsyncGen {
  return new AsyncGen(new Generator(stepOf(factory), frame as never));
}
/** The same for code instrumented before (a step closure per call). */
export function runAsyncGenerator(step: () => [number, unknown], frame: object): AsyncGen {
  return new AsyncGen(withLegacyStep(new Generator(undefined as never, frame as never), step));
}

function enqueue(g: AsyncGen, m: number, v: unknown): RtPromise {
  const p = pendingPromise();
  if (!(g instanceof AsyncGen)) {
    rejectPromise(p, new TypeError('next method called on an object that is not an async generator'));
    return p;
  }
  g._queue.push({ m, v, p });
  if (g._state !== RUNNING && g._state !== RETURNING) drain(g);
  return p;
}

/** Serves queued requests while the generator is not running. */
function drain(g: AsyncGen): void {
  while (g._queue.length && g._state !== RUNNING && g._state !== RETURNING) {
    const req = g._queue[0];
    if (g._state === START && req.m !== 0) g._state = DONE;
    if (g._state === DONE) {
      if (req.m === 0) {
        g._queue.shift();
        resolvePromise(req.p, { value: undefined, done: true });
      } else if (req.m === 1) {
        g._queue.shift();
        rejectPromise(req.p, req.v);
      } else {
        g._state = RETURNING;
        RtPromise.resolve(req.v).then(makeAgReturned(g, false), makeAgReturned(g, true));
      }
      continue;
    }
    g._state = RUNNING;
    if (req.m === 2) {
      // return() at a yield: the value is awaited, then returns through the finally blocks.
      RtPromise.resolve(req.v).then(makeAgResume(g, 2), makeAgResume(g, 1));
      return;
    }
    run(g, req.m, req.v);
  }
}

function run(g: AsyncGen, mode: number, value: unknown): void {
  let v: unknown;
  try {
    v = g._gen._drive(mode, value);
  } catch (e) {
    g._state = DONE;
    rejectPromise((g._queue.shift() as Request).p, e);
    drain(g);
    return;
  }
  const kind = driven.kind;
  if (kind === 1) {
    g._state = DONE;
    resolvePromise((g._queue.shift() as Request).p, { value: v, done: true });
    drain(g);
  } else if (kind === 2 || (v instanceof AsyncYield && g._gen._fn === undefined)) {
    g._state = SUSPENDED;
    resolvePromise((g._queue.shift() as Request).p, { value: kind === 2 ? v : (v as AsyncYield)._v, done: false });
    drain(g);
  } else {
    agAwait(v, g);
  }
}
export { run as agResume };

export function makeAgResume(g: AsyncGen, mode: number): (v: unknown) => void {
  const fn = (v: unknown): void => run(g, mode, v);
  tag(fn, makeAgResume, g, mode);
  return fn;
}

/** return() on a finished generator: settles with the awaited value. */
export function makeAgReturned(g: AsyncGen, rejected: boolean): (v: unknown) => void {
  const fn = (v: unknown): void => {
    g._state = DONE;
    const req = g._queue.shift() as Request;
    if (rejected) rejectPromise(req.p, v);
    else resolvePromise(req.p, { value: v, done: true });
    drain(g);
  };
  tag(fn, makeAgReturned, g, rejected);
  return fn;
}

// ---- for await ---------------------------------------------------------------------------

/** A sync iterator used by `for await` / `yield*` in an async generator: values are awaited. */
export class AsyncFromSyncIterator {
  /** @internal */ _it: Iterator<unknown> & { return?: (v?: unknown) => IteratorResult<unknown>; throw?: (e?: unknown) => IteratorResult<unknown> };
  constructor(it: AsyncFromSyncIterator['_it']) {
    this._it = it;
  }
  next(v?: unknown): RtPromise {
    return fromSync(() => this._it.next(v));
  }
  return(v?: unknown): RtPromise {
    const it = this._it;
    if (typeof it.return !== 'function') return RtPromise.resolve({ value: v, done: true });
    return fromSync(() => (it.return as (v?: unknown) => IteratorResult<unknown>)(v));
  }
  throw(e?: unknown): RtPromise {
    const it = this._it;
    if (typeof it.throw !== 'function') return RtPromise.reject(e);
    return fromSync(() => (it.throw as (e?: unknown) => IteratorResult<unknown>)(e));
  }
}

function fromSync(call: () => IteratorResult<unknown>): RtPromise {
  let r: IteratorResult<unknown>;
  try {
    r = call();
    if (Object(r) !== r) throw new TypeError(`Iterator result ${String(r)} is not an object`);
  } catch (e) {
    return RtPromise.reject(e);
  }
  return RtPromise.resolve(r.value).then(makeAsyncFromSyncDone(!!r.done));
}

export function makeAsyncFromSyncDone(done: boolean): (v: unknown) => IteratorResult<unknown> {
  const fn = (value: unknown): IteratorResult<unknown> => ({ value, done }) as IteratorResult<unknown>;
  tag(fn, makeAsyncFromSyncDone, done);
  return fn;
}

/** GetIterator(x, async). */
export function aiter(x: unknown): unknown {
  if (x === null || x === undefined) throw new TypeError(`${String(x)} is not async iterable`);
  const af = (x as Record<symbol, unknown>)[Symbol.asyncIterator];
  if (af !== undefined && af !== null) {
    if (typeof af !== 'function') throw new TypeError('Symbol.asyncIterator is not a function');
    const it = af.call(x);
    if (Object(it) !== it) throw new TypeError('Result of the Symbol.asyncIterator method is not an object');
    return it;
  }
  if (typeof (x as Record<symbol, unknown>)[Symbol.iterator] !== 'function') throw new TypeError(`${typeof x === 'object' ? 'object' : String(x)} is not async iterable`);
  // iter(): arrays, strings, Maps and Sets get iterators a snapshot can hold.
  return new AsyncFromSyncIterator(iter(x) as AsyncFromSyncIterator['_it']);
}

/** The result of an awaited next(): must be an object. */
export function astep(r: unknown): IteratorResult<unknown> {
  if (Object(r) !== r) throw new TypeError(`Iterator result ${String(r)} is not an object`);
  return r as IteratorResult<unknown>;
}

/** IteratorClose / AsyncIteratorClose for a loop left early: calls return() if there is one
 *  (for an async iterator, the caller awaits what this returns). */
export function closeIter(it: { return?: () => unknown }): unknown {
  const ret = it.return;
  if (ret === undefined || ret === null) return undefined;
  if (typeof ret !== 'function') throw new TypeError('iterator.return is not a function');
  return ret.call(it);
}

// ---- yield* in an async generator ----------------------------------------------------------

interface DelegateFrame {
  $d?: unknown;
  $dm?: number;
}

/** yield*: start delegating to an async iterable. */
export function adelegate(F: DelegateFrame, iterable: unknown): void {
  F.$d = aiter(iterable);
  resumeIn.m = 0;
  resumeIn.v = undefined;
}

/** yield*: what to await for the request the generator was resumed with. */
export function adelegateNext(F: DelegateFrame): unknown {
  const d = F.$d as Record<string, (v: unknown) => unknown>;
  const mode = resumeIn.m;
  const v = resumeIn.v;
  resumeIn.m = 0;
  resumeIn.v = undefined;
  F.$dm = mode;
  if (mode === 1) {
    if (typeof d.throw !== 'function') {
      if (typeof d.return === 'function') d.return(undefined);
      throw new TypeError('The iterator does not provide a throw method');
    }
    return d.throw(v);
  }
  if (mode === 2) {
    if (typeof d.return !== 'function') throw new ReturnSignal(v);
    return d.return(v);
  }
  return d.next(v);
}

/** yield*: after the awaited result; a done result of a return() request returns. */
export function adelegateDone(F: DelegateFrame, r: unknown): boolean {
  const res = astep(r);
  if (!res.done) return false;
  F.$d = undefined;
  if (F.$dm === 2) throw new ReturnSignal(res.value);
  return true;
}

Object.assign(RUNTIME_CLASSES, {
  AsyncGen: { prototype: AsyncGen.prototype, fields: ['_gen', '_queue', '_state'] },
  AsyncYield: { prototype: AsyncYield.prototype, fields: ['_v'] },
  AsyncFromSyncIterator: { prototype: AsyncFromSyncIterator.prototype, fields: ['_it'] },
});
