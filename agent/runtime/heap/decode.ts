/**
 * Heap decoder: rebuilds the records of a snapshot in a fresh process.
 *
 *   1. shells: every record becomes an (empty) object of the right kind; built-ins are
 *      looked up by path; closures are left for step 2.
 *   2. closures: each factory is called with its (still empty) environment records.
 *   3. contents: prototypes, properties, entries, elements.
 *   4. integrity: non-extensible / sealed / frozen objects are locked last.
 */
import type { BuiltinTable } from './builtins';
import { wellKnownSymbol } from './builtins';
import { ENTRY, FLAG_ACCESSOR, FLAG_CONFIGURABLE, FLAG_ENUMERABLE, FLAG_WRITABLE, K, entryKind, type Prop, type RecordBase, type V } from './format';
import { VirtualTimer, type TimerScheduler } from '../timers';
import { RUNTIME_CLASSES } from '../generators';
import { bindTracked } from '../intrinsics/bind';
import { makeWeakRef, weakMapSet, weakSetAdd } from '../intrinsics/weak';

/** Arguments objects without arguments: a strict one, and (code made by Function is sloppy)
 *  an unmapped sloppy one whose `callee` is an ordinary property. */
function strictArguments(): IArguments {
  'use strict';
  return arguments; // eslint-disable-line prefer-rest-params
}
const sloppyArguments = Function('return arguments') as () => IArguments;

export class RestoreError extends Error {
  readonly code = 'E_RESTORE_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'RestoreError';
  }
}

export interface DecodeEnv {
  builtins: BuiltinTable;
  factoryOf: (moduleKey: string, index: number) => ((...envs: unknown[]) => unknown) | undefined;
  scheduler: TimerScheduler;
  /** Class support: the flags class code reads, each class's members, private reflectors. */
  classState: { r: boolean; s: boolean };
  classMembers: WeakMap<object, unknown[]>;
  reflectors: WeakMap<object, { set(o: object, v: unknown[]): void; sset(c: object, v: unknown[]): void }>;
  moduleOf: (key: string, what: 'module' | 'require') => unknown;
}

type Rec = RecordBase & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DOT = ENTRY.record.charCodeAt(0);
const ENTRY_OBJECT = ENTRY.object.charCodeAt(0);
const ENTRY_JSON = ENTRY.json.charCodeAt(0);
const ENTRY_ARRAY = ENTRY.array.charCodeAt(0);
const ENTRY_JSON_ARRAY = ENTRY.jsonArray.charCodeAt(0);

/** Copies the properties of a `j` / `q` object into an object that must keep its identity. */
function copyInto(target: Record<string, unknown>, src: Record<string, unknown>): void {
  const keys = Object.keys(src);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k === '__proto__') Object.defineProperty(target, k, { value: src[k], writable: true, enumerable: true, configurable: true });
    else target[k] = src[k];
  }
}

export class HeapDecoder {
  private readonly objs: unknown[];
  /** Records whose object holds encoded values still (`q` forms), until patched in place. */
  private readonly unpatched: Uint8Array;
  /** Record numbers by what the later steps do with them. */
  private readonly funcs: number[] = [];
  private readonly typedArrays: number[] = [];
  private readonly classProtos: number[] = [];
  private readonly instances: number[] = [];
  private readonly lateOnes: number[] = [];
  private readonly locked: number[] = [];

  /**
   * @param preset objects that already exist for some ordinary-object records (a module's
   *   original `exports`, which the module's code was compiled against), filled in place.
   */
  constructor(
    private readonly records: Rec[],
    private readonly env: DecodeEnv,
    private readonly preset: Map<number, object> = new Map(),
    /** One character per entry (format.ts ENTRY); absent: records only (format 1). */
    private readonly kinds?: string,
    /** Format 3: a value may be an object or array written in place (see value()). */
    private readonly inPlace = false,
  ) {
    if (kinds !== undefined && kinds.length !== records.length) throw new RestoreError('the heap and its entry kinds differ in length');
    this.objs = new Array(records.length);
    this.unpatched = new Uint8Array(records.length);
    this.shells();
    this.closures();
    this.late();
    this.contents();
    this.integrity();
  }

  /** The rebuilt object of record `id`. */
  object(id: number): unknown {
    return this.objs[id];
  }

