/**
 * Reading built-in objects through the engine's own methods, taken when the runtime loads:
 * the encoder must see a Map's entries or a typed array's buffer even when the program gave
 * the object another prototype, shadowed a method with an own property, or patched the
 * built-in prototype.
 */
import { types } from 'node:util';

function getter(proto: object, key: string | symbol): (this: unknown) => unknown {
  const d = Object.getOwnPropertyDescriptor(proto, key);
  return (d && d.get) || (() => undefined);
}
const apply = Reflect.apply;
function call<T>(fn: (this: unknown) => unknown, o: unknown): T {
  return apply(fn, o, []) as T;
}

const mapEntries = Map.prototype.entries;
const setValues = Set.prototype.values;
const dateGetTime = Date.prototype.getTime;
const TypedArrayProto = Object.getPrototypeOf(Int8Array.prototype) as object;
const ta = {
  buffer: getter(TypedArrayProto, 'buffer'),
  byteOffset: getter(TypedArrayProto, 'byteOffset'),
  length: getter(TypedArrayProto, 'length'),
  tag: getter(TypedArrayProto, Symbol.toStringTag),
};
const dv = {
  buffer: getter(DataView.prototype, 'buffer'),
  byteOffset: getter(DataView.prototype, 'byteOffset'),
  byteLength: getter(DataView.prototype, 'byteLength'),
};
const re = {
  source: getter(RegExp.prototype, 'source'),
  flags: (['hasIndices', 'global', 'ignoreCase', 'multiline', 'dotAll', 'unicode', 'unicodeSets', 'sticky'] as const)
    .map((k, i) => ['dgimsuvy'[i], Object.getOwnPropertyDescriptor(RegExp.prototype, k)?.get] as const)
    .filter((x): x is readonly [string, (this: unknown) => unknown] => typeof x[1] === 'function'),
};
const ab = {
  resizable: getter(ArrayBuffer.prototype, 'resizable'),
  maxByteLength: getter(ArrayBuffer.prototype, 'maxByteLength'),
};
const sab = {
  growable: getter(SharedArrayBuffer.prototype, 'growable'),
  maxByteLength: getter(SharedArrayBuffer.prototype, 'maxByteLength'),
};
const valueOf = {
  number: Number.prototype.valueOf,
  string: String.prototype.valueOf,
  boolean: Boolean.prototype.valueOf,
  bigint: BigInt.prototype.valueOf,
  symbol: Symbol.prototype.valueOf,
};

export function nativeMapEntries(m: object): IterableIterator<[unknown, unknown]> {
  return apply(mapEntries, m, []) as IterableIterator<[unknown, unknown]>;
}
export function nativeSetValues(s: object): IterableIterator<unknown> {
  return apply(setValues, s, []) as IterableIterator<unknown>;
}
export function nativeDateTime(d: object): number {
  return apply(dateGetTime, d, []) as number;
}
export function nativeRegExp(r: object): { source: string; flags: string } {
  let flags = '';
  for (const [f, get] of re.flags) if (call<boolean>(get, r)) flags += f;
  return { source: call<string>(re.source, r), flags };
}
export function nativeTypedArray(o: object): { ctor: string; buffer: ArrayBufferLike; byteOffset: number; length: number } {
  if (types.isDataView(o)) return { ctor: 'DataView', buffer: call(dv.buffer, o), byteOffset: call(dv.byteOffset, o), length: call(dv.byteLength, o) };
  return { ctor: call<string>(ta.tag, o), buffer: call(ta.buffer, o), byteOffset: call(ta.byteOffset, o), length: call(ta.length, o) };
}
/** The maximum byte length of a resizable ArrayBuffer or growable SharedArrayBuffer. */
export function nativeMaxByteLength(o: object): number | undefined {
  if (types.isSharedArrayBuffer(o)) return call<boolean>(sab.growable, o) ? call<number>(sab.maxByteLength, o) : undefined;
  return call<boolean>(ab.resizable, o) ? call<number>(ab.maxByteLength, o) : undefined;
}
export function nativeBoxedValue(o: object): unknown {
  if (types.isNumberObject(o)) return apply(valueOf.number, o, []);
  if (types.isStringObject(o)) return apply(valueOf.string, o, []);
  if (types.isBooleanObject(o)) return apply(valueOf.boolean, o, []);
  if ((types as unknown as { isBigIntObject(x: unknown): boolean }).isBigIntObject(o)) return apply(valueOf.bigint, o, []);
  return apply(valueOf.symbol, o, []);
}
