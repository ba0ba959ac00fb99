/**
 * Promises the program can migrate, and the driver of resumable async functions.
 *
 * The runtime installs `Promise` as a JavaScript implementation of the specification's
 * algorithm whose state (status, value, reactions) is in ordinary fields, so a pending promise
 * and whatever waits on it are heap state. Reaction jobs run in microtask order, exactly where
 * the engine would run them, so interleavings match native ones (see "The job queue" below).
 * At a capture point (an event-loop turn boundary) no job is queued, so jobs never need
 * capturing.
 *
 * An `await` in a resumable async function (or async generator) does not go through `then`:
 * the AsyncCall (AsyncGen) itself is the reaction on the awaited promise, as the engine's
 * PerformPromiseThen does it (no derived promise, no resume closures).
 *
 * The functions this module hands out (a promise's resolve/reject, an async function's resume
 * callbacks) are closures of runtime factories, tagged like program closures, so a snapshot
 * names them by factory and rebuilds them (see RUNTIME_FACTORIES).
 */
import { inspect } from 'node:util';
import { makeOnceListener } from './intrinsics/events-once';
import { makePromisified, makePromisifyCallback } from './intrinsics/promisify';
import { makeAssertOutcome } from './intrinsics/assert';
import { Generator, RUNTIME_CLASSES, driven, stepOf, withLegacyStep, type Step, type StepFactory } from './generators';
import { makeOnce } from './intrinsics/once';
import { makeArgGet, makeArgSet } from './intrinsics/arguments';
import { AsyncGen, agResume, makeAgResume, makeAgReturned, makeAsyncFromSyncDone } from './async-generators';

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

type Handler = ((v: unknown) => unknown) | undefined;

/** A `then` reaction (a plain record: snapshots hold these in pending promises' lists). */
interface Reaction {
  /** the derived promise (or null for internal reactions) */
  p: RtPromise | null;
  f: Handler;
  r: Handler;
}
/** What can wait on a promise: a `then` reaction (the derived promise itself, holding the
 *  handlers; or, in snapshots taken before that, a Reaction record), a suspended async
 *  function or async generator, resumed with the outcome, or a combinator's or finally()'s
 *  record. Their prototypes carry the job kind `_k`. */
type Subscriber = Reaction | RtPromise | AsyncMachine | AsyncCall | AsyncGen | ElementReaction | FinallyReaction | OutcomeReaction;
/** One waiter, or several in subscription order (a list holds two or more). */
type Reactions = Subscriber | Subscriber[] | null;

/** Set by the runtime: stamps a runtime closure with [factory, -1, ...args], given as the
 *  array or (up to two args) as `tag(fn, factory, a, b)` (runtime ClosureTag). */
export type Tagger = (fn: object, record: unknown[] | ((...a: never[]) => unknown), a?: unknown, b?: unknown) => void;
let tag: Tagger = () => undefined;
export function setClosureTagger(t: Tagger): void {
  tag = t;
}

const nativeQueueMicrotask = globalThis.queueMicrotask;
const nativeSetImmediate = globalThis.setImmediate;

/** Rejections not handled by the end of the turn crash the program, as in Node. */
const unhandled = new Set<RtPromise>();
let checkScheduled = false;
function scheduleUnhandledCheck(): void {
  if (checkScheduled) return;
  checkScheduled = true;
  nativeSetImmediate(() => {
    checkScheduled = false;
    for (const p of unhandled) {
      unhandled.delete(p);
      if (!p._handled) {
        const reason = p._value;
        if (process.listenerCount('unhandledRejection') > 0) process.emit('unhandledRejection' as never, reason as never, p as never);
        else throw reason instanceof Error ? reason : Object.assign(new Error(`Unhandled promise rejection: ${inspect(reason)}`), { code: 'ERR_UNHANDLED_REJECTION' });
      }
    }
  });
}

