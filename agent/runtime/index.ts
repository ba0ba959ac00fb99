/**
 * The ThingsJS runtime, loaded into the program's process before the program.
 *
 * Instrumented modules reach it through one global (`$tjs_runtime`) and call:
 *   codeVersion(v)                      → the closure tag key (refuses other code versions)
 *   module(module, factories, main, this) registers a module's factories; runs its top-level
 *                                       code unless the process is restoring a snapshot.
 *
 * The host (agent/host) drives it: install(), capture(), restore(), pause(), resume().
 * This folder imports nothing of the compiler, MQTT or logging.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuiltinTable } from './heap/builtins';
import { CaptureError, HeapEncoder, type EncodeEnv } from './heap/encode';
import { HeapDecoder, RestoreError, type DecodeEnv } from './heap/decode';
import { FORMAT_IN_PLACE, type RecordBase, type V } from './heap/format';
import { TimerScheduler, VirtualTimer } from './timers';
import { Generator, RETURNED, YIELDED, delegate, delegateStep, iter, keys, resumeCompletion, routeJump, sent, stepOf, withLegacyStep, type StepFactory } from './generators';
import { asyncCall, installJobQueue, RtPromise, RUNTIME_FACTORIES, runAsync, setClosureTagger } from './promises';
import { margs, setArgumentsTagger } from './intrinsics/arguments';
import { DYNAMIC_KEY_PREFIX, DynamicFunctions } from './intrinsics/dynamic-function';
import { adelegate, adelegateDone, adelegateNext, aiter, astep, asyncGenerator, asyncYield, closeIter, runAsyncGenerator, setAsyncGeneratorTagger } from './async-generators';
import { installOnce } from './intrinsics/once';
import { installEventsOnce } from './intrinsics/events-once';
import { installPromisify } from './intrinsics/promisify';
import { installTextCoding } from './intrinsics/text-coding';
import { installTimerPromises } from './intrinsics/timer-promises';
import { ensureAssert, setupAssert } from './intrinsics/assert';
import { installBind } from './intrinsics/bind';
import { installWeak } from './intrinsics/weak';
import { ProcessState, type ProcessRoots } from './process-state';
import { CallbackCalls, WRAPPED_MODULES, type QueuedCall } from './intrinsics/callback-calls';

export { CaptureError } from './heap/encode';
export { RestoreError } from './heap/decode';
export { nativeTimers } from './timers';

export const RUNTIME_GLOBAL = '$tjs_runtime';

/** Marks the exports object of a module compiled from an ES module (its namespace). */
const ESM_MARKER = Symbol.for('thingsjs.esm');
const cjsNamespaces = new WeakMap<object, object>();
/** An ES-module namespace for a module's exports: a compiled ES module's exports object
 *  itself; for CommonJS `{ default: module.exports, ...own enumerable properties }` (null
 *  prototype, keys sorted, taken once, as Node does). Plain data: it migrates as such. */
function esmNamespace(m: unknown): unknown {
  const isObj = (typeof m === 'object' && m !== null) || typeof m === 'function';
  if (isObj && (m as Record<symbol, unknown>)[ESM_MARKER] === true) return m;
  const cached = isObj ? cjsNamespaces.get(m as object) : undefined;
  if (cached) return cached;
  const ns: Record<string | symbol, unknown> = Object.create(null);
  const keys = isObj ? Object.keys(m as object).filter((k) => k !== 'default') : [];
  for (const k of [...keys, 'default'].sort()) ns[k] = k === 'default' ? m : (m as Record<string, unknown>)[k];
  Object.defineProperty(ns, Symbol.toStringTag, { value: 'Module' });
  if (isObj) cjsNamespaces.set(m as object, ns);
  return ns;
}

/**
 * Stamps a closure with its code record [factory, member, ...envs]. Code of version 2 says
 * `new K(fn, factory, ...envs)` for a closure with member -1 and at most two envs (most
 * closures: no record array is made; three private fields fit the one property array the
 * engine gives a function), and `new K(fn, [factory, member, ...envs])` otherwise (version 1
 * code always uses the array, with ClosureTag).
 * The base constructor returns `fn` itself, so the private fields land on the function: as
 * cheap as property stores, and invisible to the program (no key, no inspect output).
 *
 * Three classes of one shape, by the kind of function stamped, so that each one's field
 * stores see few hidden classes: ClosureTag for arrows, methods and accessors (one map),
 * FunctionTag for functions with a prototype (sloppy and strict: two maps), OtherTag for
 * classes (a map each), native generators and the runtime's wrappers. Stores that see more
 * than four maps go megamorphic: several times slower.
 */
