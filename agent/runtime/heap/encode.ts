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
import { ENTRY, FLAG_ACCESSOR, FLAG_CONFIGURABLE, FLAG_ENUMERABLE, FLAG_WRITABLE, K, type Prop, type RecordBase, type V } from './format';
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
import { nativeBoxedValue, nativeDateTime, nativeMaxByteLength, nativeRegExp, nativeTypedArray } from '../intrinsics/native';
import { checks as shapeChecks, shapeStats, type ShapeChecks } from './shapes';

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
  /** False when the program never marked one (the lookup per reference is skipped). */
  hasTransient?: boolean;
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

/** Built-in classes whose instances hold state no reflection can read (those that exist as
 *  plain globals when the runtime loads). */
const HIDDEN_STATE: [string, unknown][] = ['AbortController', 'AbortSignal', 'Blob', 'MessagePort', 'MessageChannel', 'BroadcastChannel', 'ReadableStream', 'WritableStream', 'TransformStream', 'TextDecoder', 'CompressionStream', 'DecompressionStream', 'EventTarget', 'Headers', 'Request', 'Response', 'FormData', 'WebSocket', 'Worker']
  .map((n): [string, unknown] => {
    const d = Object.getOwnPropertyDescriptor(globalThis, n);
    return [n, d && 'value' in d ? d.value : undefined];
  })
  .filter(([, C]) => typeof C === 'function');
const HIDDEN_NAMES = HIDDEN_STATE.map(([n]) => n);
const HIDDEN_CLASSES = HIDDEN_STATE.map(([, C]) => C as new () => object);

const hasOwn = Object.prototype.hasOwnProperty;
const getProto = Object.getPrototypeOf;
const getOwn = Reflect.getOwnPropertyDescriptor;
const ownKeys = Reflect.ownKeys;
const ownNames = Object.getOwnPropertyNames;
const ownSymbols = Object.getOwnPropertySymbols;
const isExtensible = Object.isExtensible;
const ObjectProto = Object.prototype;
const ArrayProto = Array.prototype;
const FunctionProto = Function.prototype;
const fnToString = Function.prototype.toString;
const mapForEach = Map.prototype.forEach;
const setForEach = Set.prototype.forEach;
const {
  isProxy,
  isPromise,
  isGeneratorObject,
  isMapIterator,
  isSetIterator,
  isWeakMap,
  isWeakSet,
  isExternal,
  isModuleNamespaceObject,
  isMap,
  isSet,
  isDate,
  isRegExp,
  isNativeError,
  isBoxedPrimitive,
  isArgumentsObject,
  isArrayBuffer,
  isSharedArrayBuffer,
  isAnyArrayBuffer,
  isTypedArray,
  isDataView,
} = types;
const isNativeWeakRef = (types as { isWeakRef?: (x: unknown) => boolean }).isWeakRef;
const NATIVE_CODE = /\{\s*\[native code\]\s*\}\s*$/;

function ownConstructor(o: object): unknown {
  if (!hasOwn.call(o, 'constructor')) return undefined;
  const d = getOwn(o, 'constructor');
  return d !== undefined && 'value' in d ? d.value : undefined;
}

/**
 * Edges (how the walk reached an object, for error paths only): a property key, an element
 * index, or, encoded without an allocation per edge, -1 - i for entry i of a Map or Set; the
 * rarer kinds are objects.
 */
type Edge = string | number | symbol | { env: string } | { root: string } | { entry: number } | { proto: true } | { priv: number };
const PROTO_EDGE: Edge = { proto: true };

const NATIVE_ITERATOR_PROTOS = new Set<unknown>([getProto([][Symbol.iterator]()), getProto(''[Symbol.iterator]()), getProto(/a/[Symbol.matchAll](''))]);
const CALLEE = new Set<string | symbol>(['callee']);
const FN_SKIP = new Set<string | symbol>(['length', 'name', 'arguments', 'caller']);
const FN_SKIP_NAME = new Set<string | symbol>(['name', 'arguments', 'caller']);
const FN_SKIP_LENGTH = new Set<string | symbol>(['length', 'arguments', 'caller']);
const FN_SKIP_NEITHER = new Set<string | symbol>(['arguments', 'caller']);
/** The engine's flags of a function's own `name` and `length` (read-only, configurable). */
function usualFnProp(d: PropertyDescriptor | undefined): boolean {
  return d === undefined || ('value' in d && !d.writable && !d.enumerable && d.configurable === true);
}
/** The own properties a factory recreates by itself: `name` and `length` are skipped while
 *  they have the engine's flags (read-only, configurable); sealed or frozen, they are kept. */
function fnSkip(fn: object): Set<string | symbol> {
  const name = usualFnProp(getOwn(fn, 'name'));
  const length = usualFnProp(getOwn(fn, 'length'));
  return name && length ? FN_SKIP : name ? FN_SKIP_NAME : length ? FN_SKIP_LENGTH : FN_SKIP_NEITHER;
}

/** How deep a bare entry may nest inside another (JSON.stringify recurses on the stack). */
const MAX_INLINE_DEPTH = 100;

/** A value that is written as itself: a string, boolean, null, or finite number other than -0. */
function isPlain(x: unknown): boolean {
  const t = typeof x;
  return t === 'string' || t === 'boolean' || x === null || (t === 'number' && (x === 0 ? 1 / (x as number) > 0 : (x as number) - (x as number) === 0));
}

/** An array that would read as a tagged value (its first element a string) where a value is
 *  expected: never written in place of a reference there. */
function looksTagged(o: unknown): boolean {
  return Array.isArray(o) && o.length > 0 && typeof o[0] === 'string';
}

/** Arrays of each fast elements kind (packed and holey: small integers, doubles, any
 *  values), whose maps an array's is compared with (shapes.ts). Never changed. */
// eslint-disable-next-line no-sparse-arrays
const ARRAY_KINDS: unknown[][] = [[1], [1.5], ['x'], [1, , 2], [1.5, , 2], ['x', , 2]];
/** How many exemplars (see HeapEncoder.exemplarOf) are kept. */
const EXEMPLARS = 6;
const NO_SYMBOLS: symbol[] = [];

/** Whether an object has elements (own index properties), for an object with the map of an
 *  exemplar that has none: such a map's elements are fast ones, ordinary enumerable data
 *  properties that for-in yields before any other key. (For an object without own
 *  enumerable keys, the first key may be the prototype's: an index there also says yes,
 *  which only sends the object to the exact path.) */
function hasElements(o: object): boolean {
  // eslint-disable-next-line no-unreachable-loop
  for (const k in o) return isIndex(k);
  return false;
}