// ---- the job queue -----------------------------------------------------------------------
//
// Jobs (promise reactions, thenable jobs, async resumptions) must run in the order the engine
// would run them, interleaved exactly with the engine's own microtasks (queueMicrotask, native
// promises). Queueing each job with queueMicrotask does that by construction but costs an
// AsyncResource, a bound function and a call into C++ per job. Instead, consecutive jobs with
// no native microtask between them form a *segment*, run by one native microtask: a job joins
// the open segment as long as the open segment's microtask is the last thing queued in the
// engine's queue (pending, or running with nothing queued behind it). Anything that may queue
// a native microtask closes the segment, and the next job starts a new one behind it:
//   - the program's queueMicrotask (the runtime installs a wrapper: installJobQueue),
//   - native promises created or settled (v8.promiseHooks init/settled: native `then`, await
//     in a function that was not instrumented, Node's promise APIs),
//   - the end of the segment's own microtask.
// Closing too often only costs batching; the ordering stays the engine's. (Known gap: a
// microtask Node queues internally with no promise involved — an aborted signal's
// addAbortListener, a net socket closed after an error, web streams, fetch, Blob — and a
// native promise resolved with a thenable are not seen; such a microtask may run after
// promise jobs queued after it in the same synchronous stretch.)
// Without installJobQueue() (the runtime used as a library) every job is its own segment.

/** A run of jobs for one native microtask: a ring buffer of [target, state, value] triples
 *  (a power-of-two number of slots; a triple may wrap around the end). */
class Segment {
  buf: unknown[];
  mask = 127;
  head = 0;
  tail = 0;
  constructor() {
    this.buf = new Array(128).fill(undefined);
  }
  push(target: unknown, state: number, value: unknown): void {
    let buf = this.buf;
    let mask = this.mask;
    const tail = this.tail;
    if (tail - this.head + 3 > mask + 1) {
      // Full: double, unwrapping the contents to the start.
      const size = (mask + 1) * 2;
      const next = new Array(size).fill(undefined);
      let j = 0;
      for (let i = this.head; i < tail; i++) next[j++] = buf[i & mask];
      this.buf = buf = next;
      this.mask = mask = size - 1;
      this.head = 0;
      this.tail = j;
      buf[j & mask] = target;
      buf[(j + 1) & mask] = state;
      buf[(j + 2) & mask] = value;
      this.tail = j + 3;
      return;
    }
    buf[tail & mask] = target;
    buf[(tail + 1) & mask] = state;
    buf[(tail + 2) & mask] = value;
    this.tail = tail + 3;
  }
}

/** Segments waiting for (or running in) their microtask, in queueing order: each microtask
 *  takes the oldest. */
const segments: Segment[] = [];
/** The segment jobs may join, or null (a new one must be started). */
let open: Segment | null = null;
let batching = false;
const spare: Segment[] = [];

/** Something may have queued a native microtask: later jobs go behind it. */
export function closeJobSegment(): void {
  open = null;
}

function enqueue(target: unknown, state: number, value: unknown): void {
  let seg = open;
  if (seg === null) {
    seg = spare.pop() ?? new Segment();
    segments.push(seg);
    nativeQueueMicrotask(runSegment);
    if (batching) open = seg;
  }
  seg.push(target, state, value);
}

function runSegment(): void {
  const seg = segments.shift() as Segment;
  try {
    while (seg.head !== seg.tail) {
      const buf = seg.buf;
      const mask = seg.mask;
      const h = seg.head;
      const target = buf[h & mask];
      const state = buf[(h + 1) & mask] as number;
      const value = buf[(h + 2) & mask];
      buf[h & mask] = undefined;
      buf[(h + 2) & mask] = undefined;
      if (h + 3 === seg.tail) seg.head = seg.tail = 0;
      else seg.head = h + 3;
      runJob(target, state, value);
    }
  } catch (e) {
    // The runtime's jobs catch the program's exceptions: this is a failure of the runtime
    // itself. The rest of the segment still runs, in a microtask of its own; the error is
    // reported as an uncaught exception.
    if (open === seg) open = null;
    if (seg.head !== seg.tail) {
      segments.push(seg);
      nativeQueueMicrotask(runSegment);
    }
    throw e;
  }
  if (open === seg) open = null;
  seg.head = seg.tail = 0;
  if (spare.length < 4) spare.push(seg);
}

/** Job kinds, by the `_k` of the target's prototype; a plain `then` reaction has none. */
const JOB_ASYNC = 1;
const JOB_ASYNC_GEN = 2; // set on AsyncGen.prototype in async-generators.ts
const JOB_THENABLE = 3;
const JOB_ELEMENT = 4;
const JOB_FINALLY = 5;
const JOB_OUTCOME = 6;
const JOB_DERIVED = 7;