class ReturnTarget {
  constructor(target: object) {
    return target;
  }
}
type TagRecord = unknown[] | ((...a: never[]) => unknown);
/** The record of a stamp: the array, or the short form's [factory, -1, ...envs] (up to two;
 *  trailing undefined ones are left out: factories take a fixed number of parameters). */
function recordFrom(r: TagRecord, env: unknown, env2: unknown): unknown[] {
  if (typeof r !== 'function') return r;
  if (env2 !== undefined) return [r, -1, env, env2];
  return env === undefined ? [r, -1] : [r, -1, env];
}
export class ClosureTag extends ReturnTarget {
  /** the record, or (short form) the factory */
  #record: TagRecord;
  /** the short form's one env (undefined: none) */
  #env: unknown;
  #env2: unknown;
  constructor(fn: object, record: TagRecord, env?: unknown, env2?: unknown) {
    super(fn);
    this.#record = record;
    this.#env = env;
    this.#env2 = env2;
  }
  static read(fn: object): unknown[] | undefined {
    if (!(#record in fn)) return undefined;
    const t = fn as unknown as ClosureTag;
    return recordFrom(t.#record, t.#env, t.#env2);
  }
  static recordOf(fn: unknown): unknown[] | undefined {
    if (typeof fn !== 'function') return undefined;
    return ClosureTag.read(fn) ?? FunctionTag.read(fn) ?? OtherTag.read(fn);
  }
  /** The other two classes, for the module prologue ($tjs_KF, $tjs_KC). */
  static F: typeof FunctionTag;
  static C: typeof OtherTag;
}
class FunctionTag extends ReturnTarget {
  #record: TagRecord;
  #env: unknown;
  #env2: unknown;
  constructor(fn: object, record: TagRecord, env?: unknown, env2?: unknown) {
    super(fn);
    this.#record = record;
    this.#env = env;
    this.#env2 = env2;
  }
  static read(fn: object): unknown[] | undefined {
    if (!(#record in fn)) return undefined;
    const t = fn as unknown as FunctionTag;
    return recordFrom(t.#record, t.#env, t.#env2);
  }
}
class OtherTag extends ReturnTarget {
  #record: TagRecord;
  #env: unknown;
  #env2: unknown;
  constructor(fn: object, record: TagRecord, env?: unknown, env2?: unknown) {
    super(fn);
    this.#record = record;
    this.#env = env;
    this.#env2 = env2;
  }
  static read(fn: object): unknown[] | undefined {
    if (!(#record in fn)) return undefined;
    const t = fn as unknown as OtherTag;
    return recordFrom(t.#record, t.#env, t.#env2);
  }
}
ClosureTag.F = FunctionTag;
ClosureTag.C = OtherTag;
/** Marks a captured let/const/class that is not yet initialised (temporal dead zone). */
const TDZ = Object.freeze({ tdz: true });
/** The code version the compiler emits; the runtime also runs code of OLDEST_CODE_VERSION
 *  and later (snapshots hold their modules' code as it was instrumented). 2: the short
 *  ClosureTag form. */
export const CODE_VERSION = 2;
const OLDEST_CODE_VERSION = 1;

/** What a snapshot body holds (the envelope around it is agent/snapshot). */
export interface SnapshotBody {
  /** `root`: the program's directory when captured (module keys are relative to it). */
  program: { name: string; main: string; root?: string };
  /** `filename`: where the module lived when captured (kept on restore for __filename). */
  modules: { key: string; code: string; filename?: string }[];
  /** Sources made by `new Function`, by factory key (runtime/intrinsics/dynamic-function.ts). */
  dynamic?: { key: string; source: string }[];
  heap: RecordBase[];
  /** One character per heap entry: '.' a record, else an ordinary object or dense array as
   *  it is (heap/format.ts ENTRY). Absent in format 1 (records only). */
  kinds?: string;
  /** `modules`: each module's original `exports` object and its current `module.exports`. */
  /** `process`: listeners the program added to `process` ([event, listener, once]). */
  /** `exitCode`: process.exitCode as the program set it. */
  /** `processState`: properties the program added to `process`, its environment changes. */
  /** `calls`: callback calls of fs, zlib, crypto the program made while paused, not yet issued. */
  roots: { timers: V[]; globals: [string, V][]; deletedGlobals?: string[]; hooks: V[]; process?: [string, V, 0 | 1][]; processState?: ProcessRoots; calls?: [string, V][]; exitCode?: number | string; modules?: { key: string; exports: V; moduleExports: V; filename?: string }[] };
  clock: { capturedAt: number };
  node: string;
  arch: string;
}

export interface CaptureResult {
  body: SnapshotBody;
  objects: number;
  timers: number;
}

type Factory = (...envs: unknown[]) => unknown;

/** Reads and writes the private fields of a class's instances (and of the class itself). */
export interface ClassReflector {
  has(o: object): boolean;
  get(o: object): unknown[];
  set(o: object, v: unknown[]): void;
  sget(c: object): unknown[];
  sset(c: object, v: unknown[]): void;
  /** Private name → [get, set, has, call], for methods compiled outside the class body. */
  p?: Record<string, [(o: object) => unknown, (o: object, v: unknown) => void, (o: unknown) => boolean, (o: object, ...a: unknown[]) => unknown]>;
}

export interface RuntimeOptions {
  /** Directory module keys are relative to. */
  root: string;
  /** Display name of the program. */
  name: string;
  /** require() for core modules (the host's). */
  requireBuiltin: (name: string) => unknown;
  /** Instruments source made at run time (`new Function`); without it such functions are
   *  the engine's and cannot be captured. */
  compileDynamic?: (code: string, key: string) => string;
}

export class Runtime {
  readonly scheduler = new TimerScheduler();
  builtins!: BuiltinTable;
  /** True while a snapshot's modules load: their top-level code must not run. */
  restoring = false;
  /** Objects the program marked as not to be migrated. */
  readonly transient = new WeakSet<object>();
  /** Set once the program marks one: until then a capture skips the lookup. */
  private hasTransient = false;
  private readonly factories = new Map<string, Factory[]>();
  readonly classState = { r: false, s: false };
  /** Functions made by `new Function`, instrumented at run time. */
  dynamic: DynamicFunctions | null = null;
  /** Private-state reflectors of classes, and each class's tagged members by index. */
  readonly reflectors = new WeakMap<object, ClassReflector>();
  readonly classMembers = new WeakMap<object, unknown[]>();
  /** Each loaded module: its Module object and the `exports` object its code was given. */
  readonly modules = new Map<string, { module: { exports: unknown; filename: string }; exports: unknown; require?: unknown }>();
  /** Module objects and require functions of instrumented modules → module key. */
  readonly moduleKeyOf = new WeakMap<object, string>();
  private readonly factoryCode = new Map<unknown, [string, number]>();
  /** Instrumented source of each loaded module, by key: it travels in the snapshot. */
  readonly moduleCode = new Map<string, string>();
  mainKey = '';
  private readonly afterRestore: (() => void)[] = [];
  /** `process` as it was before the program ran (install). */
  private processState: ProcessState | undefined;
  /** The program's callback calls of fs, zlib and crypto (intrinsics/callback-calls.ts). */
  readonly calls = new CallbackCalls((name) => this.options.requireBuiltin(name));

  constructor(readonly options: RuntimeOptions) {}

  /** Installs the virtual timers and the global, then takes the built-in table. Call once,
   *  before any program code. */
  install(): void {
    const g = globalThis as Record<string, unknown>;
    this.scheduler.install(g);
    const timersModule = this.options.requireBuiltin('timers') as Record<string, unknown>;
    Object.assign(timersModule, this.scheduler.api);
    // Patched intrinsics (bound functions, cleared WeakRefs) before the table is taken, so
    // the table names the patched functions by their ordinary paths.
    installBind();
    installWeak();
    // fs is loaded in every host; zlib and crypto are patched when the program requires them.
    const fs = this.options.requireBuiltin('fs');
    this.calls.patch('fs', fs);
    this.calls.patchPromisesGetter(fs);
    this.calls.setPromise(RtPromise as never);
    if (this.options.compileDynamic) {
      this.dynamic = new DynamicFunctions(this.options.compileDynamic);
      this.dynamic.install(g);
    }
    // Promises the program makes are the runtime's (their state is capturable); Node's own
    // internals keep the engine's.
    setClosureTagger((fn, record, a, b) => new ClosureTag(fn, record, a, b));
    setArgumentsTagger((fn, record) => new ClosureTag(fn, record));
    setAsyncGeneratorTagger((fn, record, a, b) => new ClosureTag(fn, record, a, b));
    installOnce(this.options.requireBuiltin('events') as never, (fn, record) => new OtherTag(fn, record));

    // Node APIs that keep program state in Node's own closures or private symbols: replaced
    // by versions made of runtime closures, RtPromise and plain state (see intrinsics/).
    const tagger = (fn: object, record: unknown[]): unknown => new OtherTag(fn, record);
    installEventsOnce(this.options.requireBuiltin('events') as never, tagger, RtPromise as never);
    const util = this.options.requireBuiltin('util') as never;
    installPromisify(util, tagger, RtPromise as never, (this.options.requireBuiltin('fs') as { read: unknown }).read);
    installTextCoding(g, util);
    setupAssert(() => this.options.requireBuiltin('assert') as never, tagger, RtPromise as never);
    const timerPromises = installTimerPromises(this.options.requireBuiltin('timers/promises') as never, this.scheduler.api as never, RtPromise as never);
    (g as { Promise: unknown }).Promise = RtPromise;
    // Promise jobs run in batches (one microtask for a run of jobs with no native microtask
    // between them); the program's queueMicrotask and native promises end a batch.
    installJobQueue(g, (this.options.requireBuiltin('v8') as { promiseHooks?: never }).promiseHooks);
    this.factories.set('$rt', RUNTIME_FACTORIES as never);
    RUNTIME_FACTORIES.forEach((f, i) => this.factoryCode.set(f, ['$rt', i]));
    this.builtins = new BuiltinTable((name) => this.coreModule(name));
    this.processState = new ProcessState();
    for (const [name, fn] of Object.entries(this.scheduler.api)) this.builtins.register(fn, [name]);
    // Reached through util.promisify(setTimeout) too, without the program requiring the module.
    for (const [name, fn] of Object.entries(timerPromises)) this.builtins.register(fn, ['node:timers/promises', name]);
    this.builtins.register(TDZ, [RUNTIME_GLOBAL, 'T']);
    // The runtime namespace and its functions are built-ins by path: a resumable function's
    // frame may hold one across a suspension (a saved callee, as in `$tjs_rt.pcall(C, "m", o, await x)`).
    const api = this.api();
    this.builtins.register(api, [RUNTIME_GLOBAL]);
    for (const [k, v] of Object.entries(api)) if (typeof v === 'function') this.builtins.register(v, [RUNTIME_GLOBAL, k]);
    Object.defineProperty(g, RUNTIME_GLOBAL, { value: api, enumerable: false, configurable: true, writable: false });
  }

  /** Runtime patches that wait for their module's first use (a require, or a restore naming
   *  one of its members); the patched members then join the built-in table. */
  private patchOnFirstUse(name: string, exportsObject?: unknown): void {
    const bare = name.startsWith('node:') ? name.slice(5) : name;
    if (exportsObject !== undefined && WRAPPED_MODULES.has(bare)) this.calls.patch(bare, exportsObject);
    if (/^(node:)?assert(\/strict)?$/.test(name) && ensureAssert()) this.builtins?.addModule('assert', this.options.requireBuiltin('assert'));
  }
  private coreModule(name: string): unknown {
    this.patchOnFirstUse(name);
    const exportsObject = this.options.requireBuiltin(name);
    this.patchOnFirstUse(name, exportsObject);
    return exportsObject;
  }

  /** Called by the host when the program requires a core module. */
  noteBuiltinModule(name: string, exportsObject: unknown): void {
    this.patchOnFirstUse(name, exportsObject);
    this.builtins.addModule(name, exportsObject);
  }

  /** Keys fixed by the host for restored modules (they keep the key they were captured with). */
  readonly moduleKeys = new Map<string, string>();

  moduleKey(filename: string): string {
    if (filename.startsWith(DYNAMIC_KEY_PREFIX)) return filename;
    const fixed = this.moduleKeys.get(filename);
    if (fixed !== undefined) return fixed;
    const rel = path.relative(this.options.root, filename);
    // Outside the root (a node_modules folder higher up): '../…' keeps keys unique.
    return (rel && !path.isAbsolute(rel) ? rel : path.basename(filename)).split(path.sep).join('/');
  }

  private api(): Record<string, unknown> {
    const self = this;
    const privateOps = (C: object, name: string): NonNullable<ClassReflector['p']>[string] => {
      const ops = self.reflectors.get(C)?.p?.[name];
      if (!ops) throw new TypeError(`Cannot read private member #${name}: its class is not defined yet`);
      return ops;
    };
    return Object.freeze({
      codeVersion(v: number): typeof ClosureTag {
        if (!(v >= OLDEST_CODE_VERSION && v <= CODE_VERSION)) throw new Error(`this program was instrumented for ThingsJS code version ${v}; this runtime runs versions ${OLDEST_CODE_VERSION} to ${CODE_VERSION}: instrument it again`);
        return ClosureTag;
      },
      /** Flags read by class code: r — restoring (static blocks and static initializers do not
       *  run again), s — stamping (constructors return at once, field initializers skipped). */
      st: self.classState,
      /** Registers the private-state reflector of a class (from its static block). */
      cls(C: object, reflector: ClassReflector): void {
        self.reflectors.set(C, reflector);
      },
      /** Tags a class's methods and accessors with their member index. */
      members(C: { prototype: object }, table: [number, string | symbol, 'm' | 'g' | 's'][]): void {
        const list: unknown[] = [];
        table.forEach(([isStatic, key, kind], i) => {
          const d = Object.getOwnPropertyDescriptor(isStatic ? C : C.prototype, key);
          const fn = d ? (kind === 'g' ? d.get : kind === 's' ? d.set : d.value) : undefined;
          list.push(fn);
          if (typeof fn === 'function' && !ClosureTag.recordOf(fn)) new OtherTag(fn, [null, i, C]);
        });
        self.classMembers.set(C, list);
      },
      /** An object-literal method under a computed key: { [k]: factory(...envs, k) }. */
      cm(key: unknown, factory: (...a: unknown[]) => unknown, ...envs: unknown[]): object {
        const k = typeof key === 'symbol' ? key : String(key);
        return { [k]: factory(...envs, k) };
      },
      /** `super.k` of an object-literal method with home object `home` (compiler/normalize/lower-object-super.ts). */
      sget(home: object, key: PropertyKey, receiver: unknown): unknown {
        return Reflect.get(Object.getPrototypeOf(home), key, receiver);
      },
      /** `super.k = v`: a strict-mode assignment (a failed set throws). */
      sset(home: object, key: PropertyKey, value: unknown, receiver: unknown): unknown {
        if (!Reflect.set(Object.getPrototypeOf(home), key, value, receiver)) throw new TypeError(`Cannot assign to read only property '${String(key)}' of object`);
        return value;
      },
      /** `super.k++` and friends. */
      supd(home: object, key: PropertyKey, receiver: unknown, delta: 1 | -1, prefix: boolean): unknown {
        const old = Reflect.get(Object.getPrototypeOf(home), key, receiver) as number | bigint;
        const oldNum = typeof old === 'bigint' ? old : Number(old);
        const now = typeof oldNum === 'bigint' ? oldNum + BigInt(delta) : oldNum + delta;
        if (!Reflect.set(Object.getPrototypeOf(home), key, now, receiver)) throw new TypeError(`Cannot assign to read only property '${String(key)}' of object`);
        return prefix ? now : oldNum;
      },
      /** `o.#name` and friends in async and generator methods (compiler/normalize/lower-member-private-super.ts). */
      pget: (C: object, name: string, o: object): unknown => privateOps(C, name)[0](o),
      pset(C: object, name: string, o: object, v: unknown): unknown {
        privateOps(C, name)[1](o, v);
        return v;
      },
      phas: (C: object, name: string, o: unknown): boolean => privateOps(C, name)[2](o),
      pcall: (C: object, name: string, o: object, ...args: unknown[]): unknown => privateOps(C, name)[3](o, ...args),
      pupd(C: object, name: string, o: object, delta: 1 | -1, prefix: boolean): unknown {
        const [get, set] = privateOps(C, name);
        const v = get(o) as number | bigint;
        const old = typeof v === 'bigint' ? v : Number(v);
        const now = typeof old === 'bigint' ? old + BigInt(delta) : old + delta;
        set(o, now);
        return prefix ? now : old;
      },
      /** Sloppy-mode parameters in a record stay mapped to `arguments` (intrinsics/arguments.ts). */
      margs,
      /** Resumable generators (compiler/transform/resumable.ts). */
      generator: (factory: StepFactory, frame: object) => new Generator(stepOf(factory), frame as never),
      asyncCall,
      asyncGenerator,
      returned: RETURNED,
      yielded: YIELDED,
      aiter,
      astep,
      closeIter,
      adelegate,
      adelegateNext,
      adelegateDone,
      routeJump,
      sent,
      resumeCompletion,
      delegate,
      delegateStep,
      iter,
      keys,
      /** The same for code instrumented before steps took their frame (a step closure per
       *  call, returning [kind, value]). */
      gen: (step: () => [number, unknown], frame: object) => withLegacyStep(new Generator(undefined as never, frame as never), step),
      async: runAsync,
      agen: runAsyncGenerator,
      ay: asyncYield,
      /** The value of a captured let/const/class before its declaration has run. */
      T: TDZ,
      tdz(value: unknown, name: string): unknown {
        if (value === TDZ) throw new ReferenceError(`Cannot access '${name}' before initialization`);
        return value;
      },
      constAssign(name: string): never {
        throw new TypeError('Assignment to constant variable.');
      },
      /** Installs object-literal accessors: acc(obj, key, get, set, key, get, set, ...). */
      acc(obj: object, ...quads: unknown[]): object {
        for (let i = 0; i < quads.length; i += 3) {
          Object.defineProperty(obj, quads[i] as string, { get: quads[i + 1] as () => unknown, set: quads[i + 2] as (v: unknown) => void, enumerable: true, configurable: true });
        }
        return obj;
      },
      /** The namespace an ES-module import sees (see compiler/transform/esm-to-cjs.ts). */
      importNs: esmNamespace,
      /** `import(spec)` compiled: a promise of the namespace of `req(spec)`. */
      dynamicImport(req: (id: string) => unknown, spec: unknown): Promise<unknown> {
        return Promise.resolve().then(() => {
          const s = String(spec);
          return esmNamespace(req(s.startsWith('file:') ? fileURLToPath(s) : s));
        });
      },
      module(mod: { filename: string; exports: unknown }, factories: Factory[], main: () => unknown, thisArg: unknown, req?: unknown): void {
        const key = self.moduleKey(mod.filename);
        const dynamic = self.dynamic?.loading;
        if (dynamic && dynamic.module === mod) {
          // A `new Function` source: its factories only; its top level runs per call.
          self.factories.set(key, factories);
          factories.forEach((f, i) => self.factoryCode.set(f, [key, i]));
          dynamic.main = main;
          return;
        }
        self.modules.set(key, { module: mod, exports: thisArg, require: req });
        // A program may keep its `module` or `require`: a snapshot names them by module key.
        self.moduleKeyOf.set(mod, key);
        if (typeof req === 'function') self.moduleKeyOf.set(req, key);
        self.factories.set(key, factories);
        factories.forEach((f, i) => self.factoryCode.set(f, [key, i]));
        if (!self.restoring) main.call(thisArg);
      },
    });
  }

  /** The program-facing cooperation API (require('thingsjs') in programs). */
  programApi(): Record<string, unknown> {
    const self = this;
    return Object.freeze({
      /** Runs fn after this program has been restored from a snapshot (for example to reopen
       *  a connection). */
      onRestore(fn: () => void): void {
        if (typeof fn !== 'function') throw new TypeError('onRestore expects a function');
        self.afterRestore.push(fn);
      },
      /** Marks an object as not to be migrated: a snapshot stores `undefined` in its place. */
      transient<T extends object>(obj: T): T {
        self.transient.add(obj);
        self.hasTransient = true;
        return obj;
      },
      /** True in a process that was restored from a snapshot. */
      get restored(): boolean {
        return self.wasRestored;
      },
    });
  }
  private wasRestored = false;

  pause(keepAlive = true): void {
    this.scheduler.pause(keepAlive);
    this.calls.pause();
  }
  resume(): void {
    this.scheduler.resume();
    this.calls.resume();
  }
  isPaused(): boolean {
    return this.scheduler.isPaused();
  }

  /**
   * Captures the program's state. Must be called at an event-loop turn boundary (from a
   * macrotask of the host: no program frame on the stack, microtasks drained). Does not
   * change the program: on error (E_NOT_CAPTURABLE) it simply goes on. The body holds the
   * program's own plain objects and arrays where their values are plain JSON values (heap
   * entries of kind `O` / `A`): serialise it before the program runs again.
   */
  capture(): CaptureResult {
    const refused = this.calls.refusal();
    if (refused !== undefined) throw new CaptureError(refused, 'the program');
    const enc = new HeapEncoder(this.encoderEnv());
    const timers: V[] = [];
    for (const t of this.scheduler.pending) {
      const label = t._kind === 'immediate' ? 'setImmediate' : t._kind === 'interval' ? 'setInterval' : 'setTimeout';
      timers.push(enc.root(t, label));
    }
    // Globals the program added, and built-in ones it replaced or deleted.
    const globals: [string, V][] = [];
    const deletedGlobals: string[] = [];
    for (const name of Object.getOwnPropertyNames(globalThis)) {
      if (name === RUNTIME_GLOBAL || (this.builtins.globalNames.has(name) && this.builtins.globalChange(name) !== 'replaced')) continue;
      const d = Object.getOwnPropertyDescriptor(globalThis, name);
      if (!d || !('value' in d)) continue;
      globals.push([name, enc.root(d.value, name)]);
    }
    // (Only an absent one can have been deleted: those present were looked at above.)
    for (const name of this.builtins.globalNames) {
      if (name !== RUNTIME_GLOBAL && !Object.prototype.hasOwnProperty.call(globalThis, name) && this.builtins.globalChange(name) === 'deleted') deletedGlobals.push(name);
    }
    const hooks = this.afterRestore.map((fn, i) => enc.root(fn, `onRestore hook ${i}`));
    // Listeners the program put on `process` (instrumented functions only: Node's own stay).
    const processListeners: [string, V, 0 | 1][] = [];
    for (const ev of process.eventNames()) {
      if (typeof ev !== 'string') continue;
      for (const raw of process.rawListeners(ev) as ((...a: unknown[]) => unknown)[]) {
        const inner = (raw as { listener?: unknown }).listener;
        const fn = typeof inner === 'function' ? inner : raw;
        if (!ClosureTag.recordOf(fn)) continue;
        processListeners.push([ev, enc.root(fn, `process.on('${ev}')`), fn === raw ? 0 : 1]);
      }
    }
    const processState = this.processState?.capture((v, label) => enc.root(v, label));
    const calls: [string, V][] = this.calls.queued.map(([key, ...rest], i) => [key, enc.root(rest, `${key}() call ${i} waiting to start`)]);
    const modules = [...this.modules].map(([key, m]) => ({
      key,
      exports: enc.root(m.exports, `${key} exports`),
      moduleExports: enc.root(m.module.exports, `${key} module.exports`),
      filename: m.module.filename,
    }));
    enc.finish(); // weak collections and WeakRefs, once everything strongly reachable is in
    const body: SnapshotBody = {
      program: { name: this.options.name, main: this.mainKey, root: this.options.root },
      modules: [...this.moduleCode].map(([key, code]) => ({ key, code, filename: this.modules.get(key)?.module.filename })),
      ...(this.dynamic?.entries.size ? { dynamic: [...this.dynamic.entries].map(([key, e]) => ({ key, source: e.source })) } : {}),
      heap: enc.records,
      kinds: enc.kinds.join(''),
      roots: { timers, globals, ...(deletedGlobals.length ? { deletedGlobals } : {}), hooks, process: processListeners, ...(processState ? { processState } : {}), ...(calls.length ? { calls } : {}), modules, ...(process.exitCode !== undefined ? { exitCode: process.exitCode } : {}) },
      clock: { capturedAt: Date.now() },
      node: process.version,
      arch: process.arch,
    };
    return { body, objects: enc.objectCount, timers: timers.length };
  }

  private encoderEnv(): EncodeEnv {
    return {
      builtins: this.builtins,
      recordOf: ClosureTag.recordOf,
      codeOf: (f) => this.factoryCode.get(f),
      scheduler: this.scheduler,
      transient: this.transient,
      hasTransient: this.hasTransient,
      classMembers: this.classMembers,
      reflectors: this.reflectors,
      moduleKeyOf: this.moduleKeyOf,
    };
  }

  private decoderEnv(): DecodeEnv {
    return {
      builtins: this.builtins,
      factoryOf: (key, i) => this.factories.get(key)?.[i],
      scheduler: this.scheduler,
      classState: this.classState,
      classMembers: this.classMembers,
      reflectors: this.reflectors,
      moduleOf: (key: string, what: 'module' | 'require') => {
        const m = this.modules.get(key);
        return what === 'module' ? m?.module : m?.require;
      },
    };
  }

  /**
   * Does ahead the one-time work of this process's first capture and restore, out of a
   * migration's downtime: walks the lazily defined globals that the table could not wrap
   * (call it before any program code runs: after, what the program hung on them would pass
   * for built-ins; the others are walked when first read), and runs the heap encoder and
   * decoder once over a small throwaway graph, so that their code is compiled. Touches no
   * program state.
   */
  warmUp(): void {
    // Lazily defined globals are walked when first read (BuiltinTable.walkOnFirstRead); those
    // that could not be wrapped, now.
    this.builtins.walkLazyGlobals();
    const shared = { s: 'shared' };
    const graph = { o: { a: 1, b: 'two', c: [true, null, 2.5, { d: [] }] }, l: [shared, shared, undefined, NaN, -0, 1n], m: new Map([['k', { v: [1] }]]), s: new Set([shared]), t: new Date(0) };
    const enc = new HeapEncoder(this.encoderEnv());
    const root = enc.root(graph, 'warm-up');
    enc.finish();
    const body = JSON.parse(JSON.stringify({ heap: enc.records, kinds: enc.kinds.join('') })) as { heap: never; kinds: string };
    new HeapDecoder(body.heap, this.decoderEnv(), undefined, body.kinds, true).value(root);
  }

  /**
   * Rebuilds the heap of a snapshot whose modules have already been loaded (with
   * `restoring` set). Leaves the program paused; call resume() to let it run.
   * `formatVersion`: the snapshot's format version (the envelope's).
   */
  restore(body: SnapshotBody, preset?: Map<number, object>, formatVersion = FORMAT_IN_PLACE): void {
    try {
      for (const d of body.dynamic ?? []) {
        if (!this.dynamic) throw new RestoreError('the snapshot holds functions made by new Function, and this host cannot instrument code at run time');
        if (!this.dynamic.entries.has(d.key)) this.dynamic.load(d.key, d.source);
      }
      this.restoreHeap(body, preset, formatVersion >= FORMAT_IN_PLACE);
    } catch (err) {
      // Nothing of the program runs: let the process end instead of idling paused.
      this.scheduler.abandon();
      this.classState.r = false;
      throw err;
    }
  }

  private restoreHeap(body: SnapshotBody, preset: Map<number, object> | undefined, inPlace: boolean): void {
    this.scheduler.pause();
    // Class factories run again below: their static blocks and initializers must not.
    this.classState.r = true;
    const dec = new HeapDecoder(body.heap as never, this.decoderEnv(), preset, typeof body.kinds === 'string' ? body.kinds : undefined, inPlace);
    this.classState.r = false;
    for (const m of body.roots.modules ?? []) {
      const loaded = this.modules.get(m.key);
      if (loaded) loaded.module.exports = dec.value(m.moduleExports);
    }
    for (const name of body.roots.deletedGlobals ?? []) if (typeof name === 'string' && name !== RUNTIME_GLOBAL) delete (globalThis as Record<string, unknown>)[name];
    for (const [name, v] of body.roots.globals) (globalThis as Record<string, unknown>)[name] = dec.value(v);
    if (body.roots.exitCode !== undefined) process.exitCode = Number(body.roots.exitCode);
    (this.processState ?? new ProcessState()).restore(body.roots.processState, (v) => dec.value(v));
    this.calls.pause();
    try {
      this.calls.restoreQueue(body.roots.calls?.map(([key, v]) => [key, ...(dec.value(v) as unknown[])] as QueuedCall));
    } catch (err) {
      throw new RestoreError((err as Error).message);
    }
    for (const [ev, v, once] of body.roots.process ?? []) {
      const fn = dec.value(v) as (...a: unknown[]) => void;
      if (once) process.once(ev, fn);
      else process.on(ev, fn);
    }
    for (const v of body.roots.timers) {
      const t = dec.value(v);
      if (!(t instanceof VirtualTimer)) throw new RestoreError('timer root is not a timer');
      this.scheduler.add(t);
    }
    this.afterRestore.length = 0;
    for (const v of body.roots.hooks ?? []) this.afterRestore.push(dec.value(v) as () => void);
    this.restoring = false;
    this.wasRestored = true;
    // The program's onRestore hooks run as its first turn once it is resumed.
    if (this.afterRestore.length) {
      const hooks = [...this.afterRestore];
      this.scheduler.create('immediate', () => {
        for (const fn of hooks) fn();
      }, [], 0);
    }
  }
}