/** What objectProps() made of an ordinary object's properties. */
const FORM_PROPS = 0; // `o`: a list of properties
const FORM_JSON = 1; // `j`: the object itself
const FORM_COPY = 2; // `q`: its encoded values (a bare entry's in `flat`)

/** Flags of a data property (writable 1, enumerable 2, configurable 4). */
function dataFlags(d: PropertyDescriptor): number {
  return (d.writable ? FLAG_WRITABLE : 0) | (d.enumerable ? FLAG_ENUMERABLE : 0) | (d.configurable ? FLAG_CONFIGURABLE : 0);
}

type Rec = RecordBase & Record<string, unknown>;

/** Entry kinds (format.ts ENTRY) as character codes, while the encoder works. */
const E_RECORD = ENTRY.record.charCodeAt(0);
const E_OBJECT = ENTRY.object.charCodeAt(0);
const E_JSON = ENTRY.json.charCodeAt(0);
const E_ARRAY = ENTRY.array.charCodeAt(0);
const E_JSON_ARRAY = ENTRY.jsonArray.charCodeAt(0);
const KIND_NAMES: string[] = [];
for (const c of Object.values(ENTRY)) KIND_NAMES[c.charCodeAt(0)] = c;

export class HeapEncoder {
  /** The heap entries: records, or (see `kinds`) plain objects and arrays as they are. */
  readonly records: RecordBase[] = [];
  /** The kind of each entry (format.ts ENTRY): '.' a record, else a bare object or array.
   *  Written by finish(). */
  readonly kinds: string[] = [];
  /** Set by record() when it returns a bare entry (E_…). */
  private kind = E_RECORD;
  /** Object → record number; objects are queued in number order (queue[i] is record i). */
  private readonly ids = new Map<unknown, number>();
  private readonly queue: unknown[] = [];
  /** Per entry (typed arrays, grown together by ref()): its kind (E_…); how many references
   *  the heap and roots hold to it (a root counts twice: roots are never written in place;
   *  may count more than there are, never fewer); the entry that first referred to it; and
   *  for a bare entry whose values are kept in `flat` (its record is then its keys, or null
   *  for an array) where they are. */
  private kindCode = new Uint8Array(1024);
  private refCount = new Int32Array(1024);
  private parent = new Int32Array(1024);
  private keptAt = new Int32Array(1024);
  private keptLen = new Int32Array(1024);
  /** Every reference made as a value (`["r", id]`): renumbered when entries leave the heap. */
  private readonly refs: [string, number][] = [];
  /** The values of bare objects and arrays that hold more than plain JSON values (`o` / `a`
   *  entries), until finish() writes their entries: plain and tagged values, and where
   *  `flatRef` is 1 the number of the referenced entry. */
  private readonly flat: unknown[] = [];
  private flatRef = new Uint8Array(4096);
  private readonly edge: Edge[] = [];
  private current = -1;
  private currentEdge: Edge = '';
  private readonly transient: WeakSet<object> | null;
  /** True while no `toJSON` is inherited by plain objects and arrays: then an object or array
   *  of plain JSON values is put in its record as it is, and JSON.stringify writes it. */
  private readonly embed: boolean;

  /** V8's shape checks for this capture (shapes.ts); null: every object takes the exact path. */
  private shapes: ShapeChecks | null;
  /**
   * Exemplars, most recently matched first: an object that the exact path found to be an
   * ordinary object of plain data properties with string keys (fast-mode properties, no
   * elements), with its keys and prototype; or one of ARRAY_KINDS (keys null) whose map an
   * array that the exact path found dense and ordinary had. An object with the map of an
   * exemplar has the same own keys, flags, prototype and extensibility (shapes.ts): only its
   * values are read (and, an object's elements or a holey array's holes, looked for).
   */
  private readonly exemplars: object[] = [];
  private readonly exemplarKeys: (string[] | null)[] = [];
  private readonly exemplarProto: (object | null)[] = [];
  private readonly exemplarHoley: boolean[] = [];
  /** What objectProps() made besides its form. */
  private formOut: unknown = undefined;
  /** Objects and arrays encoded through an exemplar (tests read it). */
  shapeHits = 0;

  constructor(private readonly env: EncodeEnv) {
    this.transient = env.hasTransient === false ? null : env.transient;
    this.embed = !('toJSON' in ObjectProto) && !('toJSON' in ArrayProto);
    this.shapes = shapeChecks();
  }

  /** The exemplar whose map `o` has (moved first: 0), or -1. */
  private exemplarOf(o: object): number {
    const ex = this.exemplars;
    try {
      for (let i = 0; i < ex.length; i++) {
        if (this.shapes!.sameMap(o, ex[i])) {
          if (i > 0) this.promote(i);
          return 0;
        }
      }
    } catch {
      this.shapes = null; // (see shapes.ts: the exact path from now on)
    }
    return -1;
  }

  private promote(i: number): void {
    const { exemplars, exemplarKeys, exemplarProto, exemplarHoley } = this;
    const e = exemplars[i];
    const k = exemplarKeys[i];
    const p = exemplarProto[i];
    const h = exemplarHoley[i];
    for (let j = i; j > 0; j--) {
      exemplars[j] = exemplars[j - 1];
      exemplarKeys[j] = exemplarKeys[j - 1];
      exemplarProto[j] = exemplarProto[j - 1];
      exemplarHoley[j] = exemplarHoley[j - 1];
    }
    exemplars[0] = e;
    exemplarKeys[0] = k;
    exemplarProto[0] = p;
    exemplarHoley[0] = h;
  }

  private addExemplar(o: object, keys: string[] | null, proto: object | null, holey: boolean): void {
    this.exemplars.unshift(o);
    this.exemplarKeys.unshift(keys);
    this.exemplarProto.unshift(proto);
    this.exemplarHoley.unshift(holey);
    if (this.exemplars.length > EXEMPLARS) {
      this.exemplars.length = EXEMPLARS;
      this.exemplarKeys.length = EXEMPLARS;
      this.exemplarProto.length = EXEMPLARS;
      this.exemplarHoley.length = EXEMPLARS;
    }
  }

  /** After the exact path found `o` an ordinary object (prototype Object.prototype or null)
   *  whose own keys `keys` are strings and ordinary data properties: an exemplar if its
   *  map says as much of every object that has it. */
  private learnObject(o: object, keys: string[], proto: object | null): void {
    const shapes = this.shapes;
    if (shapes === null) return;
    // (An own `constructor` may make a class prototype of it: record() looks.)
    for (let m = 0; m < keys.length; m++) if (keys[m] === 'constructor' || isIndex(keys[m])) return;
    try {
      if (!shapes.fastProperties(o) || shapes.dictionaryElements(o)) return;
    } catch {
      this.shapes = null;
      return;
    }
    // (Reading an object whose map V8 had deprecated moves it to the current one, which an
    // exemplar may have already.)
    if (this.exemplarOf(o) === 0) return;
    this.addExemplar(o, keys, proto, false);
  }

