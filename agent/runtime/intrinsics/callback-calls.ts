/**
 * The program's one-shot asynchronous calls of Node's callback APIs (fs, zlib, crypto, dns): the
 * work runs in Node's thread pool, and the program's callback is handed to Node's own code,
 * where no capture can see it. Without this, a capture while one was under way lost it: the
 * callback never ran after the restore, and the program silently stopped waiting.
 *
 * Each such call goes through a wrapper:
 * - while the program runs, it is issued at once, and counted until its callback comes;
 * - while the program is paused (a pause, or a capture under way), it waits in a queue
 *   instead: a call not yet started is program state (the function's name, its arguments,
 *   the program's callback), it travels in a snapshot and is issued where the program
 *   resumes;
 * - a capture first lets the calls under way finish (ProgramHost.settle): their callbacks
 *   run here, before the capture, and what they call in turn is queued.
 *
 * A queued call on a file descriptor (fs.read, fs.close...) cannot move: the descriptor is
 * of this machine. A capture that meets one is refused (the program goes on).
 *
 * A wrapper is the function the program finds on the module (the built-in table names it by
 * its usual path, so a program that kept `fs.readFile` in a variable gets the target's).
 * Only calls given a callback are handled; a call without one (crypto.randomBytes(16)) is
 * the original's, synchronous as ever.
 */
type Fn = (this: unknown, ...args: unknown[]) => unknown;
type Settle = (v?: unknown) => void;
type PromiseCtor = new (executor: (resolve: Settle, reject: Settle) => void) => unknown;
/** The engine's `then`, taken when this module loads: the runtime replaces the global Promise
 *  with its own, and Node's functions keep returning the engine's promises. */
const nativeThen = Promise.prototype.then;
/** Node's timers, likewise (the program's are the runtime's virtual ones, stopped while it
 *  is paused). */
const nativeSetImmediate = setImmediate;
const nativeSetTimeout = setTimeout;
const nativeClearTimeout = clearTimeout;

/** The functions handled, by module. */
export const CALLBACK_APIS: Readonly<Record<string, readonly string[]>> = {
  fs: [
    'access', 'appendFile', 'chmod', 'chown', 'copyFile', 'cp', 'exists', 'lchown', 'link', 'lstat', 'lutimes', 'mkdir', 'mkdtemp', 'open', 'opendir', 'readdir',
    'readFile', 'readlink', 'realpath', 'rename', 'rm', 'rmdir', 'stat', 'statfs', 'symlink', 'truncate', 'unlink', 'utimes', 'writeFile',
    'close', 'fchmod', 'fchown', 'fdatasync', 'fstat', 'fsync', 'ftruncate', 'futimes', 'read', 'readv', 'write', 'writev',
  ],
  zlib: ['brotliCompress', 'brotliDecompress', 'deflate', 'deflateRaw', 'gunzip', 'gzip', 'inflate', 'inflateRaw', 'unzip'],
  crypto: ['checkPrime', 'generateKey', 'generateKeyPair', 'generatePrime', 'hkdf', 'pbkdf2', 'randomBytes', 'randomFill', 'randomInt', 'scrypt'],
  // A name is looked up where the program is when the call is issued: a queued lookup, on the
  // machine it resumes on.
  dns: [
    'lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr', 'resolveNs',
    'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt', 'reverse',
  ],
};

/** Functions that return a promise of Node's, by module: the program gets a runtime promise
 *  instead (capturable), settled by Node's. `require('fs').promises` is the same object as
 *  `require('fs/promises')`. */
export const PROMISE_APIS: Readonly<Record<string, readonly string[]>> = {
  'fs/promises': [
    'access', 'appendFile', 'chmod', 'chown', 'copyFile', 'cp', 'lchown', 'link', 'lstat', 'lutimes', 'mkdir', 'mkdtemp', 'open', 'opendir', 'readdir',
    'readFile', 'readlink', 'realpath', 'rename', 'rm', 'rmdir', 'stat', 'statfs', 'symlink', 'truncate', 'unlink', 'utimes', 'writeFile',
  ],
};