function runJob(target: unknown, state: number, value: unknown): void {
  switch ((target as { _k?: number })._k) {
    case JOB_DERIVED: {
      const child = target as RtPromise;
      const handler = state === FULFILLED ? child._f : child._r;
      child._f = undefined;
      child._r = undefined;
      react(child, handler, state, value);
      return;
    }
    case JOB_ASYNC:
      advance(target as AsyncMachine, state === FULFILLED ? 0 : 1, value);
      return;
    case JOB_ASYNC_GEN:
      agResume(target as AsyncGen, state === FULFILLED ? 0 : 1, value);
      return;
    case JOB_THENABLE: {
      const job = target as ThenableJob;
      if (job.then === protoThen && value instanceof RtPromise) {
        // The engine's fast path: then() of a promise of ours, unpatched, called with the
        // resolving functions, is a reaction that settles job.p like the thenable (the
        // derived promise and the functions are unobservable).
        subscribe(value, { p: job.p, f: undefined, r: undefined });
        return;
      }
      const flag = { done: false };
      const resolve = makeResolve(job.p, flag);
      const reject = makeReject(job.p, flag);
      try {
        job.then.call(value, resolve, reject);
      } catch (e) {
        reject(e);
      }
      return;
    }
    case JOB_ELEMENT: {
      const el = target as ElementReaction;
      const c = el._c;
      if (c.kind === 'all') {
        if (state === FULFILLED) storeElement(c, el._i, value);
        else settle(c.p, REJECTED, value);
      } else if (c.kind === 'any') {
        if (state === FULFILLED) resolvePromise(c.p, value);
        else storeElement(c, el._i, value);
      } else storeElement(c, el._i, state === FULFILLED ? { status: 'fulfilled', value } : { status: 'rejected', reason: value });
      return;
    }
    case JOB_FINALLY: {
      // thenFinally / catchFinally: call onFinally, then pass the outcome on once what it
      // returned has settled (PromiseResolve, then Invoke(promise, "then", valueThunk/thrower)).
      const fin = target as FinallyReaction;
      const child = fin._p;
      let waited: unknown;
      try {
        const pr = RtPromise.resolve(fin._f());
        const then = pr.then;
        if (then === protoThen) {
          const p2 = pendingPromise();
          subscribe(pr, new OutcomeReaction(p2, value, state === REJECTED));
          waited = p2;
        } else waited = then.call(pr, makeOutcome(value, state === REJECTED));
      } catch (e) {
        settle(child, REJECTED, e);
        return;
      }
      resolvePromise(child, waited);
      return;
    }
    case JOB_OUTCOME: {
      // valueThunk / thrower, on what onFinally returned: its rejection wins.
      const out = target as OutcomeReaction;
      if (state === REJECTED) settle(out._p, REJECTED, value);
      else if (out._r) settle(out._p, REJECTED, out._v);
      else resolvePromise(out._p, out._v);
      return;
    }
    default:
      runReaction(target as Reaction, state, value);
  }
}

/** Promise.all / allSettled / any: what the element functions of one item do (with our own
 *  `then`, one record instead of two closures). */
class ElementReaction {
  /** @internal */ declare _c: Combinator;
  /** @internal */ declare _i: number;
  constructor(c: Combinator, i: number) {
    this._c = c;
    this._i = i;
  }
}
(ElementReaction.prototype as unknown as { _k: number })._k = JOB_ELEMENT;

/** finally(): settles `_p` after onFinally `_f` (see runJob). */
class FinallyReaction {
  /** @internal */ declare _p: RtPromise;
  /** @internal */ declare _f: () => unknown;
  constructor(p: RtPromise, f: () => unknown) {
    this._p = p;
    this._f = f;
  }
}
(FinallyReaction.prototype as unknown as { _k: number })._k = JOB_FINALLY;

/** finally(): once onFinally's result settles, `_p` takes the original outcome (`_v`,
 *  rejected if `_r`). */
class OutcomeReaction {
  /** @internal */ declare _p: RtPromise;
  /** @internal */ declare _v: unknown;
  /** @internal */ declare _r: boolean;
  constructor(p: RtPromise, v: unknown, rejected: boolean) {
    this._p = p;
    this._v = v;
    this._r = rejected;
  }
}
(OutcomeReaction.prototype as unknown as { _k: number })._k = JOB_OUTCOME;

