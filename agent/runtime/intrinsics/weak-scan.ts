/**
 * The capture's last step: entries of weak collections and targets of WeakRefs whose keys
 * are reachable from the roots, to a fixed point (see weak.ts for why this is done at
 * capture rather than tracked on every set).
 */
import { K, type RecordBase, type V } from '../heap/format';
import { wellKnownSymbol, wellKnownSymbolName } from '../heap/builtins';
import { weakMapGet, weakMapHas, weakRefTarget, weakSetHas } from './weak';

export interface WeakScanHost {
  /** Every value given a record so far, in record order; grows while the scan runs. */
  readonly ids: Map<unknown, number>;
  readonly records: RecordBase[];
  /** Builds the records of everything queued so far. */
  flush(): void;
  /** Encodes `v` as reached from record `parent` by `edge` (for error paths). */
  valueFrom(parent: number, edge: string | { entry: number }, v: unknown): V;
  isBuiltin(v: unknown): boolean;
  builtinValues(): Iterable<unknown>;
}

interface Coll {
  obj: object;
  id: number;
  map: boolean;
  rec: RecordBase & { v: V[] };
}

function canBeHeldWeakly(v: unknown): boolean {
  return (typeof v === 'object' && v !== null) || typeof v === 'function' || (typeof v === 'symbol' && Symbol.keyFor(v) === undefined);
}

export function finishWeak(host: WeakScanHost): { pairsTested: number } {
  const colls: Coll[] = [];
  let always: unknown[] | undefined;
  const keys: unknown[] = [];
  const waiting = new Map<unknown, number[]>();
  let pairsTested = 0;

  const test = (c: Coll, k: unknown): void => {
    pairsTested++;
    if (!(c.map ? weakMapHas(c.obj, k) : weakSetHas(c.obj, k))) return;
    const edge = { entry: c.rec.v.length };
    if (c.map) {
      const kv = host.valueFrom(c.id, edge, k);
      c.rec.v.push([kv, host.valueFrom(c.id, edge, weakMapGet(c.obj, k))] as unknown as V);
    } else c.rec.v.push(host.valueFrom(c.id, edge, k));
  };
  const alwaysReachable = (): unknown[] => {
    if (!always) {
      always = [];
      for (const b of host.builtinValues()) if (canBeHeldWeakly(b)) always.push(b);
      for (const name of Object.getOwnPropertyNames(Symbol)) {
        const s = wellKnownSymbol(name);
        if (s) always.push(s);
      }
    }
    return always;
  };
  const isAlways = (v: unknown): boolean => host.isBuiltin(v) || (typeof v === 'symbol' && wellKnownSymbolName(v) !== undefined);

  // Map iteration also visits the entries added while it runs: every value that gets a
  // record, including those the weak entries themselves make reachable.
  for (const [obj, id] of host.ids) {
    host.flush();
    const rec = host.records[id];
    if (rec.k === K.weakmap || rec.k === K.weakset) {
      const c: Coll = { obj: obj as object, id, map: rec.k === K.weakmap, rec: rec as Coll['rec'] };
      colls.push(c);
      for (const k of alwaysReachable()) test(c, k);
      for (const k of keys) test(c, k);
    } else if (rec.k === K.weakref) {
      const t = weakRefTarget(obj as object);
      if (t !== undefined) {
        if (host.ids.has(t) || isAlways(t)) (rec as RecordBase & { t?: V }).t = host.valueFrom(id, 'target', t);
        else {
          const w = waiting.get(t);
          if (w) w.push(id);
          else waiting.set(t, [id]);
        }
      }
    }
    if (!canBeHeldWeakly(obj) || host.isBuiltin(obj)) continue;
    keys.push(obj);
    for (const c of colls) test(c, obj);
    const w = waiting.get(obj);
    if (w) {
      waiting.delete(obj);
      for (const rid of w) (host.records[rid] as RecordBase & { t?: V }).t = host.valueFrom(rid, 'target', obj);
    }
  }
  host.flush();
  return { pairsTested };
}