  /** An array that no exemplar's map matched: if it has the map of one of ARRAY_KINDS (an
   *  array of fast elements and nothing else: Array.prototype, extensible, writable
   *  length), that one becomes an exemplar (then 0), else -1. */
  private arrayKind(a: unknown[]): number {
    const shapes = this.shapes;
    if (shapes === null) return -1;
    try {
      for (const ref of ARRAY_KINDS) {
        if (shapes.sameMap(a, ref)) {
          this.addExemplar(ref, null, ArrayProto, shapes.holeyElements(ref));
          return 0;
        }
      }
    } catch {
      this.shapes = null;
    }
    return -1;
  }

  /** An array with the map of an ARRAY_KINDS exemplar: as array() would write it, or
   *  undefined (a hole: the exact path). */
  private arrayLike(a: unknown[], holey: boolean): RecordBase | undefined {
    const n = a.length;
    if (holey) for (let m = 0; m < n; m++) if (!hasOwn.call(a, m)) return undefined;
    let pure = this.embed;
    for (let m = 0; m < n && pure; m++) if (!isPlain(a[m])) pure = false;
    this.shapeHits++;
    if (pure) {
      this.kind = E_JSON_ARRAY;
      return a as unknown as RecordBase;
    }
    const at = this.flat.length;
    this.pushElements(a, n);
    return this.kept(E_ARRAY, at, null);
  }

  /** Appends the `n` elements of `a` to `flat` (own data elements: reading them runs no code). */
  private pushElements(a: unknown[], n: number): void {
    for (let m = 0; m < n; m++) {
      const x = a[m];
      if (isPlain(x)) this.pushFlatAs(x, 0);
      else {
        this.currentEdge = m;
        this.pushFlat(x);
      }
    }
  }

  /** Encodes a root value; `label` names it in error paths. */
  root(value: unknown, label: string): V {
    this.current = -1;
    this.currentEdge = { root: label };
    const v = this.value(value);
    if (Array.isArray(v) && v[0] === 'r') this.refCount[v[1] as number]++;
    this.drain();
    return v;
  }

  /** Objects, functions and unique symbols captured (an entry each, or written in place). */
  get objectCount(): number {
    return this.queue.length;
  }

  /** Set when a WeakMap, WeakSet or WeakRef is met: finish() has work to do. */
  private hasWeak = false;

  /** Call after the last root: completes the weak collections (finishWeak()) and writes
   *  the heap (placeEntries()). `records` and `kinds` are final after it. */
  finish(): void {
    if (this.hasWeak) this.finishWeak();
    this.placeEntries();
    shapeStats.hits += this.shapeHits;
  }