/** NewPromiseResolveThenableJob: calls `then` of the thenable (the job's value). */
class ThenableJob {
  constructor(
    readonly p: RtPromise,
    readonly then: (f: unknown, r: unknown) => unknown,
  ) {}
}
(ThenableJob.prototype as unknown as { _k: number })._k = JOB_THENABLE;

/**
 * Called once by the runtime before the program runs: batches jobs (see above), and watches
 * what may queue native microtasks. `g` is the program's global object.
 */
export function installJobQueue(g: Record<string, unknown>, promiseHooks: { onInit(f: () => void): unknown; onSettled(f: () => void): unknown } | undefined): void {
  if (batching || !promiseHooks) return;
  promiseHooks.onInit(closeJobSegment);
  promiseHooks.onSettled(closeJobSegment);
  const programQueueMicrotask = g.queueMicrotask as (cb: () => void) => void;
  const queueMicrotask = function queueMicrotask(callback: () => void): void {
    programQueueMicrotask(callback);
    open = null;
  };
  Object.defineProperty(g, 'queueMicrotask', { value: queueMicrotask, writable: true, enumerable: true, configurable: true });
  batching = true;
}

// ---- promises ------------------------------------------------------------------------------

export class RtPromise {
  // Plain fields (assigned in the constructor, in this order, as PlainPromise/DerivedPromise
  // do), not class fields: no field initializer call per promise.
  /** @internal */ declare _state: number;
  /** @internal */ declare _value: unknown;
  /** @internal */ declare _reactions: Reactions;
  /** @internal */ declare _handled: boolean;
  /** @internal The handlers of a promise made by then(), until its parent settles. */
  declare _f: Handler;
  /** @internal */ declare _r: Handler;

  constructor(executor: (resolve: (v?: unknown) => void, reject: (e?: unknown) => void) => void) {
    this._state = PENDING;
    this._value = undefined;
    this._reactions = null;
    this._handled = false;
    this._f = undefined;
    this._r = undefined;
    if (typeof executor !== 'function') throw new TypeError(`Promise resolver ${inspect(executor)} is not a function`);
    const flag = { done: false };
    const resolve = makeResolve(this, flag);
    const reject = makeReject(this, flag);
    try {
      executor(resolve, reject);
    } catch (e) {
      reject(e);
    }
  }

  then(onFulfilled?: Handler, onRejected?: Handler): RtPromise {
    // The derived promise is the reaction: it holds the handlers until this one settles.
    const child = new DerivedPromise(typeof onFulfilled === 'function' ? onFulfilled : undefined, typeof onRejected === 'function' ? onRejected : undefined);
    subscribe(this, child);
    return child;
  }
  catch(onRejected?: Handler): RtPromise {
    return this.then(undefined, onRejected);
  }
  finally(onFinally?: () => unknown): RtPromise {
    if (typeof onFinally !== 'function') return this.then(onFinally, onFinally);
    if (this.then === protoThen && this instanceof RtPromise) {
      // Invoke(this, "then", thenFinally, catchFinally) with our own then: one reaction record
      // does what the two closures would.
      const child = pendingPromise();
      subscribe(this, new FinallyReaction(child, onFinally));
      return child;
    }
    return this.then(makeFinally(onFinally, false), makeFinally(onFinally, true));
  }
  get [Symbol.toStringTag](): string {
    return 'Promise';
  }
  [inspect.custom](depth: number, options: object): string {
    if (this._state === PENDING) return 'Promise { <pending> }';
    const v = inspect(this._value, options);
    return this._state === FULFILLED ? `Promise { ${v} }` : `Promise { <rejected> ${v} }`;
  }

