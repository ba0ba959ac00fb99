/**
 * Promises the program can migrate, and the driver of resumable async functions.
 *
 * The runtime installs `Promise` as a JavaScript implementation of the specification's
 * algorithm whose state (status, value, reactions) is in ordinary fields, so a pending promise
 * and whatever waits on it are heap state. Reaction jobs run as microtasks, exactly where the
 * engine would run them, so interleavings match native ones. At a capture point (an event-loop
 * turn boundary) no job is queued, so jobs never need capturing.
 *
 * The functions this module hands out (a promise's resolve/reject, an async function's resume
 * callbacks) are closures of runtime factories, tagged like program closures, so a snapshot
 * names them by factory and rebuilds them (see RUNTIME_FACTORIES).
 */
import { inspect } from 'node:util';
import { makeOnceListener } from './intrinsics/events-once';
import { makePromisified, makePromisifyCallback } from './intrinsics/promisify';
import { makeAssertOutcome } from './intrinsics/assert';
import { Generator, RUNTIME_CLASSES } from './generators';
import { makeOnce } from './intrinsics/once';
import { makeArgGet, makeArgSet } from './intrinsics/arguments';
import { makeAgResume, makeAgReturned, makeAsyncFromSyncDone } from './async-generators';

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

type Handler = ((v: unknown) => unknown) | undefined;

interface Reaction {
  /** the derived promise (or null for internal reactions) */
  p: RtPromise | null;
  f: Handler;
  r: Handler;
}

/** Set by the runtime: stamps a runtime closure with [factory, -1, ...args]. */
let tag: (fn: object, record: unknown[]) => void = () => undefined;
export function setClosureTagger(t: (fn: object, record: unknown[]) => void): void {
  tag = t;
}

const queue = globalThis.queueMicrotask.bind(globalThis);
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

export class RtPromise {
  /** @internal */ _state = PENDING;
  /** @internal */ _value: unknown = undefined;
  /** @internal */ _reactions: Reaction[] = [];
  /** @internal */ _handled = false;

  constructor(executor: (resolve: (v?: unknown) => void, reject: (e?: unknown) => void) => void) {
    if (typeof executor !== 'function') throw new TypeError(`Promise resolver ${inspect(executor)} is not a function`);
    const [resolve, reject] = resolvingFunctions(this);
    try {
      executor(resolve, reject);
    } catch (e) {
      reject(e);
    }
  }

