/**
 * `require('timers/promises').setTimeout / setImmediate`, which are also what
 * `util.promisify(setTimeout)` and `util.promisify(setImmediate)` return.
 *
 * Node's versions start timers of its own, outside the runtime's virtual timers, and the
 * global timers the runtime installs had no `util.promisify.custom`, so promisifying them
 * passed the callback in the delay's place. These run on the virtual timers with the
 * promise's resolve function (a runtime closure) as the callback, so a pending sleep
 * migrates like any timer. With an AbortSignal, or options Node refuses, Node's own
 * function runs (its errors; a pending call with a signal is not migratable).
 */
type PromiseCtor = new (executor: (resolve: (v?: unknown) => void, reject: (e?: unknown) => void) => void) => unknown;
type Timer = { unref(): unknown };
type TimerFn = (cb: unknown, ...a: unknown[]) => Timer;

const CUSTOM = Symbol.for('nodejs.util.promisify.custom');

/** True when Node's own function must run: an AbortSignal, or options Node rejects. */
function nodeHandles(options: unknown): boolean {
  if (options === undefined) return false;
  if (options === null || typeof options !== 'object') return true;
  const { signal, ref } = options as { signal?: unknown; ref?: unknown };
  return signal !== undefined || (ref !== undefined && typeof ref !== 'boolean');
}

export function installTimerPromises(
  timersPromises: Record<string, unknown>,
  timers: { setTimeout: TimerFn; setImmediate: TimerFn },
  P: PromiseCtor,
): { setTimeout: unknown; setImmediate: unknown } {
  const nodeSetTimeout = timersPromises.setTimeout as (...a: unknown[]) => unknown;
  const nodeSetImmediate = timersPromises.setImmediate as (...a: unknown[]) => unknown;
  const fns = {
    setTimeout(after: unknown, value: unknown, options: unknown = undefined): unknown {
      if (nodeHandles(options)) return nodeSetTimeout(after, value, options);
      return new P((resolve) => {
        const t = value !== undefined ? timers.setTimeout(resolve, after, value) : timers.setTimeout(resolve, after);
        if ((options as { ref?: boolean } | undefined)?.ref === false) t.unref();
      });
    },
    setImmediate(value: unknown, options: unknown = undefined): unknown {
      if (nodeHandles(options)) return nodeSetImmediate(value, options);
      return new P((resolve) => {
        const t = value !== undefined ? timers.setImmediate(resolve, value) : timers.setImmediate(resolve);
        if ((options as { ref?: boolean } | undefined)?.ref === false) t.unref();
      });
    },
  };
  for (const name of ['setTimeout', 'setImmediate'] as const) {
    const d = Object.getOwnPropertyDescriptor(timersPromises, name);
    Object.defineProperty(timersPromises, name, { value: fns[name], writable: d?.writable ?? true, enumerable: d?.enumerable ?? true, configurable: true });
    Object.defineProperty(timers[name], CUSTOM, { value: fns[name], writable: false, enumerable: true, configurable: true });
  }
  return fns;
}
