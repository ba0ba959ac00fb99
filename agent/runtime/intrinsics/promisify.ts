/**
 * `util.promisify`, with a wrapper and a callback the runtime can capture.
 *
 * Node's wrapper and the callback it hands to the callback-style function are closures of
 * Node's own code, so a promisified function, or a call of it waiting for its callback,
 * could not migrate. This one is Node's algorithm (util.promisify.custom honoured and set,
 * prototype and own properties copied from the original, `this` passed through, an error
 * argument rejects, several values become an object where Node names them) built from
 * closures of runtime factories and the runtime's promises. Invalid arguments go to Node's
 * own promisify, so the errors are Node's.
 */
type Fn = (...args: unknown[]) => unknown;
type PromiseCtor = new (executor: (resolve: (v?: unknown) => void, reject: (e?: unknown) => void) => void) => unknown;

const CUSTOM = Symbol.for('nodejs.util.promisify.custom');

let tag: (fn: object, record: unknown[]) => void = () => undefined;
let P: PromiseCtor;

/** `st` holds the original (a plain record, read at call time: a restore makes closures
 *  before bound functions). `name`/`length` are the original's, which a snapshot leaves out
 *  while they have the engine's flags. */
export function makePromisified(st: { original: Fn; argumentNames: unknown }, name: unknown, length: unknown): Fn {
  const fn = function (this: unknown, ...args: unknown[]): unknown {
    return new P((resolve, reject) => {
      args.push(makePromisifyCallback(resolve, reject, st.argumentNames));
      Reflect.apply(st.original, this, args);
    });
  };
  if (name !== undefined) Object.defineProperty(fn, 'name', { value: name, writable: false, enumerable: false, configurable: true });
  if (length !== undefined) Object.defineProperty(fn, 'length', { value: length, writable: false, enumerable: false, configurable: true });
  tag(fn, [makePromisified, -1, st, name, length]);
  return fn;
}

const anonymous = (f: Fn): Fn => f; // keeps the callback's name '' as in Node

export function makePromisifyCallback(resolve: (v?: unknown) => void, reject: (e?: unknown) => void, argumentNames: unknown): Fn {
  const cb = anonymous((err: unknown, ...values: unknown[]): void => {
    if (err) return reject(err);
    if (argumentNames !== undefined && values.length > 1) {
      const names = argumentNames as string[];
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) obj[names[i]] = values[i];
      resolve(obj);
    } else resolve(values[0]);
  });
  tag(cb, [makePromisifyCallback, -1, resolve, reject, argumentNames]);
  return cb;
}

function dataValue(o: object, key: string): unknown {
  const d = Object.getOwnPropertyDescriptor(o, key);
  return d && 'value' in d ? d.value : undefined;
}

export function installPromisify(util: Record<string, unknown>, tagger: (fn: object, record: unknown[]) => void, promiseCtor: PromiseCtor, fsRead?: unknown): void {
  tag = tagger;
  P = promiseCtor;
  const nodePromisify = util.promisify as (f: unknown) => unknown;
  if (typeof nodePromisify !== 'function') return;
  // Node names the values of a few callbacks (fs.read: bytesRead, buffer) under a private
  // symbol; fs.read carries it.
  const argsSymbol = typeof fsRead === 'function' ? Object.getOwnPropertySymbols(fsRead).find((s) => s.description === 'customPromisifyArgs') : undefined;
  function promisify(original: unknown): unknown {
    if (typeof original !== 'function') return nodePromisify(original);
    const custom = (original as unknown as Record<symbol, unknown>)[CUSTOM];
    if (custom) {
      if (typeof custom !== 'function') return nodePromisify(original);
      return Object.defineProperty(custom, CUSTOM, { value: custom, enumerable: false, writable: false, configurable: true });
    }
    const argumentNames = argsSymbol ? (original as unknown as Record<symbol, unknown>)[argsSymbol] : undefined;
    const fn = makePromisified({ original: original as Fn, argumentNames }, dataValue(original, 'name'), dataValue(original, 'length'));
    Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
    Object.defineProperty(fn, CUSTOM, { value: fn, enumerable: false, writable: false, configurable: true });
    const descriptors = Object.getOwnPropertyDescriptors(original);
    for (const d of Object.values(descriptors)) Object.setPrototypeOf(d, null);
    return Object.defineProperties(fn, descriptors);
  }
  promisify.custom = CUSTOM;
  util.promisify = promisify;
}