  static resolve(v?: unknown): RtPromise {
    if (v instanceof RtPromise && v.constructor === RtPromise) return v;
    const p = pendingPromise();
    resolvePromise(p, v);
    return p;
  }
  static reject(e?: unknown): RtPromise {
    const p = pendingPromise();
    settle(p, REJECTED, e);
    return p;
  }
  static withResolvers(): { promise: RtPromise; resolve: (v?: unknown) => void; reject: (e?: unknown) => void } {
    const promise = pendingPromise();
    const [resolve, reject] = resolvingFunctions(promise);
    return { promise, resolve, reject };
  }
  static all(items: Iterable<unknown>): RtPromise {
    return combine(items, 'all');
  }
  static allSettled(items: Iterable<unknown>): RtPromise {
    return combine(items, 'allSettled');
  }
  static any(items: Iterable<unknown>): RtPromise {
    return combine(items, 'any');
  }
  static race(items: Iterable<unknown>): RtPromise {
    const p = pendingPromise();
    const [resolve, reject] = resolvingFunctions(p);
    for (const item of items) RtPromise.resolve(item).then(resolve, reject);
    return p;
  }
}
Object.defineProperty(RtPromise, 'name', { value: 'Promise' });
const protoThen = RtPromise.prototype.then;

/** A pending RtPromise made without an executor (same fields, in the same order). */
const PlainPromise = function (this: RtPromise) {
  this._state = PENDING;
  this._value = undefined;
  this._reactions = null;
  this._handled = false;
  this._f = undefined;
  this._r = undefined;
} as unknown as new () => RtPromise;
PlainPromise.prototype = RtPromise.prototype;
/** The promise then() returns, with its handlers. */
const DerivedPromise = function (this: RtPromise, f: Handler, r: Handler) {
  this._state = PENDING;
  this._value = undefined;
  this._reactions = null;
  this._handled = false;
  this._f = f;
  this._r = r;
} as unknown as new (f: Handler, r: Handler) => RtPromise;
DerivedPromise.prototype = RtPromise.prototype;
(RtPromise.prototype as unknown as { _k: number })._k = JOB_DERIVED;

export function pendingPromise(): RtPromise {
  return new PlainPromise();
}

function subscribe(p: RtPromise, reaction: Subscriber): void {
  const state = p._state;
  if (state === PENDING) {
    const rs = p._reactions;
    if (rs === null || rs === undefined) p._reactions = reaction;
    else if (Array.isArray(rs)) rs.push(reaction);
    else p._reactions = [rs, reaction];
  } else enqueue(reaction, state, p._value);
  if (!p._handled) {
    p._handled = true;
    if (state === REJECTED) unhandled.delete(p);
  }
}

function runReaction(reaction: Reaction, state: number, value: unknown): void {
  react(reaction.p, state === FULFILLED ? reaction.f : reaction.r, state, value);
}

/** A then() reaction job: the handler's outcome (or, without one, the parent's) settles the
 *  derived promise. */
function react(child: RtPromise | null, handler: Handler, state: number, value: unknown): void {
  if (!handler) {
    if (child) {
      if (state === FULFILLED) resolvePromise(child, value);
      else settle(child, REJECTED, value);
    }
    return;
  }
  let result: unknown;
  try {
    result = handler(value);
  } catch (e) {
    if (child) settle(child, REJECTED, e);
    return;
  }
  if (child) resolvePromise(child, result);
}

function settle(p: RtPromise, state: number, value: unknown): void {
  if (p._state !== PENDING) return;
  p._state = state;
  p._value = value;
  const rs = p._reactions;
  p._reactions = null;
  if (rs !== null && rs !== undefined) {
    if (Array.isArray(rs)) for (let i = 0; i < rs.length; i++) enqueue(rs[i], state, value);
    else enqueue(rs, state, value);
  }
  if (state === REJECTED && !p._handled) {
    unhandled.add(p);
    scheduleUnhandledCheck();
  }
}

export function rejectPromise(p: RtPromise, e: unknown): void {
  settle(p, REJECTED, e);
}

/** The Promise Resolve Functions of the specification (thenables take one more job). */
export function resolvePromise(p: RtPromise, v: unknown): void {
  if (v === p) {
    settle(p, REJECTED, new TypeError('Chaining cycle detected for promise #<Promise>'));
    return;
  }
  if ((typeof v !== 'object' && typeof v !== 'function') || v === null) {
    settle(p, FULFILLED, v);
    return;
  }
  let then: unknown;
  try {
    then = (v as { then?: unknown }).then;
  } catch (e) {
    settle(p, REJECTED, e);
    return;
  }
  if (typeof then !== 'function') {
    settle(p, FULFILLED, v);
    return;
  }
  enqueue(new ThenableJob(p, then as ThenableJob['then']), FULFILLED, v);
}