  /** Adds the entries of weak collections and the targets of WeakRefs that are reachable, to
   *  a fixed point (intrinsics/weak-scan.ts). */
  private finishWeak(): void {
    // The scan reads the kind of each record: a bare entry (a program object) reads as an
    // ordinary object's record.
    const plain = { k: K.object } as RecordBase;
    const records = new Proxy(this.records, {
      get: (target, key) => {
        if (typeof key === 'string' && key.length && key.charCodeAt(0) <= 57 && key.charCodeAt(0) >= 48) return this.kindCode[Number(key)] === E_RECORD ? target[Number(key)] : plain;
        return Reflect.get(target, key);
      },
    });
    finishWeak({
      ids: this.ids,
      records,
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

  /**
   * Writes the heap. A bare object or array of plain JSON values that only one place refers
   * to is written in that place (`["r", id]` becomes the object itself), when that place is
   * a bare entry or a Map or Set record, and leaves the heap; a bare entry all of whose
   * references are written so becomes a plain JSON entry itself. Program data that is a tree
   * (the common case) thus becomes nested JSON that JSON.stringify writes and JSON.parse
   * reads as the program's objects. Then the entries kept in `flat` are written, and the
   * remaining entries renumbered.
   */
  private placeEntries(): void {
    const { records, kindCode: kinds, queue: objects, refCount, flat, flatRef, keptAt, keptLen } = this;
    const n = records.length;
    /** 1: may be written in place of its one reference. */
    const inlinable = new Uint8Array(n);
    /** 1: is written in place of its reference (leaves the heap). */
    const placed = new Uint8Array(n);
    const depth = new Uint16Array(n);
    // Referenced entries come after the entry that first referred to them: from the last
    // entry back, an entry's children are decided before it.
    for (let i = n - 1; i >= 0 && this.embed; i--) {
      const c = kinds[i];
      if (c === E_OBJECT || c === E_ARRAY) {
        const at = keptAt[i];
        const end = at + keptLen[i];
        let all = true;
        let d = 0;
        for (let p = at; p < end; p++) {
          if (flatRef[p] === 1) {
            const id = flat[p] as number;
            if (inlinable[id] === 1) d = Math.max(d, depth[id]);
            else all = false;
          } else if (typeof flat[p] === 'object' && flat[p] !== null) all = false; // a tagged value
        }
        for (let p = at; p < end; p++) {
          if (flatRef[p] !== 1) continue;
          const id = flat[p] as number;
          if (inlinable[id] === 1 && (all || !looksTagged(objects[id]))) placed[id] = 1;
        }
        if (all) {
          // Nothing left to encode: the entry is the program's object, children and all.
          kinds[i] = c === E_OBJECT ? E_JSON : E_JSON_ARRAY;
          depth[i] = d + 1;
        }
      } else if (c === E_RECORD) {
        const r = records[i] as Rec;
        if (r.k === K.map) for (const pair of r.v as V[][]) for (let j = 0; j < 2; j++) this.placeInRecord(pair, j, inlinable, placed);
        else if (r.k === K.set) for (let j = 0; j < (r.v as V[]).length; j++) this.placeInRecord(r.v as V[], j, inlinable, placed);
      } else depth[i] = 1;
      if ((kinds[i] === E_JSON || kinds[i] === E_JSON_ARRAY) && refCount[i] === 1 && depth[i] < MAX_INLINE_DEPTH) inlinable[i] = 1;
    }
    // Renumber what stays, and write the kept entries.
    const newId = new Int32Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) newId[i] = placed[i] === 1 ? -1 : m++;
    for (const r of this.refs) r[1] = newId[r[1]];
    const valueAt = (p: number): unknown => {
      if (flatRef[p] !== 1) return flat[p];
      const id = flat[p] as number;
      return placed[id] === 1 ? objects[id] : ['r', newId[id]];
    };
    const names = this.kinds;
    names.length = 0;
    for (let i = 0; i < n; i++) {
      if (placed[i] === 1) continue;
      const c = kinds[i];
      let entry: unknown = records[i];
      if (c === E_JSON || c === E_JSON_ARRAY) entry = objects[i];
      else if (c === E_OBJECT) {
        const keys = records[i] as unknown as string[];
        const q: Record<string, unknown> = {};
        for (let k = 0, p = keptAt[i]; k < keys.length; k++, p++) q[keys[k]] = valueAt(p);
        entry = q;
      } else if (c === E_ARRAY) {
        const len = keptLen[i];
        const v: unknown[] = new Array(len);
        for (let k = 0, p = keptAt[i]; k < len; k++, p++) v[k] = valueAt(p);
        entry = v;
      }
      records[newId[i]] = entry as RecordBase;
      names.push(KIND_NAMES[c]);
    }
    records.length = m;
    this.flat.length = 0;
  }

  /** Writes the value at `list[j]` of a Map or Set record in place, when it may be. */
  private placeInRecord(list: V[], j: number, inlinable: Uint8Array, placed: Uint8Array): void {
    const v = list[j];
    if (!Array.isArray(v) || v[0] !== 'r') return;
    const id = v[1] as number;
    const obj = this.queue[id];
    if (inlinable[id] !== 1 || looksTagged(obj)) return;
    list[j] = obj as V;
    placed[id] = 1;
  }

  private drain(): void {
    const { queue, records } = this;
    while (records.length < queue.length) {
      const id = records.length;
      this.current = id;
      this.kind = E_RECORD;
      // (record() makes no record itself: the entry of `obj` is number `id`.)
      records.push(this.record(queue[id]));
      this.kindCode[id] = this.kind;
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
        if (v === 0 ? 1 / v > 0 : v - v === 0) return v; // finite, and not -0
        return ['n', v === 0 ? '-0' : String(v)];
      case 'object':
        if (v === null) return null;
        if (this.transient !== null && this.transient.has(v)) return ['u'];
        return this.refValue(this.ref(v));
      case 'function':
        return this.refValue(this.ref(v));
      case 'undefined':
        return ['u'];
      case 'bigint':
        return ['b', v.toString()];
      case 'symbol': {
        const reg = Symbol.keyFor(v);
        if (reg !== undefined) return ['sf', reg];
        const wk = wellKnownSymbolName(v);
        if (wk) return ['sw', wk];
        return this.refValue(this.ref(v));
      }
      default:
        return ['u'];
    }
  }

  private ref(v: unknown): number {
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.queue.length;
      if (id === this.refCount.length) this.grow();
      this.ids.set(v, id);
      this.queue.push(v);
      this.refCount[id] = 1;
      this.parent[id] = this.current;
      this.edge.push(this.currentEdge);
    } else this.refCount[id]++;
    return id;
  }

  private grow(): void {
    const n = this.refCount.length * 2;
    const more = <T extends Uint8Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.kindCode = more(this.kindCode);
    this.refCount = more(this.refCount);
    this.parent = more(this.parent);
    this.keptAt = more(this.keptAt);
    this.keptLen = more(this.keptLen);
  }

  private refValue(id: number): V {
    const r: [string, number] = ['r', id];
    this.refs.push(r);
    return r;
  }

  /** Appends the value of a property or element of a bare entry to `flat` (reached by the
   *  current edge): an object as the number of its entry. */
  private pushFlat(x: unknown): void {
    if ((typeof x === 'object' && x !== null && (this.transient === null || !this.transient.has(x))) || typeof x === 'function') this.pushFlatAs(this.ref(x), 1);
    else this.pushFlatAs(this.value(x), 0);
  }

  private pushFlatAs(x: unknown, isRef: 0 | 1): void {
    const p = this.flat.length;
    if (p >= this.flatRef.length) {
      const grown = new Uint8Array(Math.max(p + 1, this.flatRef.length * 2));
      grown.set(this.flatRef);
      this.flatRef = grown;
    }
    this.flatRef[p] = isRef;
    this.flat.push(x);
  }

  /** The value at `p` in `flat` as written in a record (a reference as `["r", id]`). */
  private flatValue(p: number): V {
    return this.flatRef[p] === 1 ? this.refValue(this.flat[p] as number) : (this.flat[p] as V);
  }

  /** The entry of a bare object or array (the one being recorded) whose values are left
   *  at `at`… in `flat`, for finish() to write: its keys (null: an array) stand for it. */
  private kept(kind: number, at: number, keys: string[] | null): RecordBase {
    this.kind = kind;
    this.keptAt[this.current] = at;
    this.keptLen[this.current] = this.flat.length - at;
    return keys as unknown as RecordBase;
  }

  /** Own properties of `o` except `skip` (and, with `skipIndices`, its index keys), in
   *  [[OwnPropertyKeys]] order. */
  private props(o: object, skip?: Set<string | symbol>, skipIndices = false): Prop[] | undefined {
    const keys = ownKeys(o);
    const n = keys.length;
    let out: Prop[] | undefined;
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      if (skip !== undefined && skip.has(k)) continue;
      if (skipIndices && typeof k === 'string' && isIndex(k)) continue;
      const d = getOwn(o, k);
      if (d === undefined) continue;
      if (out === undefined) out = [];
      out.push(this.prop(k, d));
    }
    return out;
  }

  private prop(k: string | symbol, d: PropertyDescriptor): Prop {
    this.currentEdge = k;
    const key = typeof k === 'string' ? k : this.value(k);
    if ('value' in d) {
      const val = this.value(d.value);
      if (d.writable && d.enumerable && d.configurable) return [key, val];
      return [key, val, dataFlags(d)];
    }
    const flags = FLAG_ACCESSOR | (d.enumerable ? FLAG_ENUMERABLE : 0) | (d.configurable ? FLAG_CONFIGURABLE : 0);
    return [key, ['acc', this.value(d.get), this.value(d.set)] as unknown as V, flags];
  }

  /** Sets `p` (when not `defaultProto`) and `x` (not extensible). */
  private finishRec(rec: RecordBase, o: object, proto: object | null, defaultProto: object | null): RecordBase {
    if (proto !== defaultProto) {
      this.currentEdge = PROTO_EDGE;
      rec.p = this.value(proto);
    }
    if (!isExtensible(o)) rec.x = 1;
    return rec;
  }

