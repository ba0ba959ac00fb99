/**
 * EventEmitter#once / #prependOnceListener, with a wrapper the runtime can capture.
 *
 * Node binds its once-wrapper with its own copy of Function.prototype.bind, which no
 * snapshot can see through. This wrapper behaves the same (removed before the listener runs,
 * `.listener` points at the original so removeListener(type, listener) finds it) and is a
 * closure of a runtime factory (RUNTIME_FACTORIES in ../promises.ts), so it migrates with
 * its emitter.
 */
type Listener = (...args: unknown[]) => unknown;
interface Emitter {
  on(type: string | symbol, fn: Listener): unknown;
  prependListener(type: string | symbol, fn: Listener): unknown;
  removeListener(type: string | symbol, fn: Listener): unknown;
}

let tag: (fn: object, record: unknown[]) => void = () => undefined;

export function makeOnce(target: Emitter, type: string | symbol, listener: Listener, state: { fired: boolean; listener?: Listener }): Listener {
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    if (state.fired) return undefined;
    target.removeListener(type, wrapper);
    state.fired = true;
    // From the state record: a restore makes this closure before bound functions exist, so
    // a bound listener arrives here as undefined.
    return (state.listener ?? listener).apply(target, args);
  };
  (wrapper as unknown as { listener: Listener }).listener = listener;
  tag(wrapper, [makeOnce, -1, target, type, listener, state]);
  return wrapper;
}

function checkListener(listener: unknown): void {
  if (typeof listener !== 'function') {
    throw Object.assign(new TypeError(`The "listener" argument must be of type function. Received ${listener === null ? 'null' : typeof listener}`), { code: 'ERR_INVALID_ARG_TYPE' });
  }
}

export function installOnce(events: { prototype: Record<string, unknown> }, tagger: (fn: object, record: unknown[]) => void): void {
  tag = tagger;
  const define = (name: 'once' | 'prependOnceListener', add: 'on' | 'prependListener'): void => {
    Object.defineProperty(events.prototype, name, {
      value: {
        [name](this: Emitter, type: string | symbol, listener: Listener) {
          checkListener(listener);
          this[add](type, makeOnce(this, type, listener, { fired: false, listener }));
          return this;
        },
      }[name],
      writable: true,
      enumerable: false,
      configurable: true,
    });
  };
  define('once', 'on');
  define('prependOnceListener', 'prependListener');
}