/**
 * `await v` for a suspended machine (`waiter`: an AsyncCall or AsyncGen, resumed by a job with
 * the outcome): PerformPromiseThen(PromiseResolve(%Promise%, v)) without a derived promise.
 */
function awaitValue(v: unknown, waiter: AsyncMachine | AsyncCall | AsyncGen): void {
  if ((typeof v !== 'object' && typeof v !== 'function') || v === null) {
    enqueue(waiter, FULFILLED, v);
    return;
  }
  let p: RtPromise;
  try {
    p = RtPromise.resolve(v);
  } catch (e) {
    // PromiseResolve threw (a `constructor` getter): the await throws.
    enqueue(waiter, REJECTED, e);
    return;
  }
  subscribe(p, waiter);
}

// ---- runtime closures that can be captured -------------------------------------------------

/** resolve/reject sharing one "already resolved" flag record. */
function makeResolve(p: RtPromise, flag: { done: boolean }): (v?: unknown) => void {
  const resolve = (v?: unknown): void => {
    if (flag.done) return;
    flag.done = true;
    resolvePromise(p, v);
  };
  tag(resolve, makeResolve, p, flag);
  return resolve;
}
function makeReject(p: RtPromise, flag: { done: boolean }): (e?: unknown) => void {
  const reject = (e?: unknown): void => {
    if (flag.done) return;
    flag.done = true;
    settle(p, REJECTED, e);
  };
  tag(reject, makeReject, p, flag);
  return reject;
}
function resolvingFunctions(p: RtPromise): [(v?: unknown) => void, (e?: unknown) => void] {
  const flag = { done: false };
  return [makeResolve(p, flag), makeReject(p, flag)];
}

/** Promise.all / allSettled / any: the shared state is an ordinary record. */
interface Combinator {
  p: RtPromise;
  kind: 'all' | 'allSettled' | 'any';
  values: unknown[];
  remaining: number;
}
function storeElement(c: Combinator, index: number, v: unknown): void {
  c.values[index] = v;
  if (--c.remaining === 0) {
    if (c.kind === 'any') settle(c.p, REJECTED, Object.assign(new AggregateError(c.values, 'All promises were rejected'), {}));
    else settle(c.p, FULFILLED, c.values);
  }
}
function makeElement(c: Combinator, index: number, fulfilled: boolean): (v: unknown) => void {
  let called = false;
  const fn = (v: unknown): void => {
    if (called) return;
    called = true;
    if (c.kind === 'all' && !fulfilled) return void settle(c.p, REJECTED, v);
    if (c.kind === 'any' && fulfilled) return void resolvePromise(c.p, v);
    c.values[index] = c.kind === 'allSettled' ? (fulfilled ? { status: 'fulfilled', value: v } : { status: 'rejected', reason: v }) : v;
    if (--c.remaining === 0) {
      if (c.kind === 'any') settle(c.p, REJECTED, Object.assign(new AggregateError(c.values, 'All promises were rejected'), {}));
      else settle(c.p, FULFILLED, c.values);
    }
  };
  tag(fn, [makeElement, -1, c, index, fulfilled]);
  return fn;
}
function combine(items: Iterable<unknown>, kind: Combinator['kind']): RtPromise {
  const p = pendingPromise();
  const c: Combinator = { p, kind, values: [], remaining: 1 };
  let i = 0;
  for (const item of items) {
    const index = i++;
    c.values.push(undefined);
    c.remaining++;
    const q = RtPromise.resolve(item);
    // Invoke(q, "then", ...): with our own then, nothing can observe the element functions
    // or the derived promise.
    const then = q.then;
    if (then === protoThen) subscribe(q, new ElementReaction(c, index));
    else if (kind === 'all') then.call(q, makeElement(c, index, true), makeReject(p, { done: false }));
    else if (kind === 'any') then.call(q, makeResolve(p, { done: false }), makeElement(c, index, false));
    else then.call(q, makeElement(c, index, true), makeElement(c, index, false));
  }
  if (--c.remaining === 0) {
    if (kind === 'any') settle(p, REJECTED, new AggregateError([], 'All promises were rejected'));
    else settle(p, FULFILLED, c.values);
  }
  return p;
}

// ---- async functions -------------------------------------------------------------------