  private withProto(rec: RecordBase, o: object, defaultProto: object | null): RecordBase {
    return this.finishRec(rec, o, getProto(o), defaultProto);
  }

  private fail(what: string): never {
    throw new CaptureError(what, this.pathOf(this.current));
  }

  private record(v: unknown): RecordBase {
    const path = this.env.builtins.pathOf(v);
    if (path !== undefined) return { k: K.builtin, path } as RecordBase;
    if (typeof v === 'symbol') return { k: K.symbol, d: v.description } as RecordBase;
    const moduleKey = this.env.moduleKeyOf.get(v as object);
    if (moduleKey !== undefined) return { k: K.module, key: moduleKey, w: typeof v === 'function' ? 'require' : 'module' } as RecordBase;
    if (typeof v === 'function') return this.func(v as (...a: unknown[]) => unknown);

    const o = v as object;
    if (this.shapes !== null && this.exemplarOf(o) === 0) {
      // The map of an exemplar: no Proxy, and no kind of object below but an ordinary
      // object or an array.
      const keys = this.exemplarKeys[0];
      if (keys === null) {
        const r = this.arrayLike(o as unknown[], this.exemplarHoley[0]);
        if (r !== undefined) return r;
      } else if (!hasElements(o)) {
        this.shapeHits++;
        return this.ordinary(o, this.exemplarProto[0], keys);
      }
    }
    // Before anything reads it: a Proxy's traps are program code.
    if (isProxy(o)) this.fail('a Proxy cannot be captured');
    const proto = getProto(o) as object | null;
    if (proto === VirtualTimer.prototype) return this.timer(o as VirtualTimer);

    // The prototype object of an instrumented class: the restored class makes its own.
    const ctorOfO = ownConstructor(o);
    if (typeof ctorOfO === 'function' && this.env.classMembers.has(ctorOfO) && (ctorOfO as { prototype?: unknown }).prototype === o) {
      const rec = { k: K.classProto } as Rec;
      this.currentEdge = '[[class]]';
      rec.cls = this.value(ctorOfO);
      const props = this.props(o);
      if (props) rec.o = props;
      // Kept explicitly: a heritage that is a plain constructor function gets its restored
      // `prototype` object only after the class is made.
      return this.finishRec(rec, o, proto, ObjectProto);
    }

    // Built-in classes that keep their state in private fields: rebuilt from their text form,
    // or refused by name.
    if (proto === URL.prototype) return { k: K.url, s: (o as URL).href } as RecordBase;
    if (proto === URLSearchParams.prototype) return { k: K.urlParams, s: String(o) } as RecordBase;
    if (proto !== ObjectProto && proto !== null && proto !== ArrayProto) {
      // (An object whose prototype is Object.prototype, Array.prototype or null is an instance
      // of none of these.)
      for (let i = 0; i < HIDDEN_CLASSES.length; i++) if (o instanceof HIDDEN_CLASSES[i]) this.fail(`a ${HIDDEN_NAMES[i]} keeps internal state that cannot be migrated`);
      // Runtime objects that are program state (a suspended generator, a for-of iterator).
      const runtimeClass = RUNTIME_CLASS(proto);
      if (runtimeClass !== undefined) {
        const fields = RUNTIME_CLASSES[runtimeClass].fields;
        const f: V[] = new Array(fields.length);
        for (let i = 0; i < fields.length; i++) {
          this.currentEdge = fields[i];
          f[i] = this.value((o as Record<string, unknown>)[fields[i]]);
        }
        return { k: K.runtimeObject, c: runtimeClass, f } as RecordBase;
      }
    }

    if (Array.isArray(o)) {
      if (this.shapes !== null && this.arrayKind(o as unknown[]) === 0) {
        const r = this.arrayLike(o as unknown[], this.exemplarHoley[0]);
        if (r !== undefined) return r;
      }
      return this.array(o as unknown[], proto);
    }
    if (isPromise(o)) this.fail('a promise made by Node.js itself (not by the program, e.g. by fs/promises or a native async function) cannot be captured');
    if (isGeneratorObject(o)) this.fail('a generator that was not instrumented (of Node.js itself, or made by eval or new Function) cannot be captured');
    if (isMapIterator(o) || isSetIterator(o) || NATIVE_ITERATOR_PROTOS.has(proto)) {
      this.fail('a built-in iterator in use (of an array, string, Map or Set; its position is internal) cannot be captured: iterate with for-of, or over a copy');
    }
    if (isMap(o)) return this.map(o as Map<unknown, unknown>, proto);
    if (isSet(o)) return this.set(o as Set<unknown>, proto);
    if (isWeakMap(o) || isWeakSet(o)) {
      // Entries are added by finish(), for the keys that turn out to be reachable.
      const map = isWeakMap(o);
      const rec = { k: map ? K.weakmap : K.weakset, v: [] } as Rec;
      this.hasWeak = true;
      const props = this.props(o);
      if (props) rec.o = props;
      return this.finishRec(rec, o, proto, map ? WeakMap.prototype : WeakSet.prototype);
    }
    if (isWeakRef(o)) {
      const rec = { k: K.weakref } as RecordBase; // `t` is set by finish() if the target is reachable
      this.hasWeak = true;
      const props = this.props(o);
      if (props) rec.o = props;
      return this.finishRec(rec, o, proto, WeakRef.prototype);
    }
    if (isFinalizationRegistry(o)) this.fail('a FinalizationRegistry cannot be captured (its registrations cannot be read)');
    if (isExternal(o) || isModuleNamespaceObject(o)) this.fail('a native object cannot be captured');
    if (isDate(o)) {
      const t = nativeDateTime(o);
      const rec = { k: K.date, t: Number.isNaN(t) ? null : t } as RecordBase;
      const props = this.props(o);
      if (props) rec.o = props;
      return this.finishRec(rec, o, proto, Date.prototype);
    }
    if (isRegExp(o)) {
      const r = nativeRegExp(o);
      const rec = { k: K.regexp, s: r.source, f: r.flags } as RecordBase;
      const props = this.props(o);
      if (props) rec.o = props;
      return this.finishRec(rec, o, proto, RegExp.prototype);
    }
    if (isNativeError(o)) {
      const rec = { k: K.error } as RecordBase;
      const props = this.props(o);
      if (props) rec.o = props;
      return this.finishRec(rec, o, proto, Error.prototype);
    }
    if (isBoxedPrimitive(o)) return this.boxed(o, proto);
    if (isArgumentsObject(o)) {
      // Every own property (indices, length, Symbol.iterator, extra ones); a sloppy-mode
      // object's `callee` is an ordinary property, a strict one's is the engine's thrower.
      const d = getOwn(o, 'callee');
      const sloppy = !!d && 'value' in d;
      const rec = { k: K.args } as Rec;
      if (sloppy) rec.m = 1;
      const props = this.props(o, sloppy ? undefined : CALLEE);
      if (props) rec.o = props;
      return this.finishRec(rec, o, proto, ObjectProto);
    }
    if (isAnyArrayBuffer(o)) {
      const shared = isSharedArrayBuffer(o);
      if (shared || isArrayBuffer(o)) return this.arrayBuffer(o as ArrayBuffer, proto, shared);
    }
    if (ArrayBuffer.isView(o) && (isTypedArray(o) || isDataView(o))) return this.typed(o, proto);
    if (isAnyArrayBuffer(o) || isNativeWeakRef?.(o)) this.fail('this object cannot be captured yet');