/** The modules whose functions are wrapped. */
export const WRAPPED_MODULES = new Set([...Object.keys(CALLBACK_APIS), ...Object.keys(PROMISE_APIS)]);

/** Calls whose first argument is a file descriptor. */
const ON_DESCRIPTOR = new Set(['fs.close', 'fs.fchmod', 'fs.fchown', 'fs.fdatasync', 'fs.fstat', 'fs.fsync', 'fs.ftruncate', 'fs.futimes', 'fs.read', 'fs.readv', 'fs.write', 'fs.writev']);

/** A call waiting to be issued: `module.name` and its arguments, the callback last; for a
 *  function of PROMISE_APIS, also the settling functions of the promise the program holds. */
export type QueuedCall = [string, unknown[]] | [string, unknown[], Settle, Settle];

/**
 * Whether the wrapped function was called by Node's own code, not by the program. Node's
 * fs.writeFile, fs.appendFile, fs.copyFile's fallback... call fs.open, fs.write and fs.close
 * through the module's exports, so through these wrappers: such a call is a step of a call
 * under way, and must go on while the program is paused, or that call never ends (a capture
 * then waited for it until its time ran out). Asked only while the program is paused: a stack
 * trace of a few frames, read as call sites (whatever the program did to
 * Error.prepareStackTrace).
 */
function calledByNode(): boolean {
  const E = Error as ErrorConstructor & { prepareStackTrace?: unknown };
  const prepare = E.prepareStackTrace;
  const limit = E.stackTraceLimit;
  E.prepareStackTrace = (_e: unknown, frames: NodeJS.CallSite[]): NodeJS.CallSite[] => frames;
  E.stackTraceLimit = 4;
  try {
    const holder: { stack?: NodeJS.CallSite[] } = {};
    // Frames from the wrapper down: [wrapper, its caller, ...].
    Error.captureStackTrace(holder, CALL_FRAME);
    const caller = holder.stack?.[1];
    const file = caller?.getFileName?.() ?? '';
    return file.startsWith('node:');
  } finally {
    E.prepareStackTrace = prepare;
    E.stackTraceLimit = limit;
  }
}
let CALL_FRAME: (...args: never[]) => unknown;

export class CallbackCalls {
  /** Calls made while the program was paused, in the order it made them. */
  queued: QueuedCall[] = [];
  /** Calls issued whose callback has not come yet. */
  inflight = 0;
  private paused = false;
  private readonly originals = new Map<string, Fn>();
  private readonly modules = new Map<string, Record<string, unknown>>();
  private idle: (() => void)[] = [];

  private P: PromiseCtor = Promise as unknown as PromiseCtor;
  private readonly promising = new Set<string>();

  constructor(private readonly requireBuiltin: (name: string) => unknown) {}

  /** The promises handed to the program for PROMISE_APIS calls (the runtime's). */
  setPromise(P: PromiseCtor): void {
    this.P = P;
  }

  /** `require('fs').promises` is a getter of Node's that loads fs/promises on first use,
   *  not through require: wrapped, it patches the module it returns. */
  patchPromisesGetter(fs: unknown): void {
    const d = fs && typeof fs === 'object' ? Object.getOwnPropertyDescriptor(fs, 'promises') : undefined;
    if (!d || !d.get || !d.configurable) return;
    const get = d.get;
    const calls = this; // eslint-disable-line @typescript-eslint/no-this-alias
    Object.defineProperty(fs, 'promises', {
      ...d,
      get: {
        promises(this: unknown): unknown {
          const p = Reflect.apply(get, this, []);
          calls.patch('fs/promises', p);
          return p;
        },
      }.promises,
    });
  }