  value(v: V): unknown {
    if (v === null || typeof v !== 'object') return v;
    // A plain JSON object, or an array whose first element is not a string (not a tag): an
    // entry written in place of its one reference (format 3), used as it is.
    if (this.inPlace && (!Array.isArray(v) || typeof v[0] !== 'string')) return v;
    switch (v[0]) {
      case 'r': {
        const id = v[1] as number;
        if (!(id >= 0 && id < this.objs.length)) throw new RestoreError(`reference to missing record ${id}`);
        return this.objs[id];
      }
      case 'u':
        return undefined;
      case 'n':
        return v[1] === '-0' ? -0 : Number(v[1]);
      case 'b':
        return BigInt(v[1] as string);
      case 'sf':
        return Symbol.for(v[1] as string);
      case 'sw': {
        const s = wellKnownSymbol(v[1] as string);
        if (!s) throw new RestoreError(`unknown well-known symbol ${String(v[1])}`);
        return s;
      }
      default:
        throw new RestoreError(`unknown value tag ${JSON.stringify(v[0])}`);
    }
  }

  /** The record kind of entry i (K.object / K.array for bare entries). */
  private kindOf(i: number): string | undefined {
    return entryKind(this.records, this.kinds, i);
  }

  private isBare(i: number): boolean {
    return this.kinds !== undefined && this.kinds.charCodeAt(i) !== DOT;
  }

  /** A bare entry: the object or array itself (format.ts ENTRY). */
  private bare(i: number, c: number): void {
    const e = this.records[i] as unknown;
    if (c === ENTRY_OBJECT || c === ENTRY_JSON) {
      if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new RestoreError(`heap entry ${i} is damaged`);
      const preset = this.preset.get(i) as Record<string, unknown> | undefined;
      if (preset) copyInto(preset, e as Record<string, unknown>);
      this.objs[i] = preset ?? e;
      if (c === ENTRY_OBJECT) this.unpatched[i] = 1;
    } else if (c === ENTRY_ARRAY || c === ENTRY_JSON_ARRAY) {
      if (!Array.isArray(e)) throw new RestoreError(`heap entry ${i} is damaged`);
      this.objs[i] = e;
      if (c === ENTRY_ARRAY) this.unpatched[i] = 1;
    } else throw new RestoreError(`unknown heap entry kind ${JSON.stringify(String.fromCharCode(c))}`);
  }