    if (proto !== ObjectProto && proto !== null) {
      const special = this.instanceOrHost(o, proto);
      if (special !== undefined) return special;
    }
    return this.ordinary(o, proto, undefined);
  }

  /** An ordinary object (`known`: its keys, when an exemplar vouches for them). */
  private ordinary(o: object, proto: object | null, known: string[] | undefined): RecordBase {
    const bare = proto === ObjectProto && isExtensible(o);
    const form = this.objectProps(o, proto, bare, known);
    if (bare && form !== FORM_PROPS) {
      // The common case: the entry is the object itself, or (values kept in `flat`) its copy
      // with encoded values, made by finish().
      if (form === FORM_JSON) {
        this.kind = E_JSON;
        return o as RecordBase;
      }
      return this.formOut as RecordBase; // (the copy finish() makes: kept())
    }
    const rec = { k: K.object } as Rec;
    if (form === FORM_JSON) rec.j = o;
    else if (form === FORM_COPY) rec.q = this.formOut;
    else if (this.formOut !== undefined) rec.o = this.formOut as Prop[];
    this.formOut = undefined;
    return this.finishRec(rec, o, proto, ObjectProto);
  }

  /**
   * The own properties of an ordinary object (the result, but for `j`, in `formOut`). When every one is an ordinary data property
   * with a string key: `j`, the object itself (its values are all plain JSON values: the
   * object is written by JSON.stringify as it is, and read back by JSON.parse as it was), or
   * `q`, a copy whose values are encoded (for a `bare` object, a placeholder: its values are
   * left in `flat`, and finish() makes the copy). Otherwise `o`, the list of properties.
   * `known`: the keys of `o`, ordinary data properties all (an exemplar's).
   */
  private objectProps(o: object, proto: object | null, bare: boolean, known: string[] | undefined): number {
    const props = o as Record<string, unknown>;
    let keys: string[];
    let symbols: symbol[];
    let n: number;
    let pure = this.embed && (proto === ObjectProto || proto === null);
    let i = 0;
    if (known !== undefined) {
      keys = known;
      symbols = NO_SYMBOLS;
      n = i = keys.length;
      for (let m = 0; m < n && pure; m++) if (!isPlain(props[keys[m]])) pure = false;
    } else {
      // (Names and symbols apart: much cheaper than Reflect.ownKeys, same order.)
      keys = ownNames(o);
      symbols = ownSymbols(o);
      n = keys.length;
      for (; i < n; i++) {
        const k = keys[i];
        if (k === '__proto__') break;
        const d = getOwn(o, k);
        if (d === undefined || !(d.writable === true && d.enumerable === true && d.configurable === true)) break; // (an accessor has no `writable`)
        if (pure && !isPlain(d.value)) pure = false;
      }
      if (i === n && symbols.length === 0 && (proto === ObjectProto || proto === null)) this.learnObject(o, keys, proto);
    }
    // Below, the properties before `i` are read directly: own data properties, so reading
    // them runs no code.
    if (i === n && symbols.length === 0) {
      if (pure) return FORM_JSON;
      const at = this.flat.length;
      for (let m = 0; m < n; m++) {
        const x = props[keys[m]];
        if (isPlain(x)) this.pushFlatAs(x, 0);
        else {
          this.currentEdge = keys[m];
          this.pushFlat(x);
        }
      }
      if (bare) {
        this.formOut = this.kept(E_OBJECT, at, keys);
        return FORM_COPY;
      }
      const q: Record<string, V> = {};
      for (let m = 0; m < n; m++) q[keys[m]] = this.flatValue(at + m);
      this.flat.length = at;
      this.formOut = q;
      return FORM_COPY;
    }
    // The general form; the properties before `i` are ordinary ones.
    const out: Prop[] = [];
    for (let m = 0; m < i; m++) {
      this.currentEdge = keys[m];
      out.push([keys[m], this.value(props[keys[m]])]);
    }
    const all = symbols.length ? [...keys, ...symbols] : keys;
    for (; i < all.length; i++) {
      const k = all[i];
      const d = getOwn(o, k);
      if (d !== undefined) out.push(this.prop(k, d));
    }
    this.formOut = out.length ? out : undefined;
    return FORM_PROPS;
  }

  /** A host object (refused), an instance with private state, or undefined (ordinary). */
  private instanceOrHost(o: object, proto: object): RecordBase | undefined {
    const { builtins } = this.env;
    // A host object (a socket's or server's handle, a file, a process): its prototype is not
    // a known built-in and its constructor is native code.
    const ctor = !builtins.has(proto) && hasOwn.call(proto, 'constructor') ? getOwn(proto, 'constructor')?.value : undefined;
    // (A bound function's source text reads as native code too: it is the program's.)
    if (typeof ctor === 'function' && !builtins.has(ctor) && !this.env.recordOf(ctor) && NATIVE_CODE.test(fnToString.call(ctor)) && !boundParts(ctor as (...a: unknown[]) => unknown)) {
      this.fail(`a native ${ctor.name || 'host'} handle (an open socket, server, file or child process) cannot be migrated`);
    }
    // An instance of instrumented classes with private state (#fields, #methods).
    const direct = ownConstructor(proto);
    if (typeof direct === 'function' && this.env.classMembers.has(direct)) {
      const priv: [V, V[]][] = [];
      for (let p: object | null = proto; p; p = getProto(p)) {
        const c = ownConstructor(p);
        const r = typeof c === 'function' ? this.env.reflectors.get(c) : undefined;
        if (r && r.has(o)) {
          this.currentEdge = '[[class]]';
          const cv = this.value(c);
          priv.push([cv, r.get(o).map((x, i) => this.at({ priv: i }).value(x))]);
        }
      }
      if (priv.length) {
        const rec = { k: K.instance, priv } as Rec;
        this.currentEdge = '[[class]]';
        rec.cls = this.value(direct);
        const props = this.props(o);
        if (props) rec.o = props;
        return rec;
      }
    }
    return undefined;
  }