  /** Puts the wrappers on `exportsObject` (module `moduleName`), once. */
  patch(moduleName: string, exportsObject: unknown): void {
    const names = CALLBACK_APIS[moduleName] ?? PROMISE_APIS[moduleName];
    if (!names || this.modules.has(moduleName) || !exportsObject || typeof exportsObject !== 'object') return;
    const exp = exportsObject as Record<string, unknown>;
    this.modules.set(moduleName, exp);
    for (const name of names) {
      const d = Object.getOwnPropertyDescriptor(exp, name);
      const original = d && 'value' in d ? d.value : undefined;
      if (typeof original !== 'function' || !d!.configurable) continue;
      const key = `${moduleName}.${name}`;
      this.originals.set(key, original as Fn);
      if (PROMISE_APIS[moduleName]) this.promising.add(key);
      // A method (not a constructor, like the original), named as it.
      const calls = this; // eslint-disable-line @typescript-eslint/no-this-alias
      const wrapper = {
        [name](this: unknown, ...args: unknown[]): unknown {
          return calls.call(key, this, args);
        },
      }[name] as Fn;
      const own = Object.getOwnPropertyDescriptors(original);
      delete (own as Record<string, unknown>).prototype;
      Object.defineProperties(wrapper, own);
      Object.setPrototypeOf(wrapper, Object.getPrototypeOf(original));
      Object.defineProperty(exp, name, { ...d, value: wrapper });
    }
  }

  /** The wrappers of the modules named in `calls` (a restore: the program may not have
   *  required them yet in this process). */
  private ensure(key: string): Fn | undefined {
    const moduleName = key.slice(0, key.lastIndexOf('.'));
    if (!this.modules.has(moduleName) && WRAPPED_MODULES.has(moduleName)) this.patch(moduleName, this.requireBuiltin(moduleName));
    return this.originals.get(key);
  }

  private call(key: string, thisArg: unknown, args: unknown[]): unknown {
    if (this.promising.has(key)) {
      if (!this.paused) return this.issuePromise(key, thisArg, args);
      return new this.P((resolve, reject) => {
        this.queued.push([key, args, resolve, reject]);
      });
    }
    if (typeof args[args.length - 1] !== 'function') return Reflect.apply(this.originals.get(key)!, thisArg, args);
    if (this.paused && !calledByNode()) {
      this.queued.push([key, args]);
      return undefined;
    }
    return this.issue(key, thisArg, args);
  }

  private issue(key: string, thisArg: unknown, args: unknown[]): unknown {
    const original = this.ensure(key);
    if (!original) throw new TypeError(`${key} is not a function of this Node.js`);
    const cb = args[args.length - 1] as Fn;
    const settle = this.track();
    const relayed = args.slice();
    relayed[relayed.length - 1] = function (this: unknown, ...results: unknown[]): unknown {
      settle();
      return Reflect.apply(cb, this, results);
    };
    try {
      return Reflect.apply(original, thisArg, relayed);
    } catch (err) {
      // Refused at once (invalid arguments): no callback will come.
      settle();
      throw err;
    }
  }

