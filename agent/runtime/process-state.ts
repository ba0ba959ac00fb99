/**
 * What a program keeps on `process` besides its listeners and exit code (runtime/index.ts
 * has those): properties it added to the object (`process.cache = {...}`, a library's
 * `process[Symbol.for('x')]`), Node's own data properties it replaced or deleted
 * (`process.hrtime = fake`, `delete process.emitWarning`; not those Node itself changes, nor
 * accessors) and its changes to the environment (`process.env.X = ...`,
 * `delete process.env.Y`). Both are taken relative to the host as it was when the runtime
 * was installed, before any program code ran; on restore they are applied over the target
 * host's own `process` (so a variable the program never touched is the target's).
 */
import { RestoreError } from './heap/decode';
import type { V } from './heap/format';

/** Descriptor flags of a property that is not an ordinary writable, enumerable, configurable
 *  data property: [key, value, flags] (an accessor: value is [get, set]). */
const WRITABLE = 1;
const ENUMERABLE = 2;
const CONFIGURABLE = 4;
const ACCESSOR = 8;

export interface ProcessRoots {
  /** Own properties the program added or replaced: [key, value] or [key, value, flags]. */
  props?: ([V, V] | [V, V, number])[];
  /** Keys of Node's own properties the program deleted. */
  removed?: V[];
  /** Environment variables the program set (to a value other than the host's) and removed. */
  env?: { set: [string, string][]; unset: string[] };
}

/** Data properties of `process` that Node changes itself (the exit code has its own root,
 *  the environment its own comparison). */
const NODE_MANAGED = new Set<string | symbol>(['_events', '_eventsCount', '_maxListeners', '_exiting', 'exitCode', 'domain', 'env', 'mainModule']);

export class ProcessState {
  private readonly keys: Set<string | symbol>;
  /** Node's own data properties and their values, when the runtime was installed. */
  private readonly values = new Map<string | symbol, unknown>();
  private readonly env: Map<string, string | undefined>;

  constructor() {
    this.keys = new Set(Reflect.ownKeys(process));
    for (const key of this.keys) {
      const d = Object.getOwnPropertyDescriptor(process, key);
      if (d && 'value' in d && !NODE_MANAGED.has(key)) this.values.set(key, d.value);
    }
    // The host's own: made an accessor by the host (agent/host/program.ts), set per program.
    this.keys.add('mainModule');
    this.env = new Map(Object.entries(process.env));
  }

  /** `root` encodes a value (HeapEncoder.root). Undefined when there is nothing to keep. */
  capture(root: (value: unknown, label: string) => V): ProcessRoots | undefined {
    const out: ProcessRoots = {};
    for (const key of Reflect.ownKeys(process)) {
      if (this.keys.has(key) && !this.replaced(key)) continue;
      const d = Object.getOwnPropertyDescriptor(process, key);
      if (!d) continue;
      const label = `process[${typeof key === 'symbol' ? key.toString() : JSON.stringify(key)}]`;
      const k = typeof key === 'string' ? key : root(key, `${label} (its key)`);
      const flags = (d.enumerable ? ENUMERABLE : 0) | (d.configurable ? CONFIGURABLE : 0);
      let entry: [V, V] | [V, V, number];
      if ('value' in d) {
        const v = root(d.value, label);
        entry = d.writable && d.enumerable && d.configurable ? [k, v] : [k, v, flags | (d.writable ? WRITABLE : 0)];
      } else entry = [k, [root(d.get, `${label} getter`), root(d.set, `${label} setter`)] as unknown as V, flags | ACCESSOR];
      (out.props ??= []).push(entry);
    }
    for (const key of this.values.keys()) {
      if (Object.getOwnPropertyDescriptor(process, key) !== undefined) continue;
      (out.removed ??= []).push(typeof key === 'string' ? key : root(key, `process[${key.toString()}] (a deleted key)`));
    }
    const set: [string, string][] = [];
    const unset: string[] = [];
    const now = process.env;
    for (const name of Object.keys(now)) {
      const v = now[name];
      if (typeof v === 'string' && this.env.get(name) !== v) set.push([name, v]);
    }
    for (const name of this.env.keys()) if (!Object.prototype.hasOwnProperty.call(now, name)) unset.push(name);
    if (set.length || unset.length) out.env = { set, unset };
    return out.props || out.removed || out.env ? out : undefined;
  }

  /** Node's own data property `key` holds another value than it had (a program's). */
  private replaced(key: string | symbol): boolean {
    if (!this.values.has(key)) return false;
    const d = Object.getOwnPropertyDescriptor(process, key);
    return d !== undefined && 'value' in d && !Object.is(d.value, this.values.get(key));
  }

  /** `value` decodes a captured value (HeapDecoder.value). */
  restore(roots: unknown, value: (v: V) => unknown): void {
    if (roots === undefined) return;
    if (!roots || typeof roots !== 'object') throw new RestoreError('the process root is damaged');
    const { props, removed, env } = roots as ProcessRoots;
    for (const k of removed ?? []) {
      const key = typeof k === 'string' ? k : value(k);
      if ((typeof key === 'string' || typeof key === 'symbol') && !NODE_MANAGED.has(key)) delete (process as unknown as Record<string | symbol, unknown>)[key];
    }
    for (const entry of props ?? []) {
      if (!Array.isArray(entry) || entry.length < 2) throw new RestoreError('a process property root is damaged');
      const [k, v, flags = WRITABLE | ENUMERABLE | CONFIGURABLE] = entry;
      const key = typeof k === 'string' ? k : value(k);
      if (typeof key !== 'string' && typeof key !== 'symbol') throw new RestoreError('a process property key is neither a string nor a symbol');
      let d: PropertyDescriptor;
      if (flags & ACCESSOR) {
        if (!Array.isArray(v)) throw new RestoreError('a process accessor root is damaged');
        d = { get: value(v[0] as V) as () => unknown, set: value(v[1] as V) as (x: unknown) => void };
      } else d = { value: value(v), writable: !!(flags & WRITABLE) };
      d.enumerable = !!(flags & ENUMERABLE);
      d.configurable = !!(flags & CONFIGURABLE);
      try {
        Object.defineProperty(process, key, d);
      } catch (err) {
        throw new RestoreError(`process.${String(key)} cannot be set on this Node.js (${(err as Error).message})`);
      }
    }
    if (env !== undefined) {
      if (!env || !Array.isArray(env.set) || !Array.isArray(env.unset)) throw new RestoreError('the environment root is damaged');
      for (const pair of env.set) {
        if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') throw new RestoreError('an environment variable root is damaged');
        process.env[pair[0]] = pair[1];
      }
      for (const name of env.unset) if (typeof name === 'string') delete process.env[name];
    }
  }
}
