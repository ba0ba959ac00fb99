/**
 * Shape checks: V8's own answer to "do these two objects have the same hidden class (map)?",
 * which lets the encoder accept an object or array in one call where its exact reading
 * takes a property descriptor per key (see HeapEncoder.exemplarOf).
 *
 * Why it is sound: a V8 map fixes an object's instance type, its [[Prototype]], whether it
 * is extensible, its elements kind, and (fast-mode properties) its named own keys in order
 * with their attributes, accessor or data. Two fast-mode objects with the same map thus have
 * the same own named keys, flags and prototype; only their values and elements may differ
 * (fast elements are always ordinary data properties: writable, enumerable, configurable).
 * An exemplar is accepted only with fast-mode properties and without dictionary elements,
 * whose maps are shared by objects that differ in those respects.
 *
 * The checks are V8 runtime functions (%HaveSameMap...), compiled with
 * --allow-natives-syntax switched on for the moment of compiling them only. Where that does
 * not work (another engine, a Node.js without v8.setFlagsFromString, a V8 without these
 * functions) or THINGSJS_SHAPE_CHECKS=0, checks() is null and every object takes the exact
 * slow path. V8 may later drop the compiled code of a function not run for a while and
 * compile it again from its text, now without the flag: the call then throws, and checks()
 * compiles them afresh (the encoder treats any throw as "no shape check" for the rest of its
 * capture).
 */
import * as v8 from 'node:v8';

export interface ShapeChecks {
  /** Same map. */
  sameMap(a: object, b: object): boolean;
  /** Properties in fast mode (a map of its own, not shared by dictionary-mode objects). */
  fastProperties(o: object): boolean;
  /** Elements in dictionary mode (may have attributes other than the ordinary ones). */
  dictionaryElements(o: object): boolean;
  /** Holey elements kind (a packed one has no holes). */
  holeyElements(o: object): boolean;
}

const NewFunction = Function;
let current: ShapeChecks | null = null;
let unavailable = process.env.THINGSJS_SHAPE_CHECKS === '0';

const BODIES: Record<keyof ShapeChecks, [string[], string]> = {
  sameMap: [['a', 'b'], 'return %HaveSameMap(a, b)'],
  fastProperties: [['o'], 'return %HasFastProperties(o)'],
  dictionaryElements: [['o'], 'return %HasDictionaryElements(o)'],
  holeyElements: [['o'], 'return %HasHoleyElements(o)'],
};

function make(): ShapeChecks {
  const out = {} as Record<string, unknown>;
  for (const [name, [params, body]] of Object.entries(BODIES)) out[name] = NewFunction(...params, body);
  return out as unknown as ShapeChecks;
}

/** Compiles and checks the functions (each is run, so that it is compiled now, while the
 *  flag is on). Null if they do not work as expected here. */
function compile(): ShapeChecks | null {
  let c: ShapeChecks | null = null;
  let switched = false;
  try {
    try {
      c = make(); // the process may run with --allow-natives-syntax already
    } catch {
      if (typeof v8.setFlagsFromString !== 'function') return null;
      v8.setFlagsFromString('--allow-natives-syntax');
      switched = true;
      c = make();
    }
    return works(c) ? c : null;
  } catch {
    return null;
  } finally {
    if (switched) v8.setFlagsFromString('--no-allow-natives-syntax');
  }
}

function works(c: ShapeChecks): boolean {
  const sparse: unknown[] = [];
  sparse[1e7] = 1;
  const a = [1, 2];
  const slow = { x: 1, y: 2 } as { x?: number; y: number };
  delete slow.x;
  return (
    c.sameMap(a, [3, 4]) === true &&
    c.sameMap(a, [1.5]) === false &&
    c.sameMap(a, {}) === false &&
    c.fastProperties({ x: 1 }) === true &&
    c.fastProperties(slow) === false &&
    c.dictionaryElements(sparse) === true &&
    c.dictionaryElements(a) === false &&
    c.holeyElements(a) === false &&
    c.holeyElements([1, , 2]) === true // eslint-disable-line no-sparse-arrays
  );
}

/** The shape checks, or null where they are not available (the exact slow path then). */
export function checks(): ShapeChecks | null {
  if (unavailable) return null;
  if (current !== null) {
    try {
      if (works(current)) return current;
    } catch {
      /* compiled again below */
    }
  }
  current = compile();
  if (current === null) unavailable = true;
  return current;
}

/** Objects and arrays the encoders of this process accepted through a shape check (tests). */
export const shapeStats = { hits: 0 };

/** Tests: turn the shape checks off (every object then takes the exact slow path) or on. */
export function setShapeChecks(on: boolean): void {
  unavailable = !on;
  if (!on) current = null;
}