  /** Counts a call as under way; the function returned counts it done (once), and wakes
   *  whenIdle's waiters when it was the last one. */
  private track(): () => void {
    this.inflight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inflight--;
      if (this.inflight === 0 && this.idle.length) for (const wake of this.idle.splice(0)) wake();
    };
  }

  /** A PROMISE_APIS call: Node's promise settles the runtime's. */
  private issuePromise(key: string, thisArg: unknown, args: unknown[], settleWith?: [Settle, Settle]): unknown {
    const original = this.ensure(key);
    if (!original) throw new TypeError(`${key} is not a function of this Node.js`);
    let native: Promise<unknown>;
    try {
      native = Reflect.apply(original, thisArg, args) as Promise<unknown>;
    } catch (err) {
      if (settleWith) settleWith[1](err);
      else throw err;
      return undefined;
    }
    const settle = this.track();
    const relay = (resolve: Settle, reject: Settle): void => {
      nativeThen.call(
        native,
        // Settled before it counts as done: its reactions are queued ahead of a capture's.
        (v) => {
          resolve(v);
          settle();
        },
        (e) => {
          reject(e);
          settle();
        },
      );
    };
    if (settleWith) {
      relay(settleWith[0], settleWith[1]);
      return undefined;
    }
    return new this.P(relay);
  }

  pause(): void {
    this.paused = true;
  }

  /** Issues the calls queued meanwhile, in order. */
  resume(): void {
    this.paused = false;
    const waiting = this.queued.splice(0);
    for (const [key, args, resolve, reject] of waiting) {
      if (resolve && reject) {
        this.issuePromise(key, this.modules.get(key.slice(0, key.lastIndexOf('.'))), args, [resolve, reject]);
        continue;
      }
      try {
        this.issue(key, this.modules.get(key.slice(0, key.lastIndexOf('.'))), args);
      } catch (err) {
        // As Node reports a call it refuses: thrown where the program made it. That was
        // before the pause; the program learns of it through its callback instead.
        const cb = args[args.length - 1] as Fn;
        process.nextTick(() => cb(err));
      }
    }
  }

  /** Resolves once no call is under way, or rejects after `maxMs`. It resolves in a later
   *  turn of the event loop than the last callback: what that callback set going in promise
   *  jobs has run by then, and a capture that follows finds the program between two turns. */
  whenIdle(maxMs: number): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = nativeSetTimeout(() => {
        this.idle = this.idle.filter((w) => w !== wake);
        reject(Object.assign(new Error(`${this.inflight} asynchronous call(s) of fs, zlib, crypto or dns did not finish within ${maxMs} ms`), { code: 'E_NOT_CAPTURABLE' }));
      }, maxMs);
      const wake = (): void => {
        nativeClearTimeout(timer);
        nativeSetImmediate(() => (this.inflight === 0 ? resolve() : this.idle.push(wake)));
      };
      this.idle.push(wake);
    });
  }

  /** Why the calls cannot be captured now, or undefined. */
  refusal(): string | undefined {
    if (this.inflight > 0) return `${this.inflight} asynchronous call(s) of fs, zlib, crypto or dns are under way (a capture waits for them first)`;
    const fd = this.queued.find(([key]) => ON_DESCRIPTOR.has(key));
    if (fd) return `a call of ${fd[0]} on a file descriptor is waiting to start, and a descriptor belongs to this machine`;
    return undefined;
  }

  /** Calls restored from a snapshot, queued until the program resumes. */
  restoreQueue(calls: unknown): void {
    if (calls === undefined) return;
    if (!Array.isArray(calls)) throw new Error('the queued calls are damaged');
    for (const c of calls) {
      if (!Array.isArray(c) || typeof c[0] !== 'string' || !Array.isArray(c[1])) throw new Error('a queued call is damaged');
      const dot = c[0].lastIndexOf('.');
      const moduleName = c[0].slice(0, dot);
      const name = c[0].slice(dot + 1);
      if (PROMISE_APIS[moduleName]?.includes(name)) {
        if (typeof c[2] !== 'function' || typeof c[3] !== 'function') throw new Error('a queued call is damaged');
        this.promising.add(c[0]);
        this.queued.push([c[0], c[1], c[2] as Settle, c[3] as Settle]);
      } else if (CALLBACK_APIS[moduleName]?.includes(name)) {
        if (typeof c[1][c[1].length - 1] !== 'function') throw new Error('a queued call is damaged');
        this.queued.push([c[0], c[1]]);
      } else throw new Error(`a queued call of ${c[0]} is not one this runtime knows`);
    }
  }
}
// The method every wrapper calls: calledByNode's frames start at the wrapper below it.
CALL_FRAME = (CallbackCalls.prototype as unknown as { call: typeof CALL_FRAME }).call;
