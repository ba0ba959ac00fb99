/**
 * Heap encoder: walks the object graph from the roots (iteratively: deep lists must not
 * overflow the stack) and emits one record per object, keeping identities so that cycles
 * and shared references survive. Anything that cannot be rebuilt elsewhere fails the whole
 * capture with E_NOT_CAPTURABLE and the path by which the program reaches it; the program
 * itself is not touched.
 */
import { types } from 'node:util';
import type { BuiltinTable } from './builtins';
import { wellKnownSymbolName } from './builtins';
import { FLAGS_DEFAULT, FLAG_ACCESSOR, FLAG_CONFIGURABLE, FLAG_ENUMERABLE, FLAG_WRITABLE, K, type Prop, type RecordBase, type V } from './format';
import { VirtualTimer, type TimerScheduler } from '../timers';
import { RUNTIME_CLASSES } from '../generators';

let runtimeClassOf: Map<object, string> | null = null;
/** Runtime classes by prototype (built on first use: other runtime modules add to the list). */
function RUNTIME_CLASS(proto: object | null): string | undefined {
  runtimeClassOf ??= new Map<object, string>(Object.entries(RUNTIME_CLASSES).map(([name, c]) => [c.prototype, name]));
  return proto ? runtimeClassOf.get(proto) : undefined;
}
import { boundParts } from '../intrinsics/bind';
import { isFinalizationRegistry, isWeakRef } from '../intrinsics/weak';
import { finishWeak } from '../intrinsics/weak-scan';
import { nativeBoxedValue, nativeDateTime, nativeMapEntries, nativeMaxByteLength, nativeRegExp, nativeSetValues, nativeTypedArray } from '../intrinsics/native';