  private shells(): void {
    const { builtins } = this.env;
    const { records, objs, kinds } = this;
    for (let i = 0; i < records.length; i++) {
      if (kinds !== undefined) {
        const c = kinds.charCodeAt(i);
        if (c !== DOT) {
          this.bare(i, c);
          continue;
        }
      }
      const r = records[i];
      if (r === null || typeof r !== 'object') throw new RestoreError(`heap entry ${i} is damaged`);
      if (r.x) this.locked.push(i);
      switch (r.k) {
        case K.object: {
          const preset = this.preset.get(i) as Record<string, unknown> | undefined;
          const plain = (r.j ?? r.q) as Record<string, unknown> | undefined;
          if (plain !== undefined) {
            if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) throw new RestoreError(`record ${i} is damaged`);
            if (preset) copyInto(preset, plain);
            objs[i] = preset ?? plain;
            if (r.q !== undefined) this.unpatched[i] = 1;
          } else objs[i] = preset ?? {};
          break;
        }
        case K.array: {
          const dense = (r.j ?? r.q) as unknown[] | undefined;
          if (dense !== undefined) {
            if (!Array.isArray(dense)) throw new RestoreError(`record ${i} is damaged`);
            objs[i] = dense;
            if (r.q !== undefined) this.unpatched[i] = 1;
          } else objs[i] = new Array(r.n);
          break;
        }
        case K.builtin: {
          const obj = builtins.resolve(r.path);
          if (obj === undefined) throw new RestoreError(`built-in ${r.path.join('.')} does not exist on this Node.js ${process.version}`);
          objs[i] = obj;
          break;
        }
        case K.runtimeObject: {
          const c = RUNTIME_CLASSES[r.c as string];
          if (!c) throw new RestoreError(`unknown runtime object ${JSON.stringify(r.c)}`);
          objs[i] = Object.create(c.prototype);
          break;
        }
        case K.url:
          objs[i] = new URL(r.s);
          break;
        case K.module: {
          const m = this.env.moduleOf(r.key, r.w);
          if (m === undefined) throw new RestoreError(`module ${r.key} is not loaded`);
          objs[i] = m;
          break;
        }
        case K.urlParams:
          objs[i] = new URLSearchParams(r.s);
          break;
        case K.func:
          this.funcs.push(i);
          break; // step 2
        case K.classProto:
          this.classProtos.push(i);
          break; // step 2
        case K.instance:
          this.instances.push(i);
          break; // step 2
        case K.symbol:
          objs[i] = Symbol(r.d);
          break;
        case K.date:
          objs[i] = new Date(r.t === null ? NaN : r.t);
          break;
        case K.regexp:
          objs[i] = new RegExp(r.s, r.f);
          break;
        case K.map:
          objs[i] = new Map();
          break;
        case K.set:
          objs[i] = new Set();
          break;
        case K.error: {
          const e = new Error();
          delete (e as { stack?: string }).stack;
          objs[i] = e;
          break;
        }
        case K.boxed:
          // A boxed unique symbol waits for its symbol record (step 2b).
          if (!(Array.isArray(r.v) && r.v[0] === 'r')) objs[i] = Object(this.value(r.v));
          else this.lateOnes.push(i);
          break;
        case K.weakmap:
          objs[i] = new WeakMap();
          break;
        case K.weakset:
          objs[i] = new WeakSet();
          break;
        case K.weakref:
        case K.bound:
          this.lateOnes.push(i);
          break; // step 2b
        case K.args:
          objs[i] = r.m ? sloppyArguments() : strictArguments();
          break;
        case K.arraybuffer: {
          const bytes = Buffer.from(r.b, 'base64');
          // A resizable / growable buffer keeps its maximum where this Node.js has them.
          const opts = typeof r.max === 'number' ? { maxByteLength: r.max } : undefined;
          const ab = r.shared ? new (SharedArrayBuffer as new (n: number, o?: object) => SharedArrayBuffer)(bytes.length, opts) : new (ArrayBuffer as new (n: number, o?: object) => ArrayBuffer)(bytes.length, opts);
          new Uint8Array(ab).set(bytes);
          objs[i] = ab;
          break;
        }
        case K.typed:
          this.typedArrays.push(i);
          break; // needs its buffer: in step 2
        case K.timer:
          objs[i] = Object.create(VirtualTimer.prototype) as VirtualTimer;
          break;
        default:
          throw new RestoreError(`unknown record kind ${JSON.stringify(r.k)}`);
      }
    }
  }

  private closures(): void {
    const { records, objs } = this;
    for (const i of this.typedArrays) {
      const r = records[i];
      const buf = this.value(r.b) as ArrayBuffer;
      const Ctor = (globalThis as Record<string, any>)[r.c]; // eslint-disable-line @typescript-eslint/no-explicit-any
      if (typeof Ctor !== 'function') throw new RestoreError(`unknown typed array ${r.c}`);
      objs[i] = new Ctor(buf, r.off, r.l);
    }
    // Closures and classes (a class's heritage, and a member's class, first), then class
    // prototypes and instances with private state, which need their classes.
    for (const i of this.funcs) this.ensure(i);
    for (const i of this.classProtos) objs[i] = (this.ensured(records[i].cls) as { prototype: object }).prototype;
    const st = this.env.classState;
    for (const i of this.instances) {
      const C = this.ensured(records[i].cls) as new () => object;
      st.s = true;
      try {
        objs[i] = Reflect.construct(C, [], C);
      } finally {
        st.s = false;
      }
    }
  }

  /** Step 2b: bound functions, WeakRefs and boxed unique symbols, once what they refer to
   *  exists (a bound function's target may itself be bound: made first). */
  private late(): void {
    for (const i of this.lateOnes) this.lateMake(i);
  }

  private readonly lateMaking = new Set<number>();

  private lateValue(v: V): unknown {
    if (Array.isArray(v) && v[0] === 'r') this.lateMake(v[1] as number);
    return this.value(v);
  }

  private lateMake(i: number): void {
    if (this.objs[i] !== undefined || this.isBare(i)) return;
    const r = this.records[i];
    if (!r || (r.k !== K.bound && r.k !== K.weakref && r.k !== K.boxed)) return;
    if (this.lateMaking.has(i)) throw new RestoreError(`record ${i} depends on itself`);
    this.lateMaking.add(i);
    if (r.k === K.bound) {
      const target = this.lateValue(r.f);
      if (typeof target !== 'function') throw new RestoreError(`the target of bound function record ${i} is not a function`);
      const f = bindTracked(target, this.lateValue(r.t), (r.a as V[]).map((x) => this.lateValue(x)));
      if (r.p === undefined && Object.getPrototypeOf(f) !== Function.prototype) Object.setPrototypeOf(f, Function.prototype);
      this.objs[i] = f;
    } else if (r.k === K.weakref) {
      this.objs[i] = makeWeakRef(r.t === undefined ? undefined : this.lateValue(r.t));
    } else {
      this.objs[i] = Object(this.lateValue(r.v));
    }
    this.lateMaking.delete(i);
  }

  /** Decodes, in place, the values of a `q` object or array (once). */
  private patch(id: number): void {
    if (this.unpatched[id] === 0) return;
    this.unpatched[id] = 0;
    const obj = this.objs[id];
    if (Array.isArray(obj)) {
      for (let j = 0; j < obj.length; j++) {
        const e = obj[j];
        if (e !== null && typeof e === 'object') obj[j] = this.value(e as V);
      }
    } else {
      const o = obj as Record<string, unknown>;
      const keys = Object.keys(o);
      for (let j = 0; j < keys.length; j++) {
        const e = o[keys[j]];
        if (e !== null && typeof e === 'object') o[keys[j]] = this.value(e as V);
      }
    }
  }

  private fillArrayEarly(id: number): void {
    if (this.isBare(id)) return this.patch(id);
    const r = this.records[id];
    if (r.q !== undefined) return this.patch(id);
    const a = this.objs[id] as unknown[];
    const v = r.v as V[] | undefined;
    if (v) v.forEach((e, j) => {
      if (!(Array.isArray(e) && e[0] === 'h')) a[j] = this.ensured(e);
    });
  }

  /** The value of V, creating the closure or class it refers to first if needed. */
  private ensured(v: V): unknown {
    if (Array.isArray(v) && v[0] === 'r' && this.kindOf(v[1] as number) === K.func) this.ensure(v[1] as number);
    return this.value(v);
  }

  private readonly making = new Set<number>();

  private ensure(i: number): void {
    if (this.objs[i] !== undefined) return;
    if (this.making.has(i)) throw new RestoreError(`closure record ${i} depends on itself`);
    this.making.add(i);
    const r = this.records[i];
    if (typeof r.m === 'number' && r.m >= 0) {
      const C = this.ensured(r.cls) as object;
      const member = this.env.classMembers.get(C)?.[r.m];
      if (typeof member !== 'function') throw new RestoreError(`member ${r.m} of a class is missing`);
      this.objs[i] = member;
    } else {
      const [moduleKey, index] = r.c as [string, number];
      const factory = this.env.factoryOf(moduleKey, index);
      if (!factory) throw new RestoreError(`code unit ${index} of module ${moduleKey} is not loaded`);
      // Arguments are environment records, or (runtime factories) other closures: make those first.
      const args = (r.e as V[]).map((e) => {
        // A class's computed keys arrive as an array the factory reads right away.
        if (Array.isArray(e) && e[0] === 'r' && this.kindOf(e[1] as number) === K.array) this.fillArrayEarly(e[1] as number);
        return this.ensured(e);
      });
      if (r.h !== undefined) args.push(this.ensured(r.h));
      this.objs[i] = factory(...args);
    }
    this.making.delete(i);
  }

  private contents(): void {
    const { scheduler } = this.env;
    const { records, objs, kinds } = this;
    for (let i = 0; i < records.length; i++) {
      if (kinds !== undefined && kinds.charCodeAt(i) !== DOT) {
        // A bare entry: its values decoded in place.
        if (this.unpatched[i] === 1) this.patch(i);
        continue;
      }
      const r = records[i];
      const obj = objs[i] as Record<string | symbol, unknown>;
      switch (r.k) {
        case K.object:
          if (this.unpatched[i] === 1) this.patch(i);
          if (r.p === undefined && r.o === undefined) continue;
          break;
        case K.array: {
          if (r.v === undefined && r.s === undefined) {
            // `j` / `q`: the elements are in place.
            if (this.unpatched[i] === 1) this.patch(i);
            if (r.p === undefined && r.o === undefined) continue;
            break;
          }
          const a = obj as unknown as unknown[];
          if (r.v) {
            const v = r.v as V[];
            for (let j = 0; j < v.length; j++) {
              const e = v[j];
              if (Array.isArray(e) && e[0] === 'h') continue;
              a[j] = this.value(e);
            }
          } else if (r.s) for (const [j, e] of r.s as [number, V][]) a[j] = this.value(e);
          if (typeof r.ef === 'number') {
            // Every element has these flags (a frozen or sealed array).
            const f = r.ef as number;
            for (let j = 0; j < a.length; j++) Object.defineProperty(a, j, { writable: !!(f & FLAG_WRITABLE), enumerable: !!(f & FLAG_ENUMERABLE), configurable: !!(f & FLAG_CONFIGURABLE) });
          }
          break;
        }
        case K.runtimeObject: {
          const fields = RUNTIME_CLASSES[r.c as string].fields;
          const f = r.f as V[];
          for (let n = 0; n < f.length; n++) (obj as Record<string, unknown>)[fields[n]] = this.value(f[n]);
          continue;
        }
        case K.builtin:
        case K.symbol:
        case K.url:
        case K.urlParams:
        case K.module:
          continue;
        case K.map: {
          // (Indexed loops: a Map of many entries is common program state.)
          const m = obj as unknown as Map<unknown, unknown>;
          const entries = r.v as [V, V][];
          for (let j = 0; j < entries.length; j++) m.set(this.value(entries[j][0]), this.value(entries[j][1]));
          break;
        }
        case K.set: {
          const set = obj as unknown as Set<unknown>;
          const values = r.v as V[];
          for (let j = 0; j < values.length; j++) set.add(this.value(values[j]));
          break;
        }
        case K.weakmap:
          for (const [mk, mv] of r.v as [V, V][]) weakMapSet(obj, this.value(mk), this.value(mv));
          break;
        case K.weakset:
          for (const sv of r.v as V[]) weakSetAdd(obj, this.value(sv));
          break;
        case K.args: {
          if (!r.v) break; // own properties, below
          const vals = (r.v as V[]).map((x) => this.value(x));
          const a = obj as unknown as unknown[];
          for (let j = 0; j < vals.length; j++) a[j] = vals[j];
          (a as unknown as { length: number }).length = vals.length;
          break;
        }
        case K.timer: {
          const t = obj as unknown as VirtualTimer;
          t._scheduler = scheduler;
          t._kind = r.t;
          t._callback = this.value(r.f) as (...a: unknown[]) => unknown;
          t._args = (r.a as V[]).map((x) => this.value(x));
          t._delay = r.d;
          t._ref = r.ref === 1;
          t._cleared = r.cl === 1;
          t._id = r.id;
          t._native = null;
          t._due = scheduler.now() + r.r;
          // Pending timers are re-armed by the caller, in their original order.
          continue;
        }
        default:
          break;
      }
      if (r.p !== undefined) {
        const proto = this.value(r.p) as object | null;
        if (Object.getPrototypeOf(obj) !== proto) Object.setPrototypeOf(obj, proto);
      }
      if (r.k === K.regexp && r.o === undefined) continue;
      if (r.o) this.defineProps(obj, r.o as Prop[]);
      if (r.k === K.instance) {
        for (const [cv, vals] of r.priv as [V, V[]][]) this.env.reflectors.get(this.value(cv) as object)?.set(obj, vals.map((x) => this.value(x)));
      } else if (r.k === K.func && r.sp) {
        this.env.reflectors.get(obj)?.sset(obj, (r.sp as V[]).map((x) => this.value(x)));
      }
    }
  }

  private defineProps(obj: Record<string | symbol, unknown>, props: Prop[]): void {
    const proto = Object.getPrototypeOf(obj);
    const plain = proto === Object.prototype || proto === null;
    for (const p of props) {
      const key = typeof p[0] === 'string' ? p[0] : (this.value(p[0]) as string | symbol);
      if (p.length === 2) {
        if (plain && key !== '__proto__') obj[key] = this.value(p[1]);
        else Object.defineProperty(obj, key, { value: this.value(p[1]), writable: true, enumerable: true, configurable: true });
        continue;
      }
      const flags = p[2];
      if (flags & FLAG_ACCESSOR) {
        const acc = p[1] as unknown as [string, V, V];
        Object.defineProperty(obj, key, {
          get: this.value(acc[1]) as (() => unknown) | undefined,
          set: this.value(acc[2]) as ((v: unknown) => void) | undefined,
          enumerable: !!(flags & FLAG_ENUMERABLE),
          configurable: !!(flags & FLAG_CONFIGURABLE),
        });
      } else {
        Object.defineProperty(obj, key, {
          value: this.value(p[1]),
          writable: !!(flags & FLAG_WRITABLE),
          enumerable: !!(flags & FLAG_ENUMERABLE),
          configurable: !!(flags & FLAG_CONFIGURABLE),
        });
      }
    }
  }

  private integrity(): void {
    for (const i of this.locked) Object.preventExtensions(this.objs[i] as object);
  }
}
