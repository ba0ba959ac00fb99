/**
 * The heap section of a snapshot: a list of entries, one per object, function, or unique
 * symbol reachable from the roots, numbered in discovery order, and a string of their kinds
 * (`kinds`, one character each, ENTRY below): an entry is a record, or (the common case) an
 * ordinary object or a dense array written as a JSON object or array. See
 * docs/snapshot-format.md.
 *
 * Values (V) are JSON:
 *   string | boolean | null | finite number (not -0)   as themselves
 *   ["u"]                  undefined
 *   ["n", "NaN" | "Infinity" | "-Infinity" | "-0"]
 *   ["b", "123"]           BigInt
 *   ["sf", key]            Symbol.for(key)
 *   ["sw", name]           well-known symbol Symbol[name]
 *   ["r", id]              reference to heap record `id`
 *   ["h"]                  an array hole (inside array records only)
 *   {…} / [non-string, …]  (format 3) a plain object or array written in place: an `O` / `A`
 *                          entry that only this value referred to, nested in an `o` / `a`
 *                          entry or a Map or Set record (FORMAT_IN_PLACE)
 *
 * A property is [key, V] (writable, enumerable, configurable) or [key, V, flags] with
 * flags: 1 writable, 2 enumerable, 4 configurable, 8 accessor (then V is [getV, setV]).
 * A key is a string, or a symbol value (["sf"...], ["sw"...], ["r", id]).
 */
export type V = string | number | boolean | null | [string, ...unknown[]];
export type Key = string | V;
export type Prop = [Key, V] | [Key, V, number];

export interface RecordBase {
  /** Kind. */
  k: string;
  /** Prototype, when not the kind's default. */
  p?: V;
  /** Own properties. */
  o?: Prop[];
  /** 1: not extensible (with the property flags this also covers sealed and frozen). */
  x?: 1;
}

export const FLAG_WRITABLE = 1;
export const FLAG_ENUMERABLE = 2;
export const FLAG_CONFIGURABLE = 4;
export const FLAG_ACCESSOR = 8;
export const FLAGS_DEFAULT = FLAG_WRITABLE | FLAG_ENUMERABLE | FLAG_CONFIGURABLE;

/** Record kinds. */
export const K = {
  builtin: 'N', // { path }
  object: 'O',
  array: 'A', // { n: length, v: elements | s: [[index, V]] sparse }
  func: 'F', // { c: [moduleKey, unit index], e: [env V...] }
  symbol: 'Y', // { d: description }
  date: 'D', // { t }
  regexp: 'R', // { s, f, i: lastIndex }
  map: 'M', // { v: [[kV, vV]] }
  set: 'S', // { v: [V] }
  error: 'E',
  boxed: 'X', // { v: primitive V }
  args: 'G', // arguments object { v: [V] }
  arraybuffer: 'AB', // { b: base64, shared?: 1 }
  typed: 'TA', // { c: constructor name, b: buffer V, off: byte offset, l: length }
  classProto: 'CP', // { cls: the class V } the prototype object of an instrumented class
  instance: 'I', // { cls: class V, priv: [[class V, [V...]]] } an instance with private state
  module: 'MOD', // { key, w: 'module' | 'require' } a module's `module` object or its `require`
  runtimeObject: 'RO', // { c: runtime class (Generator, ArrayIterator...), f: [field V...] }
  url: 'URL', // { s: href }
  urlParams: 'USP', // { s: the query string }
  timer: 'T', // { t: kind, f: callback V, a: [args V], d: delay, r: remaining, ref: 0|1, id }
  weakmap: 'WM', // { v: [[kV, vV]] } entries whose keys are reachable
  weakset: 'WS', // { v: [V] } values that are reachable
  weakref: 'WR', // { t?: target V } no t: cleared
  bound: 'B', // { f: target V, t: this V, a: [args V] }
} as const;

/** Entry kinds (the characters of a body's `kinds`; a body without `kinds`, format 1, has
 *  records only). */
export const ENTRY = {
  /** A record (its kind in `k`). */
  record: '.',
  /** An ordinary object (Object.prototype, extensible, every property an ordinary data
   *  property with a string key other than __proto__) as a JSON object: values are V. */
  object: 'o',
  /** The same, every value a plain JSON value (nothing to decode). */
  json: 'O',
  /** A dense array (Array.prototype, extensible, every element an ordinary data property, no
   *  other own property) as a JSON array: elements are V. */
  array: 'a',
  /** The same, every element a plain JSON value. */
  jsonArray: 'A',
} as const;

/** The first format version whose values may be entries written in place: a JSON object,
 *  or an array whose first element is not a string, is that object or array itself. */
export const FORMAT_IN_PLACE = 3;

/** The record kind of heap entry `i` (K.object / K.array for a bare entry). */
export function entryKind(heap: readonly unknown[], kinds: string | undefined, i: number): string | undefined {
  const c = kinds === undefined ? ENTRY.record : kinds[i];
  if (c === ENTRY.record) return (heap[i] as { k?: string } | undefined)?.k;
  if (c === ENTRY.object || c === ENTRY.json) return K.object;
  if (c === ENTRY.array || c === ENTRY.jsonArray) return K.array;
  return undefined;
}