/** One async function call: its machine and its promise. While suspended it is the
 *  reaction on the promise it awaits. */
export class AsyncMachine extends Generator {
  /** @internal */ declare _promise: RtPromise;
  constructor(fn: Step, frame: object, promise: RtPromise) {
    super(fn, frame as never);
    this._promise = promise;
  }
}
(AsyncMachine.prototype as unknown as { _k: number })._k = JOB_ASYNC;

/** An async call as snapshots taken before AsyncMachine hold it: a Generator and a promise. */
export class AsyncCall {
  /** @internal */ declare _gen: Generator;
  /** @internal */ declare _promise: RtPromise;
  constructor(gen: Generator, promise: RtPromise) {
    this._gen = gen;
    this._promise = promise;
  }
  /** @internal */
  _drive(mode: number, value: unknown): unknown {
    return this._gen._drive(mode, value);
  }
}
(AsyncCall.prototype as unknown as { _k: number })._k = JOB_ASYNC;

/** The resume callbacks of snapshots taken before awaits subscribed the AsyncCall itself. */
function makeResume(call: AsyncCall | AsyncMachine, mode: number): (v: unknown) => void {
  const fn = (v: unknown): void => advance(call, mode, v);
  tag(fn, makeResume, call, mode);
  return fn;
}

function advance(call: AsyncMachine | AsyncCall, mode: number, value: unknown): void {
  let v: unknown;
  try {
    v = call._drive(mode, value);
  } catch (e) {
    settle(call._promise, REJECTED, e);
    return;
  }
  if (driven.kind === 1) resolvePromise(call._promise, v);
  else awaitValue(v, call);
}

/** Runs an async function's machine until its first await; returns its promise. */
export function asyncCall(factory: StepFactory, frame: object): RtPromise {
  const call = new AsyncMachine(stepOf(factory), frame, pendingPromise());
  advance(call, 0, undefined);
  return call._promise;
}
/** The same for code instrumented before (a step closure per call). */
export function runAsync(step: () => [number, unknown], frame: object): RtPromise {
  const call = withLegacyStep(new AsyncMachine(undefined as never, frame, pendingPromise()), step);
  advance(call, 0, undefined);
  return call._promise;
}

/** An async generator's machine awaits (see async-generators.ts). */
export { awaitValue as agAwait };

/** finally(): run the callback, then pass the original outcome on. */
function makeFinally(onFinally: () => unknown, rejected: boolean): (v: unknown) => RtPromise {
  const fn = (v: unknown): RtPromise => RtPromise.resolve(onFinally()).then(makeOutcome(v, rejected));
  tag(fn, makeFinally, onFinally, rejected);
  return fn;
}
function makeOutcome(v: unknown, rejected: boolean): () => unknown {
  const fn = (): unknown => {
    if (rejected) throw v;
    return v;
  };
  tag(fn, makeOutcome, v, rejected);
  return fn;
}

/** Runtime factories whose closures a snapshot may hold, by stable index (append only). */
export const RUNTIME_FACTORIES: ((...args: never[]) => unknown)[] = [makeResolve, makeReject, makeElement, makeResume, makeFinally, makeOutcome, makeOnce, makeArgGet, makeArgSet, makeAgResume, makeAgReturned, makeAsyncFromSyncDone, makeOnceListener, makePromisified, makePromisifyCallback, makeAssertOutcome] as never;

Object.assign(RUNTIME_CLASSES, {
  Promise: { prototype: RtPromise.prototype, fields: ['_state', '_value', '_reactions', '_handled', '_f', '_r'] },
  AsyncCall: { prototype: AsyncCall.prototype, fields: ['_gen', '_promise'] },
  AsyncMachine: { prototype: AsyncMachine.prototype, fields: ['_step', '_frame', '_state', '_promise', '_fn'] },
  PromiseElement: { prototype: ElementReaction.prototype, fields: ['_c', '_i'] },
  PromiseFinally: { prototype: FinallyReaction.prototype, fields: ['_p', '_f'] },
  PromiseOutcome: { prototype: OutcomeReaction.prototype, fields: ['_p', '_v', '_r'] },
});

/** Re-registers a restored rejected-and-unhandled promise (none are, at a turn boundary). */
export function isRtPromise(x: unknown): x is RtPromise {
  return x instanceof RtPromise;
}