  then(onFulfilled?: Handler, onRejected?: Handler): RtPromise {
    const child = pendingPromise();
    subscribe(this, { p: child, f: typeof onFulfilled === 'function' ? onFulfilled : undefined, r: typeof onRejected === 'function' ? onRejected : undefined });
    return child;
  }
  catch(onRejected?: Handler): RtPromise {
    return this.then(undefined, onRejected);
  }
  finally(onFinally?: () => unknown): RtPromise {
    if (typeof onFinally !== 'function') return this.then(onFinally, onFinally);
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

export function pendingPromise(): RtPromise {
  const p = Object.create(RtPromise.prototype) as RtPromise;
  p._state = PENDING;
  p._value = undefined;
  p._reactions = [];
  p._handled = false;
  return p;
}

function subscribe(p: RtPromise, reaction: Reaction): void {
  if (p._state === PENDING) p._reactions.push(reaction);
  else queue(() => runReaction(reaction, p._state, p._value));
  if (!p._handled) {
    p._handled = true;
    unhandled.delete(p);
  }
}

function runReaction(reaction: Reaction, state: number, value: unknown): void {
  const handler = state === FULFILLED ? reaction.f : reaction.r;
  const child = reaction.p;
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
  const reactions = p._reactions;
  p._reactions = [];
  for (const r of reactions) queue(() => runReaction(r, state, value));
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
  const [resolve, reject] = resolvingFunctions(p);
  queue(() => {
    try {
      (then as (f: unknown, r: unknown) => unknown).call(v, resolve, reject);
    } catch (e) {
      reject(e);
    }
  });
}

// ---- runtime closures that can be captured -------------------------------------------------

/** resolve/reject sharing one "already resolved" flag record. */
function makeResolve(p: RtPromise, flag: { done: boolean }): (v?: unknown) => void {
  const resolve = (v?: unknown): void => {
    if (flag.done) return;
    flag.done = true;
    resolvePromise(p, v);
  };
  tag(resolve, [makeResolve, -1, p, flag]);
  return resolve;
}
function makeReject(p: RtPromise, flag: { done: boolean }): (e?: unknown) => void {
  const reject = (e?: unknown): void => {
    if (flag.done) return;
    flag.done = true;
    settle(p, REJECTED, e);
  };
  tag(reject, [makeReject, -1, p, flag]);
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
    if (kind === 'all') q.then(makeElement(c, index, true), makeReject(p, { done: false }));
    else if (kind === 'any') q.then(makeResolve(p, { done: false }), makeElement(c, index, false));
    else q.then(makeElement(c, index, true), makeElement(c, index, false));
  }
  if (--c.remaining === 0) {
    if (kind === 'any') settle(p, REJECTED, new AggregateError([], 'All promises were rejected'));
    else settle(p, FULFILLED, c.values);
  }
  return p;
}

// ---- async functions -------------------------------------------------------------------

/** The state of one async function call: its machine (a Generator) and its promise. */
export class AsyncCall {
  /** @internal */ _gen: Generator;
  /** @internal */ _promise: RtPromise;
  constructor(gen: Generator, promise: RtPromise) {
    this._gen = gen;
    this._promise = promise;
  }
}

function makeResume(call: AsyncCall, mode: number): (v: unknown) => void {
  const fn = (v: unknown): void => advance(call, mode, v);
  tag(fn, [makeResume, -1, call, mode]);
  return fn;
}

function advance(call: AsyncCall, mode: number, value: unknown): void {
  let r: IteratorResult<unknown>;
  try {
    r = call._gen._resume(mode, value);
  } catch (e) {
    settle(call._promise, REJECTED, e);
    return;
  }
  if (r.done) resolvePromise(call._promise, r.value);
  else RtPromise.resolve(r.value).then(makeResume(call, 0), makeResume(call, 1));
}

/** Runs an async function's machine until its first await; returns its promise. */
export function runAsync(step: () => [number, unknown], frame: object): RtPromise {
  const call = new AsyncCall(new Generator(step, frame as never), pendingPromise());
  advance(call, 0, undefined);
  return call._promise;
}

/** finally(): run the callback, then pass the original outcome on. */
function makeFinally(onFinally: () => unknown, rejected: boolean): (v: unknown) => RtPromise {
  const fn = (v: unknown): RtPromise => RtPromise.resolve(onFinally()).then(makeOutcome(v, rejected));
  tag(fn, [makeFinally, -1, onFinally, rejected]);
  return fn;
}
function makeOutcome(v: unknown, rejected: boolean): () => unknown {
  const fn = (): unknown => {
    if (rejected) throw v;
    return v;
  };
  tag(fn, [makeOutcome, -1, v, rejected]);
  return fn;
}

/** Runtime factories whose closures a snapshot may hold, by stable index (append only). */
export const RUNTIME_FACTORIES: ((...args: never[]) => unknown)[] = [makeResolve, makeReject, makeElement, makeResume, makeFinally, makeOutcome, makeOnce, makeArgGet, makeArgSet, makeAgResume, makeAgReturned, makeAsyncFromSyncDone, makeOnceListener, makePromisified, makePromisifyCallback, makeAssertOutcome] as never;

Object.assign(RUNTIME_CLASSES, {
  Promise: { prototype: RtPromise.prototype, fields: ['_state', '_value', '_reactions', '_handled'] },
  AsyncCall: { prototype: AsyncCall.prototype, fields: ['_gen', '_promise'] },
});

/** Re-registers a restored rejected-and-unhandled promise (none are, at a turn boundary). */
export function isRtPromise(x: unknown): x is RtPromise {
  return x instanceof RtPromise;
}
