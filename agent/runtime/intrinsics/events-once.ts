/**
 * `events.once(emitter, name)` (also `EventEmitter.once`), with listeners the runtime can
 * capture.
 *
 * Node's version keeps its resolver and error listener as closures of its own code, so a
 * promise waiting on an event could not migrate. This one follows Node's algorithm step by
 * step (same listeners, same removal, an `'error'` event rejects unless `name` is `'error'`,
 * the promise resolves with the arguments array and settles in the same microtask as
 * Node's) but its listeners are closures of a runtime factory over one plain state record,
 * and its promises are the runtime's.
 *
 * With an AbortSignal, or on an EventTarget, Node's own `once` runs: the listeners then live
 * inside Node (the signal's or the target's), which no snapshot can hold anyway.
 */
type Listener = (...args: unknown[]) => unknown;
interface Emitter {
  on?: unknown;
  once(type: unknown, fn: Listener): unknown;
  removeListener?(type: unknown, fn: Listener): unknown;
}
type PromiseCtor = new (executor: (resolve: (v?: unknown) => void, reject: (e?: unknown) => void) => void) => unknown;

/** What the two listeners share; a plain object, so it migrates as heap state. */
interface OnceState {
  emitter: Emitter;
  name: unknown;
  resolve: (v?: unknown) => void;
  reject: (e?: unknown) => void;
  resolver: Listener;
  errorListener: Listener;
}

let tag: (fn: object, record: unknown[]) => void = () => undefined;

/** The state is passed as a record (not the closures themselves) so that restore can make
 *  both listeners before any of them exists. */
export function makeOnceListener(st: OnceState, isError: boolean): Listener {
  let fn: Listener;
  if (isError) {
    const errorListener = (err: unknown): void => {
      st.emitter.removeListener!(st.name, st.resolver);
      st.reject(err);
    };
    fn = errorListener as Listener;
  } else {
    const resolver = (...args: unknown[]): void => {
      if (typeof st.emitter.removeListener === 'function') st.emitter.removeListener('error', st.errorListener);
      st.resolve(args);
    };
    fn = resolver;
  }
  tag(fn, [makeOnceListener, -1, st, isError]);
  return fn;
}

export function installEventsOnce(events: Record<string, unknown>, tagger: (fn: object, record: unknown[]) => void, P: PromiseCtor): void {
  tag = tagger;
  const nodeOnce = events.once as (...a: unknown[]) => unknown;
  if (typeof nodeOnce !== 'function') return;
  const EMPTY = Object.freeze({});
  const once = {
    once(emitter: Emitter, name: unknown, options: unknown = EMPTY): unknown {
      const opts = options as { signal?: unknown } | null | undefined;
      if (opts?.signal !== undefined || typeof emitter?.on !== 'function' || typeof emitter.once !== 'function') {
        return nodeOnce(emitter, name, options);
      }
      const st = { emitter, name } as OnceState;
      st.resolver = makeOnceListener(st, false);
      st.errorListener = makeOnceListener(st, true);
      const inner = new P((resolve, reject) => {
        st.resolve = resolve;
        st.reject = reject;
        emitter.once(name, st.resolver);
        if (name !== 'error') emitter.once('error', st.errorListener);
      });
      // Node's once is an async function returning that promise: its own promise follows it.
      return new P((resolve) => resolve(inner));
    },
  }.once;
  const d = Object.getOwnPropertyDescriptor(events, 'once');
  Object.defineProperty(events, 'once', { value: once, writable: d?.writable ?? true, enumerable: d?.enumerable ?? true, configurable: d?.configurable ?? true });
}