export class CaptureError extends Error {
  readonly code = 'E_NOT_CAPTURABLE';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${message} at ${path}`);
    this.name = 'CaptureError';
  }
}

export interface EncodeEnv {
  builtins: BuiltinTable;
  /** The code record a closure was stamped with, and the factory → [module key, unit index] registry. */
  recordOf: (fn: unknown) => unknown[] | undefined;
  codeOf: (factory: unknown) => [string, number] | undefined;
  scheduler: TimerScheduler;
  /** Objects marked by the program as not to be migrated: encoded as undefined. */
  transient: WeakSet<object>;
  /** Classes made by instrumented code: their tagged members, and private-state reflectors. */
  classMembers: WeakMap<object, unknown[]>;
  reflectors: WeakMap<object, ClassReflectorLike>;
  /** `module` objects and `require` functions of the program's modules → module key. */
  moduleKeyOf: WeakMap<object, string>;
}

export interface ClassReflectorLike {
  has(o: object): boolean;
  get(o: object): unknown[];
  sget(c: object): unknown[];
}

/** The [[Prototype]] the factory gives a function of this kind. */
function naturalProto(fn: unknown): object {
  if (types.isGeneratorFunction(fn)) return Object.getPrototypeOf(types.isAsyncFunction(fn) ? ASYNC_GEN : GEN);
  if (types.isAsyncFunction(fn)) return Object.getPrototypeOf(ASYNC);
  return Function.prototype;
}
/* eslint-disable @typescript-eslint/no-empty-function */
const GEN = function* () {};
const ASYNC = async function () {};
const ASYNC_GEN = async function* () {};
/* eslint-enable @typescript-eslint/no-empty-function */

/** Built-in classes whose instances hold state no reflection can read. */
const HIDDEN_STATE: [string, unknown][] = ['AbortController', 'AbortSignal', 'Blob', 'MessagePort', 'MessageChannel', 'BroadcastChannel', 'ReadableStream', 'WritableStream', 'TransformStream', 'TextDecoder', 'CompressionStream', 'DecompressionStream', 'EventTarget', 'Headers', 'Request', 'Response', 'FormData', 'WebSocket', 'Worker'].map((n) => {
  const d = Object.getOwnPropertyDescriptor(globalThis, n);
  return [n, d && 'value' in d ? d.value : undefined];
});

function ownConstructor(o: object): unknown {
  const d = Object.getOwnPropertyDescriptor(o, 'constructor');
  return d && 'value' in d ? d.value : undefined;
}

type Edge = string | number | symbol | { env: string } | { root: string } | { entry: number } | { proto: true } | { priv: number };

const NATIVE_ITERATOR_PROTOS = new Set<unknown>([Object.getPrototypeOf([][Symbol.iterator]()), Object.getPrototypeOf(''[Symbol.iterator]()), Object.getPrototypeOf(/a/[Symbol.matchAll](''))]);
const CALLEE = new Set<string | symbol>(['callee']);
const FN_SKIP = new Set<string | symbol>(['length', 'name', 'arguments', 'caller']);
const FN_SKIP_NAME = new Set<string | symbol>(['name', 'arguments', 'caller']);
const FN_SKIP_LENGTH = new Set<string | symbol>(['length', 'arguments', 'caller']);
const FN_SKIP_NEITHER = new Set<string | symbol>(['arguments', 'caller']);
/** The own properties a factory recreates by itself: `name` and `length` are skipped while
 *  they have the engine's flags (read-only, configurable); sealed or frozen, they are kept. */
function fnSkip(fn: object): Set<string | symbol> {
  const usual = (k: string): boolean => {
    const d = Object.getOwnPropertyDescriptor(fn, k);
    return !d || ('value' in d && !d.writable && !d.enumerable && d.configurable === true);
  };
  const name = usual('name');
  const length = usual('length');
  return name && length ? FN_SKIP : name ? FN_SKIP_NAME : length ? FN_SKIP_LENGTH : FN_SKIP_NEITHER;
}

export class HeapEncoder {
  readonly records: RecordBase[] = [];
  private readonly ids = new Map<unknown, number>();
  private readonly queue: unknown[] = [];
  private head = 0;
  private readonly parent: number[] = [];
  private readonly edge: Edge[] = [];
  private current = -1;
  private currentEdge: Edge = '';

  constructor(private readonly env: EncodeEnv) {}

  /** Encodes a root value; `label` names it in error paths. */
  root(value: unknown, label: string): V {
    this.current = -1;
    this.currentEdge = { root: label };
    const v = this.value(value);
    this.drain();
    return v;
  }

  get objectCount(): number {
    return this.records.length;
  }

  /** Set when a WeakMap, WeakSet or WeakRef is met: finish() has work to do. */
  private hasWeak = false;

  /** Call after the last root: adds the entries of weak collections and the targets of
   *  WeakRefs that are reachable, to a fixed point (intrinsics/weak-scan.ts). */
  finish(): void {
    if (!this.hasWeak) return;
    finishWeak({
      ids: this.ids,
      records: this.records,
      flush: () => this.drain(),
      valueFrom: (parent, edge, v) => {
        this.current = parent;
        this.currentEdge = edge;
        return this.value(v);
      },
      isBuiltin: (v) => this.env.builtins.has(v),
      builtinValues: () => this.env.builtins.values(),
    });
  }

  private drain(): void {
    while (this.head < this.queue.length) {
      const id = this.records.length;
      const obj = this.queue[this.head];
      this.queue[this.head++] = undefined;
      this.current = id;
      this.records.push(null as unknown as RecordBase);
      this.records[id] = this.record(obj);
    }
  }

  private at(e: Edge): this {
    this.currentEdge = e;
    return this;
  }

  value(v: unknown): V {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        if (Number.isFinite(v) && !(v === 0 && 1 / v < 0)) return v;
        return ['n', Object.is(v, -0) ? '-0' : String(v)];
      case 'undefined':
        return ['u'];
      case 'bigint':
        return ['b', v.toString()];
      case 'symbol': {
        const reg = Symbol.keyFor(v);
        if (reg !== undefined) return ['sf', reg];
        const wk = wellKnownSymbolName(v);
        if (wk) return ['sw', wk];
        return ['r', this.ref(v)];
      }
      case 'object':
        if (v === null) return null;
        if (this.env.transient.has(v)) return ['u'];
        return ['r', this.ref(v)];
      case 'function':
        return ['r', this.ref(v)];
      default:
        return ['u'];
    }
  }

  private ref(v: unknown): number {
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(v, id);
      this.queue.push(v);
      this.parent[id] = this.current;
      this.edge[id] = this.currentEdge;
    }
    return id;
  }

  private key(k: string | symbol): string | V {
    return typeof k === 'string' ? k : this.value(k);
  }

  /** Own properties of `o` except `skip`. */
  private props(o: object, skip?: Set<string | symbol>, skipIndices = false): Prop[] | undefined {
    const out: Prop[] = [];
    const descs = Object.getOwnPropertyDescriptors(o) as Record<string | symbol, PropertyDescriptor>;
    for (const k of Reflect.ownKeys(descs)) {
      if (skip && skip.has(k)) continue;
      if (skipIndices && typeof k === 'string' && isIndex(k)) continue;
      out.push(this.prop(k, descs[k]));
    }
    return out.length ? out : undefined;
  }

  private prop(k: string | symbol, d: PropertyDescriptor): Prop {
    this.at(k);
    const key = this.key(k);
    if ('value' in d) {
      const flags = (d.writable ? FLAG_WRITABLE : 0) | (d.enumerable ? FLAG_ENUMERABLE : 0) | (d.configurable ? FLAG_CONFIGURABLE : 0);
      const val = this.value(d.value);
      return flags === FLAGS_DEFAULT ? [key, val] : [key, val, flags];
    }
    const flags = FLAG_ACCESSOR | (d.enumerable ? FLAG_ENUMERABLE : 0) | (d.configurable ? FLAG_CONFIGURABLE : 0);
    return [key, ['acc', this.value(d.get), this.value(d.set)] as unknown as V, flags];
  }

  private withProto(rec: RecordBase, o: object, defaultProto: object | null): RecordBase {
    const proto = Object.getPrototypeOf(o);
    if (proto !== defaultProto) {
      this.at({ proto: true });
      rec.p = this.value(proto);
    }
    if (!Object.isExtensible(o)) rec.x = 1;
    return rec;
  }

  private fail(what: string): never {
    throw new CaptureError(what, this.pathOf(this.current));
  }

  private record(v: unknown): RecordBase {
    const { builtins } = this.env;
    const path = builtins.pathOf(v);
    if (path) return { k: K.builtin, path } as RecordBase;

    if (typeof v === 'symbol') return { k: K.symbol, d: v.description } as RecordBase;

    const moduleKey = this.env.moduleKeyOf.get(v as object);
    if (moduleKey !== undefined) return { k: K.module, key: moduleKey, w: typeof v === 'function' ? 'require' : 'module' } as RecordBase;

    if (typeof v === 'function') {
      const meta = this.env.recordOf(v);
      if (!meta) {
        const bound = boundParts(v);
        if (bound) {
          // A bound function: bound again on restore (its name and length are own properties).
          const rec = { k: K.bound } as RecordBase & Record<string, unknown>;
          this.at('[[target]]');
          rec.f = this.value(bound.target);
          this.at('[[this]]');
          rec.t = this.value(bound.thisArg);
          rec.a = bound.args.map((x, i) => this.at(i).value(x));
          const o = this.props(v);
          if (o) rec.o = o;
          return this.withProto(rec, v, Function.prototype);
        }
        const name = v.name ? ` '${v.name}'` : '';
        if (/^bound /.test(v.name)) this.fail(`a bound function${name} cannot be captured yet`);
        if (/\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(v))) this.fail(`a native function${name} (not a JavaScript built-in that exists on every device) cannot be captured`);
        if (/^class[\s{]/.test(Function.prototype.toString.call(v))) this.fail(`a class${name} cannot be captured yet`);
        this.fail(`a function${name} that was not instrumented (part of Node.js itself, or made by eval, new Function or a class body) cannot be captured`);
      }
      if ((meta[1] as number) >= 0) {
        // A method or accessor of a class: rebuilt from its (restored) class.
        const rec = { k: K.func, m: meta[1] } as RecordBase & Record<string, unknown>;
        this.at('[[class]]');
        rec.cls = this.value(meta[2]);
        const o = this.props(v, fnSkip(v));
        if (o) rec.o = o;
        return this.withProto(rec, v, naturalProto(v));
      }
      const code = this.env.codeOf(meta[0]);
      if (!code) this.fail('a closure with an unknown factory');
      const rec = { k: K.func, c: code } as RecordBase & { c: unknown; e: V[] } & Record<string, unknown>;
      const fname = v.name || '(anonymous)';
      rec.e = [];
      for (let i = 2; i < meta.length; i++) {
        this.at({ env: fname });
        rec.e.push(this.value(meta[i]));
      }
      if (meta[1] === -2) {
        // A derived class: its factory takes the heritage (the class's [[Prototype]]).
        this.at('[[extends]]');
        rec.h = this.value(Object.getPrototypeOf(v));
      }
      const reflector = this.env.reflectors.get(v);
      if (reflector) {
        const sp = reflector.sget(v);
        if (sp.length) rec.sp = sp.map((x, i) => this.at({ priv: i }).value(x));
      }
      const o = this.props(v, fnSkip(v));
      if (o) rec.o = o;
      // A derived class's [[Prototype]] is its heritage, which its factory sets.
      return this.withProto(rec, v, meta[1] === -2 ? Object.getPrototypeOf(v) : naturalProto(v));
    }

    const o = v as object;
    if (o instanceof VirtualTimer && Object.getPrototypeOf(o) === VirtualTimer.prototype) {
      const t = o as VirtualTimer;
      const pending = this.env.scheduler.pending.has(t);
      const rec = { k: K.timer, t: t._kind, d: t._delay, id: t._id, ref: t._ref ? 1 : 0, live: pending ? 1 : 0, r: pending ? Math.max(0, t._due - this.env.scheduler.now()) : 0 } as RecordBase & Record<string, unknown>;
      if (t._cleared) rec.cl = 1;
      this.at('callback');
      rec.f = this.value(t._callback);
      rec.a = t._args.map((a, i) => this.at(i).value(a));
      return rec;
    }

    // The prototype object of an instrumented class: the restored class makes its own.
    const ctorOfO = ownConstructor(o);
    if (typeof ctorOfO === 'function' && this.env.classMembers.has(ctorOfO) && (ctorOfO as { prototype?: unknown }).prototype === o) {
      const rec = { k: K.classProto } as RecordBase & Record<string, unknown>;
      this.at('[[class]]');
      rec.cls = this.value(ctorOfO);
      const props = this.props(o);
      if (props) rec.o = props;
      // Kept explicitly: a heritage that is a plain constructor function gets its restored
      // `prototype` object only after the class is made.
      return this.withProto(rec, o, Object.prototype);
    }

    // Built-in classes that keep their state in private fields: rebuilt from their text form,
    // or refused by name.
    if (o instanceof URL && Object.getPrototypeOf(o) === URL.prototype) return { k: K.url, s: (o as URL).href } as RecordBase;
    if (o instanceof URLSearchParams && Object.getPrototypeOf(o) === URLSearchParams.prototype) return { k: K.urlParams, s: String(o) } as RecordBase;
    for (const [name, C] of HIDDEN_STATE) if (typeof C === 'function' && o instanceof (C as new () => object)) this.fail(`a ${name} keeps internal state that cannot be migrated`);

    // Runtime objects that are program state (a suspended generator, a for-of iterator).
    const runtimeClass = RUNTIME_CLASS(Object.getPrototypeOf(o));
    if (runtimeClass) {
      const fields = RUNTIME_CLASSES[runtimeClass].fields;
      return { k: K.runtimeObject, c: runtimeClass, f: fields.map((name) => this.at(name).value((o as Record<string, unknown>)[name])) } as RecordBase;
    }

    if (Array.isArray(o)) return this.array(o as unknown[]);
    if (types.isPromise(o)) this.fail('a promise made by Node.js itself (not by the program, e.g. by fs/promises or a native async function) cannot be captured');
    if (types.isGeneratorObject(o)) this.fail('a generator that was not instrumented (of Node.js itself, or made by eval or new Function) cannot be captured');
    if (types.isMapIterator(o) || types.isSetIterator(o) || NATIVE_ITERATOR_PROTOS.has(Object.getPrototypeOf(o))) {
      this.fail('a built-in iterator in use (of an array, string, Map or Set; its position is internal) cannot be captured: iterate with for-of, or over a copy');
    }
    if (types.isProxy(o)) this.fail('a Proxy cannot be captured');
    if (types.isWeakMap(o) || types.isWeakSet(o)) {
      // Entries are added by finish(), for the keys that turn out to be reachable.
      const map = types.isWeakMap(o);
      const rec = { k: map ? K.weakmap : K.weakset, v: [] } as RecordBase & Record<string, unknown>;
      this.hasWeak = true;
      const props = this.props(o);
      if (props) rec.o = props;
      return this.withProto(rec, o, map ? WeakMap.prototype : WeakSet.prototype);
    }
    if (isWeakRef(o)) {
      const rec = { k: K.weakref } as RecordBase; // `t` is set by finish() if the target is reachable
      this.hasWeak = true;
      const props = this.props(o);
      if (props) rec.o = props;
      return this.withProto(rec, o, WeakRef.prototype);
    }
    if (isFinalizationRegistry(o)) this.fail('a FinalizationRegistry cannot be captured (its registrations cannot be read)');
    if (types.isExternal(o) || types.isModuleNamespaceObject(o)) this.fail('a native object cannot be captured');
    if (types.isMap(o)) {
      const rec = { k: K.map } as RecordBase & { v: V[][] };
      rec.v = [];
      let i = 0;
      for (const [mk, mv] of nativeMapEntries(o)) {
        this.at({ entry: i++ });
        rec.v.push([this.value(mk), this.value(mv)]);
      }
      const props = this.props(o);
      if (props) rec.o = props;
      return this.withProto(rec, o, Map.prototype);
    }
    if (types.isSet(o)) {
      const rec = { k: K.set } as RecordBase & { v: V[] };
      rec.v = [];
      let i = 0;
      for (const sv of nativeSetValues(o)) rec.v.push(this.at({ entry: i++ }).value(sv));
      const props = this.props(o);
      if (props) rec.o = props;
      return this.withProto(rec, o, Set.prototype);
    }
    if (types.isDate(o)) {
      const t = nativeDateTime(o);
      const rec = { k: K.date, t: Number.isNaN(t) ? null : t } as RecordBase;
      const props = this.props(o);
      if (props) rec.o = props;
      return this.withProto(rec, o, Date.prototype);
    }
    if (types.isRegExp(o)) {
      const r = nativeRegExp(o);
      const rec = { k: K.regexp, s: r.source, f: r.flags } as RecordBase;
      const props = this.props(o);
      if (props) rec.o = props;
      return this.withProto(rec, o, RegExp.prototype);
    }
    if (types.isNativeError(o)) {
      const rec = { k: K.error } as RecordBase;
      const props = this.props(o);
      if (props) rec.o = props;
      return this.withProto(rec, o, Error.prototype);
    }
    if (types.isBoxedPrimitive(o)) {
      const prim = nativeBoxedValue(o);
      const rec = { k: K.boxed, v: this.value(prim) } as RecordBase;
      // A String object's characters and length are not properties to keep; indices past
      // its length are.
      const chars = typeof prim === 'string' ? prim.length : -1;
      const props = this.props(o);
      if (props) rec.o = props.filter((p) => !(chars >= 0 && typeof p[0] === 'string' && (p[0] === 'length' || (isIndex(p[0]) && Number(p[0]) < chars))));
      if (rec.o && !rec.o.length) delete rec.o;
      return this.withProto(rec, o, Object.getPrototypeOf(Object(prim)));
    }
    if (types.isArgumentsObject(o)) {
      // Every own property (indices, length, Symbol.iterator, extra ones); a sloppy-mode
      // object's `callee` is an ordinary property, a strict one's is the engine's thrower.
      const d = Object.getOwnPropertyDescriptor(o, 'callee');
      const sloppy = !!d && 'value' in d;
      const rec = { k: K.args } as RecordBase & Record<string, unknown>;
      if (sloppy) rec.m = 1;
      const props = this.props(o, sloppy ? undefined : CALLEE);
      if (props) rec.o = props;
      return this.withProto(rec, o, Object.prototype);
    }
    if (types.isArrayBuffer(o) || types.isSharedArrayBuffer(o)) {
      const buf = Buffer.from(new Uint8Array(o as ArrayBuffer));
      const rec = { k: K.arraybuffer, b: buf.toString('base64') } as RecordBase & Record<string, unknown>;
      const shared = types.isSharedArrayBuffer(o);
      if (shared) rec.shared = 1;
      const max = nativeMaxByteLength(o);
      if (max !== undefined) rec.max = max;
      const props = this.props(o);
      if (props) rec.o = props;
      return this.withProto(rec, o, shared ? SharedArrayBuffer.prototype : ArrayBuffer.prototype);
    }
    if (types.isTypedArray(o) || types.isDataView(o)) {
      const ta = nativeTypedArray(o);
      const ctor = ta.ctor;
      const rec = { k: K.typed, c: ctor, off: ta.byteOffset, l: ta.length } as unknown as RecordBase & Record<string, unknown>;
      this.at('buffer');
      rec.b = this.value(ta.buffer);
      // A typed array's index keys are its elements; a DataView's are ordinary properties.
      const props = this.props(o, undefined, ctor !== 'DataView');
      if (props) rec.o = props;
      const dflt = (globalThis as unknown as Record<string, { prototype: object } | undefined>)[ctor]?.prototype ?? null;
      return this.withProto(rec, o, dflt);
    }
    if (types.isAnyArrayBuffer(o) || (types as { isWeakRef?: (x: unknown) => boolean }).isWeakRef?.(o)) this.fail('this object cannot be captured yet');

    // A host object (a socket's or server's handle, a file, a process): its prototype is not
    // a known built-in and its constructor is native code.
    const proto = Object.getPrototypeOf(o);
    const ctor = proto && !builtins.has(proto) && Object.prototype.hasOwnProperty.call(proto, 'constructor') ? Object.getOwnPropertyDescriptor(proto, 'constructor')?.value : undefined;
    if (typeof ctor === 'function' && !builtins.has(ctor) && !this.env.recordOf(ctor) && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(ctor))) {
      this.fail(`a native ${ctor.name || 'host'} handle (an open socket, server, file or child process) cannot be migrated`);
    }
    // An instance of instrumented classes with private state (#fields, #methods).
    const direct = proto ? ownConstructor(proto) : undefined;
    if (typeof direct === 'function' && this.env.classMembers.has(direct)) {
      const priv: [V, V[]][] = [];
      for (let p: object | null = proto; p; p = Object.getPrototypeOf(p)) {
        const c = ownConstructor(p);
        const r = typeof c === 'function' ? this.env.reflectors.get(c) : undefined;
        if (r && r.has(o)) {
          this.at('[[class]]');
          const cv = this.value(c);
          priv.push([cv, r.get(o).map((x, i) => this.at({ priv: i }).value(x))]);
        }
      }
      if (priv.length) {
        const rec = { k: K.instance, priv } as RecordBase & Record<string, unknown>;
        this.at('[[class]]');
        rec.cls = this.value(direct);
        const props = this.props(o);
        if (props) rec.o = props;
        return rec;
      }
    }
    const rec = { k: K.object } as RecordBase;
    const props = this.props(o);
    if (props) rec.o = props;
    return this.withProto(rec, o, Object.prototype);
  }

  private array(a: unknown[]): RecordBase {
    const rec = { k: K.array, n: a.length } as RecordBase & { n: number; v?: V[]; s?: [number, V][] };
    // Elements that are ordinary data properties go in `v` / `s`; elements with other
    // descriptors (read-only, non-enumerable, accessors: frozen arrays...) go in `o` with
    // their flags, like the non-index properties and a read-only `length`.
    const descs = Object.getOwnPropertyDescriptors(a) as unknown as Record<string | symbol, PropertyDescriptor>;
    const keys = Reflect.ownKeys(descs);
    const plain = (d: PropertyDescriptor | undefined): d is PropertyDescriptor => d !== undefined && 'value' in d && d.writable === true && d.enumerable === true && d.configurable === true;
    let indexCount = 0;
    let allPlain = true;
    // Flags shared by every element when all are data properties (a frozen array: `ef`).
    let common = -1;
    for (const k of keys) {
      if (typeof k !== 'string' || !isIndex(k)) continue;
      indexCount++;
      const d = descs[k];
      if (!plain(d)) allPlain = false;
      const f = 'value' in d ? (d.writable ? FLAG_WRITABLE : 0) | (d.enumerable ? FLAG_ENUMERABLE : 0) | (d.configurable ? FLAG_CONFIGURABLE : 0) : -2;
      common = common === -1 || common === f ? f : -2;
    }
    const shared = indexCount === a.length && !allPlain && common >= 0;
    if (indexCount === a.length && (allPlain || shared)) {
      rec.v = new Array(a.length);
      for (let i = 0; i < a.length; i++) rec.v[i] = this.at(i).value(descs[i].value);
      if (shared) (rec as RecordBase & { ef?: number }).ef = common;
    } else if (indexCount * 2 >= a.length) {
      rec.v = new Array(a.length);
      for (let i = 0; i < a.length; i++) {
        const d = descs[i];
        rec.v[i] = plain(d) ? this.at(i).value(d.value) : ['h'];
      }
    } else {
      rec.s = [];
      for (const k of keys) if (typeof k === 'string' && isIndex(k) && plain(descs[k])) rec.s.push([Number(k), this.at(Number(k)).value(descs[k].value)]);
    }
    const extra: Prop[] = [];
    for (const k of keys) {
      const d = descs[k as string];
      if (typeof k === 'string' && (k === 'length' ? d.writable : isIndex(k) && (shared || plain(d)))) continue;
      extra.push(this.prop(k, d));
    }
    if (extra.length) rec.o = extra;
    return this.withProto(rec, a, Array.prototype);
  }

  /** A readable path to record `id`, for error messages: `tick › tcpClient.socket`. */
  pathOf(id: number): string {
    const parts: string[] = [];
    let first = true;
    for (let cur = id; cur >= 0; cur = this.parent[cur]) {
      const e = this.edge[cur];
      if (typeof e === 'string') parts.push(/^[A-Za-z_$][\w$]*$/.test(e) ? `.${e}` : `[${JSON.stringify(e)}]`);
      else if (typeof e === 'number') parts.push(`[${e}]`);
      else if (typeof e === 'symbol') parts.push(`[${String(e)}]`);
      else if ('env' in e) parts.push(e.env === '(anonymous)' ? ' › ' : ` › ${e.env}() › `);
      else if ('root' in e) parts.push(e.root);
      else if ('entry' in e) parts.push(`.<entry ${e.entry}>`);
      else if ('proto' in e) parts.push('.[[Prototype]]');
      else if ('priv' in e) parts.push(`.#${e.priv}`);
      first = false;
    }
    void first;
    return parts
      .reverse()
      .join('')
      .replace(/ \u203A \./g, ' › ')
      .replace(/^\./, '')
      .replace(/ \u203A $/, '');
  }
}

const LENGTH = new Set<string | symbol>(['length']);

function isIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  const n = Number(k);
  return Number.isInteger(n) && n >= 0 && n < 4294967295 && String(n) === k;
}