  private func(v: (...a: unknown[]) => unknown): RecordBase {
    const meta = this.env.recordOf(v);
    if (!meta) {
      const bound = boundParts(v);
      if (bound) {
        // A bound function: bound again on restore (its name and length are own properties).
        const rec = { k: K.bound } as Rec;
        this.currentEdge = '[[target]]';
        rec.f = this.value(bound.target);
        this.currentEdge = '[[this]]';
        rec.t = this.value(bound.thisArg);
        rec.a = bound.args.map((x, i) => this.at(i).value(x));
        const o = this.props(v);
        if (o) rec.o = o;
        return this.withProto(rec, v, FunctionProto);
      }
      const name = v.name ? ` '${v.name}'` : '';
      if (/^bound /.test(v.name)) this.fail(`a bound function${name} cannot be captured yet`);
      if (NATIVE_CODE.test(fnToString.call(v))) this.fail(`a native function${name} (not a JavaScript built-in that exists on every device) cannot be captured`);
      if (/^class[\s{]/.test(fnToString.call(v))) this.fail(`a class${name} cannot be captured yet`);
      this.fail(`a function${name} that was not instrumented (part of Node.js itself, or made by eval, new Function or a class body) cannot be captured`);
    }
    if ((meta[1] as number) >= 0) {
      // A method or accessor of a class: rebuilt from its (restored) class.
      const rec = { k: K.func, m: meta[1] } as Rec;
      this.currentEdge = '[[class]]';
      rec.cls = this.value(meta[2]);
      const o = this.props(v, fnSkip(v));
      if (o) rec.o = o;
      return this.withProto(rec, v, naturalProto(v));
    }
    const code = this.env.codeOf(meta[0]);
    if (!code) this.fail('a closure with an unknown factory');
    const rec = { k: K.func, c: code } as Rec;
    const envEdge: Edge = { env: v.name || '(anonymous)' };
    const e: V[] = new Array(meta.length - 2);
    for (let i = 2; i < meta.length; i++) {
      this.currentEdge = envEdge;
      e[i - 2] = this.value(meta[i]);
    }
    rec.e = e;
    if (meta[1] === -2) {
      // A derived class: its factory takes the heritage (the class's [[Prototype]]).
      this.currentEdge = '[[extends]]';
      rec.h = this.value(getProto(v));
    }
    const reflector = this.env.reflectors.get(v);
    if (reflector) {
      const sp = reflector.sget(v);
      if (sp.length) rec.sp = sp.map((x, i) => this.at({ priv: i }).value(x));
    }
    const o = this.props(v, fnSkip(v));
    if (o) rec.o = o;
    // A derived class's [[Prototype]] is its heritage, which its factory sets.
    const proto = getProto(v);
    return this.finishRec(rec, v, proto, meta[1] === -2 ? proto : naturalProto(v));
  }

  private timer(t: VirtualTimer): RecordBase {
    const pending = this.env.scheduler.pending.has(t);
    const rec = { k: K.timer, t: t._kind, d: t._delay, id: t._id, ref: t._ref ? 1 : 0, live: pending ? 1 : 0, r: pending ? Math.max(0, t._due - this.env.scheduler.now()) : 0 } as Rec;
    if (t._cleared) rec.cl = 1;
    this.currentEdge = 'callback';
    rec.f = this.value(t._callback);
    rec.a = t._args.map((a, i) => this.at(i).value(a));
    return rec;
  }

  private map(m: Map<unknown, unknown>, proto: object | null): RecordBase {
    const rec = { k: K.map } as RecordBase & { v: V[][] };
    const out: V[][] = [];
    let i = 0;
    Reflect.apply(mapForEach, m, [
      (mv: unknown, mk: unknown) => {
        this.currentEdge = -1 - i++;
        const kv = this.value(mk);
        out.push([kv, this.value(mv)]);
      },
    ]);
    rec.v = out;
    const props = this.props(m);
    if (props) rec.o = props;
    return this.finishRec(rec, m, proto, Map.prototype);
  }

  private set(s: Set<unknown>, proto: object | null): RecordBase {
    const rec = { k: K.set } as RecordBase & { v: V[] };
    const out: V[] = [];
    let i = 0;
    Reflect.apply(setForEach, s, [
      (sv: unknown) => {
        this.currentEdge = -1 - i++;
        out.push(this.value(sv));
      },
    ]);
    rec.v = out;
    const props = this.props(s);
    if (props) rec.o = props;
    return this.finishRec(rec, s, proto, Set.prototype);
  }

  private boxed(o: object, proto: object | null): RecordBase {
    const prim = nativeBoxedValue(o);
    const rec = { k: K.boxed, v: this.value(prim) } as RecordBase;
    // A String object's characters and length are not properties to keep; indices past
    // its length are.
    const chars = typeof prim === 'string' ? prim.length : -1;
    const props = this.props(o);
    if (props) rec.o = props.filter((p) => !(chars >= 0 && typeof p[0] === 'string' && (p[0] === 'length' || (isIndex(p[0]) && Number(p[0]) < chars))));
    if (rec.o && !rec.o.length) delete rec.o;
    return this.finishRec(rec, o, proto, getProto(Object(prim)));
  }

  private arrayBuffer(o: ArrayBuffer, proto: object | null, shared: boolean): RecordBase {
    const buf = Buffer.from(new Uint8Array(o));
    const rec = { k: K.arraybuffer, b: buf.toString('base64') } as Rec;
    if (shared) rec.shared = 1;
    const max = nativeMaxByteLength(o);
    if (max !== undefined) rec.max = max;
    const props = this.props(o);
    if (props) rec.o = props;
    return this.finishRec(rec, o, proto, shared ? SharedArrayBuffer.prototype : ArrayBuffer.prototype);
  }

  private typed(o: object, proto: object | null): RecordBase {
    const ta = nativeTypedArray(o);
    const ctor = ta.ctor;
    const rec = { k: K.typed, c: ctor, off: ta.byteOffset, l: ta.length } as unknown as Rec;
    this.currentEdge = 'buffer';
    rec.b = this.value(ta.buffer);
    // A typed array's index keys are its elements; a DataView's are ordinary properties.
    const props = this.props(o, undefined, ctor !== 'DataView');
    if (props) rec.o = props;
    const dflt = (globalThis as unknown as Record<string, { prototype: object } | undefined>)[ctor]?.prototype ?? null;
    return this.finishRec(rec, o, proto, dflt);
  }

  /**
   * An array: elements that are ordinary data properties go in `v` (dense, holes as ["h"]) or
   * `s` (sparse); elements with other descriptors (read-only, non-enumerable, accessors:
   * frozen arrays...) go in `o` with their flags, like the non-index properties and a
   * read-only `length`. Every element of a frozen or sealed array shares its flags: `ef`.
   */
  private array(a: unknown[], proto: object | null): RecordBase {
    const n = a.length;
    // [[OwnPropertyKeys]] of an array: its indices in ascending order, then `length` (made
    // with the array, so the first string key), then the other string keys, then symbols.
    const keys = ownKeys(a);
    let count = 0;
    while (keys[count] !== 'length') count++;
    const lengthD = getOwn(a, 'length')!;
    if (count === n) {
      // No holes: the common case, every element an ordinary data property: `j`, the array
      // itself when its elements are plain JSON values, else `q`, the encoded elements (for a
      // bare entry, left in `flat`).
      let pure = true;
      let i = 0;
      for (; i < n; i++) {
        const d = getOwn(a, i)!;
        if (!(d.writable === true && d.enumerable === true && d.configurable === true)) break; // (an accessor has no `writable`)
        if (pure && !isPlain(d.value)) pure = false;
      }
      if (i === n) {
        const onlyElements = count + 1 === keys.length;
        const json = pure && this.embed && proto === ArrayProto && onlyElements;
        const bare = onlyElements && lengthD.writable && proto === ArrayProto && isExtensible(a);
        if (json && bare) {
          // The common case: the entry is the array itself.
          this.kind = E_JSON_ARRAY;
          return a as unknown as RecordBase;
        }
        const at = this.flat.length;
        if (!json) {
          this.pushElements(a, n);
          if (bare) {
            // The entry is a copy with encoded elements, made by finish().
            return this.kept(E_ARRAY, at, null);
          }
        }
        let rec: RecordBase;
        if (json) rec = { k: K.array, j: a } as unknown as RecordBase;
        else {
          const q: V[] = new Array(n);
          for (let m = 0; m < n; m++) q[m] = this.flatValue(at + m);
          this.flat.length = at;
          rec = { k: K.array, q } as unknown as RecordBase;
        }
        if (!onlyElements || !lengthD.writable) {
          const extra: Prop[] = [];
          if (!lengthD.writable) extra.push(this.prop('length', lengthD));
          for (let j = count + 1; j < keys.length; j++) extra.push(this.prop(keys[j] as string | symbol, getOwn(a, keys[j])!));
          rec.o = extra;
        }
        return this.finishRec(rec, a, proto, ArrayProto);
      }
    }
    return this.arraySlow(a, proto, { k: K.array, n }, keys, count, lengthD);
  }

  /** An array with holes or elements that are not ordinary data properties. */
  private arraySlow(a: unknown[], proto: object | null, rec: RecordBase & { n: number; v?: V[]; s?: [number, V][]; ef?: number }, keys: (string | symbol)[], count: number, lengthD: PropertyDescriptor): RecordBase {
    const n = a.length;
    const descs: PropertyDescriptor[] = new Array(count);
    const plain = (d: PropertyDescriptor | undefined): d is PropertyDescriptor => d !== undefined && 'value' in d && d.writable === true && d.enumerable === true && d.configurable === true;
    let allPlain = true;
    // Flags shared by every element when all are data properties (a frozen array: `ef`).
    let common = -1;
    for (let j = 0; j < count; j++) {
      const d = getOwn(a, keys[j])!;
      descs[j] = d;
      if (!plain(d)) allPlain = false;
      const f = 'value' in d ? dataFlags(d) : -2;
      common = common === -1 || common === f ? f : -2;
    }
    const shared = count === n && !allPlain && common >= 0;
    if (count === n && (allPlain || shared)) {
      const v: V[] = new Array(n);
      for (let i = 0; i < n; i++) {
        this.currentEdge = i;
        v[i] = this.value(descs[i].value);
      }
      rec.v = v;
      if (shared) rec.ef = common;
    } else if (count * 2 >= n) {
      const v: V[] = new Array(n);
      for (let i = 0; i < n; i++) v[i] = ['h'];
      for (let j = 0; j < count; j++) {
        const d = descs[j];
        if (!plain(d)) continue;
        const i = Number(keys[j]);
        this.currentEdge = i;
        v[i] = this.value(d.value);
      }
      rec.v = v;
    } else {
      const s: [number, V][] = [];
      for (let j = 0; j < count; j++) {
        const d = descs[j];
        if (!plain(d)) continue;
        const i = Number(keys[j]);
        this.currentEdge = i;
        s.push([i, this.value(d.value)]);
      }
      rec.s = s;
    }
    const extra: Prop[] = [];
    for (let j = 0; j < count; j++) if (!(shared || plain(descs[j]))) extra.push(this.prop(keys[j] as string, descs[j]));
    if (!lengthD.writable) extra.push(this.prop('length', lengthD));
    for (let j = count + 1; j < keys.length; j++) extra.push(this.prop(keys[j] as string | symbol, getOwn(a, keys[j])!));
    if (extra.length) rec.o = extra;
    return this.finishRec(rec, a, proto, ArrayProto);
  }

  /** A readable path to record `id`, for error messages: `tick › tcpClient.socket`. */
  pathOf(id: number): string {
    const parts: string[] = [];
    for (let cur = id; cur >= 0; cur = this.parent[cur]) {
      const e = this.edge[cur];
      if (typeof e === 'string') parts.push(/^[A-Za-z_$][\w$]*$/.test(e) ? `.${e}` : `[${JSON.stringify(e)}]`);
      else if (typeof e === 'number') parts.push(e < 0 ? `.<entry ${-1 - e}>` : `[${e}]`);
      else if (typeof e === 'symbol') parts.push(`[${String(e)}]`);
      else if ('env' in e) parts.push(e.env === '(anonymous)' ? ' › ' : ` › ${e.env}() › `);
      else if ('root' in e) parts.push(e.root);
      else if ('entry' in e) parts.push(`.<entry ${e.entry}>`);
      else if ('proto' in e) parts.push('.[[Prototype]]');
      else if ('priv' in e) parts.push(`.#${e.priv}`);
    }
    return parts
      .reverse()
      .join('')
      .replace(/ \u203A \./g, ' › ')
      .replace(/^\./, '')
      .replace(/ \u203A $/, '');
  }
}

function isIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  const n = Number(k);
  return Number.isInteger(n) && n >= 0 && n < 4294967295 && String(n) === k;
}
